"""The AUTHORING SIMULATION that `python -m flows.cli walk` runs a flow against.

Devices, the controller and the clock are stand-ins defined here and used nowhere else (the
kiosk binds real devices). A card read yields the fictitious citizen SIM_NAME /
SIM_ID_NUMBER (the example number of GB 11643 itself, not a person); submit hands out the
number SIM-0001 and shows what would be sent, masked; the fetching actions hand out
SIM_CONTENT (two or three made-up items each); printing prints a line; time passes only
when the script says `wait`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flows.actions import ACTIONS, CONTENT_SOURCES, GUARDS, IDENTITY_METHODS
from flows.engine import Action, FlowRun, Guard
from flows.errors import ActionFailed
from flows.model import Flow, Texts
from flows.session import Identity, Session
from flows.submission import build_submission
from pii import Sensitive, mask_name

SIM_ID_NUMBER = "11010519491231002X"
SIM_NAME = "测试甲"
SIM_TRANSACTION = "SIM-0001"
SIM_HOLD = "5" * 32
_READERS = {action: method for method, action in IDENTITY_METHODS.items() if action}
_URL = "https://example.invalid/sim/"


def _sim(ident: str, title: str, summary: str, *rows: str, **extra: object) -> dict[str, object]:
    """One made-up item; rows are "label: value"."""
    pairs = [row.split(": ", 1) for row in rows]
    return {"id": ident, "title": title, "summary": summary, "rows": pairs, **extra}


# AUTHORING SIMULATION content, one list per source: made up, shaped like the real thing.
SIM_CONTENT: dict[str, list[dict[str, object]]] = {
    "jobs": [
        _sim("SIM-J1", "数控车床操作工", "某机械公司 · 壶镇镇 · 5000-7000元/月", "用工形式: 全职",
             "学历要求: 初中及以上", qr=_URL + "j1", criteria={"age": [18, 50]}),
        _sim("SIM-J2", "电商客服（可兼职）", "某电商公司 · 五云街道 · 3500-4500元/月",
             "用工形式: 非全日制", qr=_URL + "j2", criteria={"age": [18, 45]}),
    ],
    "policies": [
        _sim("SIM-P1", "灵活就业社会保险补贴", "就业困难人员、离校2年内未就业高校毕业生",
             "补贴标准: 实际缴费额的三分之二", qr=_URL + "p1",
             criteria={"answers": {"employment_status": ["flexible"]}}),
        _sim("SIM-P2", "大龄失业人员公益性岗位安置", "女40周岁、男50周岁以上",
             "对象: 登记失业人员", qr=_URL + "p2",
             criteria={"age_by_sex": {"female": [40, None], "male": [50, None]}}),
    ],
    "trainings": [
        _sim("SIM-T1", "电工（五级）职业技能等级培训", "2026-12-07起 · 晚班", "费用: 符合条件免费"),
        _sim("SIM-T2", "育婴员（五级）培训", "已满", available=False),
    ],
    "job_fairs": [
        _sim("SIM-F1", "“就业援助月”专场招聘会", "2026-12-05 09:00 · 县人力资源市场",
             "参会单位: 约60家", qr=_URL + "f1"),
        _sim("SIM-F2", "高校毕业生网络招聘会", "报名已截止", available=False),
    ],
    "slots": [
        _sim("SIM-S1", "09:00-09:30", "剩余3个"),
        _sim("SIM-S2", "09:30-10:00", "已约满", available=False),
        _sim("SIM-S3", "14:00-14:30", "剩余5个"),
    ],
    "applications": [
        _sim("SIM-A1", "社保补贴申领", "审核中", "提交时间: 2026-11-25 10:12", status="审核中"),
        _sim("SIM-A2", "就业登记", "已办结", "办结时间: 2026-11-21", status="已办结"),
    ],
}  # fmt: skip


@dataclass
class Simulation:
    """AUTHORING SIMULATION: stand-in devices, controller and clock. Never used by the kiosk."""

    out: Callable[[str], None]
    online: bool = True
    now: float = 0.0
    next_outcome: str = "ok"
    guard_values: dict[str, bool] = field(default_factory=dict)
    flow: Flow | None = None  # the flow walked, for what submit would send

    def clock(self) -> float:
        """Simulated seconds."""
        return self.now

    def run_action(self, run: FlowRun, outcome: str) -> None:
        """Run the action step on screen, the simulated device ending as `outcome`."""
        self.next_outcome = outcome
        run.run_action()

    def wait(self, run: FlowRun, seconds: float) -> None:
        """Move the simulated clock; say so when the step on screen times out."""
        self.now += seconds
        if run.seconds_left() == 0:
            self.out(f"  ... {seconds:g} s without a touch: timed out")

    def actions(self) -> dict[str, Action]:
        """Every action of the vocabulary, simulated."""
        bound: dict[str, Action] = {name: self._reader(name) for name in _READERS}
        bound["submit"] = self._outcome(self._submit)
        bound["print_receipt"] = self._outcome(self._print)
        bound["print_slip"] = self._outcome(self._print_slip)
        bound["hold_place"] = self._outcome(self._hold)
        bound["submit_rating"] = self._outcome(self._rate)
        for action, source in CONTENT_SOURCES.items():
            bound[action] = self._outcome(self._fetcher(source))
        missing = ACTIONS - bound.keys()
        for name in missing:  # an action added to the vocabulary later: simulated as ok
            bound[name] = self._outcome(lambda s: None)
        return bound

    def guards(self) -> dict[str, Guard]:
        """Every guard of the vocabulary: yes unless the script says no."""
        return {name: self._guard(name) for name in GUARDS}

    def _guard(self, name: str) -> Guard:
        return lambda session: self.guard_values.get(name, True)

    def _outcome(self, work: Callable[[Session], None]) -> Action:
        def action(session: Session) -> str | None:
            outcome, self.next_outcome = self.next_outcome, "ok"
            if outcome == "error":
                raise ActionFailed(Texts("（模拟）设备故障", "(simulated) device error"))
            if outcome != "ok":
                return outcome
            work(session)
            return None

        return action

    def _reader(self, action: str) -> Action:
        def read(session: Session) -> None:
            session.identity = Identity(
                _READERS[action], Sensitive(SIM_ID_NUMBER), Sensitive(SIM_NAME, mask_name)
            )
            number = session.identity.id_number.masked()
            self.out(f"  (simulated) {action}: {mask_name(SIM_NAME)} {number}")

        return self._outcome(read)

    def _submit(self, session: Session) -> None:
        session.record.transaction_number = session.record.transaction_number or SIM_TRANSACTION
        shown = {
            k: (v.masked() if isinstance(v, Sensitive) else v) for k, v in session.values.items()
        }
        method = session.identity.method if session.identity else "-"
        self.out(f"  (simulated) submit: identity by {method}, values {shown}")
        if self.flow is not None:
            sent = build_submission(self.flow, session)
            if sent.items:
                self.out(f"  (simulated) one transaction, items {[i.service for i in sent.items]}")
            if sent.selected:
                self.out(f"  (simulated) chosen {sent.selected}, held {sorted(sent.holds or {})}")

    def _print(self, session: Session) -> None:
        self.out(f"  (simulated) receipt printed for {session.record.transaction_number}")

    def _print_slip(self, session: Session) -> None:
        item = session.current_item()
        number = session.record.transaction_number
        what = f"{item.id if item else '-'}" + (f", number {number}" if number else "")
        self.out(f"  (simulated) slip printed: {what}")

    def _hold(self, session: Session) -> None:
        source = session.current_source()
        if source is None:
            raise ActionFailed(Texts("（模拟）没有选择项目", "(simulated) nothing chosen"))
        session.record.holds[source] = SIM_HOLD
        self.out(f"  (simulated) place held: {source} {session.selected[source]}")

    def _rate(self, session: Session) -> None:
        values = {k: v for k, v in session.values.items() if isinstance(v, str)}
        number = session.record.transaction_number or "-"
        self.out(f"  (simulated) rating of {number}: {values}")

    def _fetcher(self, source: str) -> Callable[[Session], None]:
        def fetch(session: Session) -> None:
            session.content[source] = [dict(item) for item in SIM_CONTENT[source]]
            self.out(f"  (simulated) fetched {len(SIM_CONTENT[source])} {source}")

        return fetch
