"""The kiosk's one catalog: every code has words in both languages, and the citizen's own."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
import string
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from drivers.errors import DriverError
from drivers.idcard import CardMoved
from drivers.printer import PaperOut, PrinterStatus
from flows import ActionFailed, FlowDefinitionError, FlowRun, Texts, load_builtin
from kiosk import messages
from kiosk.actions import RunActions, Station
from kiosk.controller_client import (
    BookingUnavailable,
    ControllerError,
    ControllerRejected,
    ControllerUnreachable,
)
from kiosk.messages import code_of, for_error, parse_catalog, section, text
from kiosk.ui.strings import METHOD_TILES, UI
from tests.flows.helpers import Stubs

ROOT = Path(__file__).resolve().parents[2]
# The employment registration form, answered.
FORM = {
    "phone": "138 1234 5678",
    "employment_type": "employed",
    "employer_name": "示例科技有限公司",
    "start_date": "2026-11-01",
}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CATALOG = messages.catalog()


def error_classes(root: type[BaseException], package: str) -> list[type[BaseException]]:
    """`root` and every class under it defined in `package` (not the ones tests make)."""
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        if cls.__module__.split(".")[0] == package:
            found.append(cls)
        todo += cls.__subclasses__()
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def driver_error_classes() -> list[type[BaseException]]:
    """Every DriverError class of every driver, each drivers/*/errors.py imported first."""
    for path in sorted(ROOT.glob("drivers/*/errors.py")):
        importlib.import_module(f"drivers.{path.parent.name}.errors")
    return error_classes(DriverError, "drivers")


def without_entry(classes: Iterable[type[BaseException]]) -> list[str]:
    """The classes whose code (own or inherited) has no entry in the catalog."""
    return [
        f"{cls.__qualname__}: {getattr(cls, 'code', None)!r}"
        for cls in classes
        if getattr(cls, "code", None) not in CATALOG
    ]


def codes_in(source: str) -> set[str]:
    """The codes a module names: `text("...")` calls and `code = "..."` in class bodies."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node) == "text" and node.args:
            if isinstance(arg := node.args[0], ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) else None
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else target
                value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
                if isinstance(target, ast.Name) and target.id == "code":
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.add(value.value)
    return found


def prose_failures(source: str) -> list[int]:
    """Lines where ActionFailed is given written text instead of the catalog's words."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and _called(node) == "ActionFailed"
        and node.args
        and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
    ]


def ui_keys_in(source: str) -> set[str]:
    """The literal keys of `ui_text("...")` calls."""
    return {
        arg.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and _called(node) == "ui_text" and node.args
        if isinstance(arg := node.args[0], ast.Constant) and isinstance(arg.value, str)
    }


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def kiosk_sources() -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "kiosk").rglob("*.py"))
    }


# -- every code has an entry ----------------------------------------------------------------


def test_every_driver_error_class_has_an_entry_for_its_code() -> None:
    classes = driver_error_classes()
    assert len(classes) > 40  # the walk saw the drivers' trees, not just the root
    assert without_entry(classes) == []


def test_a_driver_error_class_defines_its_code_in_its_own_drivers_namespace() -> None:
    for cls in driver_error_classes():
        own = vars(cls).get("code")
        if own is None:
            continue  # says what its parent says
        assert messages.CODE.fullmatch(own), cls
        folder = cls.__module__.split(".")[1]
        assert own.split(".")[0] == ("device" if folder == "errors" else folder), cls


def test_every_controller_error_class_of_the_kiosk_has_an_entry() -> None:
    classes = error_classes(ControllerError, "kiosk")
    assert ControllerRejected in classes
    assert without_entry(classes) == []


def test_every_code_the_kiosk_names_has_an_entry() -> None:
    missing = [
        f"{name}: {code}"
        for name, source in kiosk_sources().items()
        for code in sorted(codes_in(source))
        if code not in CATALOG
    ]
    assert missing == []


def test_the_kiosk_never_fails_an_action_with_written_text() -> None:
    found = [
        f"{name}:{line}"
        for name, source in kiosk_sources().items()
        for line in prose_failures(source)
    ]
    assert found == [], "use text('kiosk.<what>') and kiosk/messages.yaml"


def test_every_ui_key_a_screen_names_is_in_the_catalog() -> None:
    missing = [
        f"{name}: {key}"
        for name, source in kiosk_sources().items()
        for key in sorted(ui_keys_in(source))
        if key not in UI
    ]
    assert missing == []


def test_the_catalog_has_no_entry_nobody_uses() -> None:
    used = {getattr(c, "code", None) for c in driver_error_classes()}
    used |= {getattr(c, "code", None) for c in error_classes(ControllerError, "kiosk")}
    for source in kiosk_sources().values():
        used |= codes_in(source)
    # ui.* is read by kiosk/ui/strings.py as a whole (UI, METHOD_TILES); screens pick keys
    # at run time too (f"range_{part}"), so a static scan cannot see every use.
    unused = [code for code in CATALOG if code not in used and not code.startswith("ui.")]
    assert unused == []


def test_the_checks_above_can_fail() -> None:
    class Stray(DriverError):
        code = "stray.nobody_wrote_this"

    assert without_entry([Stray]) == [
        "test_the_checks_above_can_fail.<locals>.Stray: " + repr(Stray.code)
    ]
    sample = 'class E(Exception):\n    code = "kiosk.nope"\n\nActionFailed(text("kiosk.other"))\n'
    assert codes_in(sample) == {"kiosk.nope", "kiosk.other"}
    assert prose_failures('raise ActionFailed("打印机未连接。")\nActionFailed(f"{x}")\n') == [1, 2]
    assert prose_failures("raise ActionFailed(text('kiosk.no_printer'))\n") == []
    assert ui_keys_in('ui_text("no_such_key", lang)') == {"no_such_key"}


# -- the entries themselves -----------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_entry_is_chinese_in_zh_and_has_no_chinese_in_en(code: str) -> None:
    words = CATALOG[code]
    assert CJK.search(words.zh), words.zh
    assert not CJK.search(words.en), words.en
    fields = string.Formatter()
    assert {f[1] for f in fields.parse(words.zh) if f[1]} == {
        f[1] for f in fields.parse(words.en) if f[1]
    }, "both languages fill in the same {names}"


def test_the_ui_mappings_are_read_from_the_catalog() -> None:
    assert UI["home"] == text("ui.home")
    assert set(UI) == set(section("ui"))
    assert METHOD_TILES["typed"] == (text("ui.tile.typed"), text("ui.tile_hint.typed"))
    assert set(METHOD_TILES) == {"id_card", "social_card", "e_social_card", "typed"}


# -- the loader refuses a malformed catalog, naming the key ---------------------------------


@pytest.mark.parametrize(
    ("yaml", "named"),
    [
        ("printer.paper_out:\n  zh-CN: 缺纸\n", "printer.paper_out"),  # no English
        ("printer.paper_out:\n  zh-CN: 缺纸\n  en: ' '\n", "printer.paper_out.en"),  # empty
        ("printer.paper_out:\n  zh-CN: 缺纸\n  en: Out\n  fr: Vide\n", "printer.paper_out"),
        ("PaperOut:\n  zh-CN: 缺纸\n  en: Out\n", "PaperOut"),  # not a code
        ("paper_out:\n  zh-CN: 缺纸\n  en: Out\n", "paper_out"),  # no namespace
        ("printer.paper_out: 缺纸\n", "printer.paper_out"),  # one language only
        ("a.b:\n  zh-CN: 甲\n  en: A\na.b:\n  zh-CN: 乙\n  en: B\n", "a.b"),  # twice
    ],
)
def test_a_malformed_catalog_is_refused_naming_the_key(yaml: str, named: str) -> None:
    with pytest.raises(FlowDefinitionError) as caught:
        parse_catalog(yaml.encode(), "bad.yaml")
    assert "bad.yaml" in str(caught.value)
    assert named in str(caught.value)


def test_a_catalog_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(FlowDefinitionError, match="expected a mapping"):
        parse_catalog(b"- printer.paper_out\n", "bad.yaml")


def test_a_catalog_with_an_alias_is_refused() -> None:
    yaml = "a.b: &w\n  zh-CN: 甲\n  en: A\na.c: *w\n"
    with pytest.raises(FlowDefinitionError, match="refused"):
        parse_catalog(yaml.encode(), "bad.yaml")


def test_an_unknown_code_is_an_error_naming_it() -> None:
    with pytest.raises(messages.UnknownCode, match="kiosk.no_such_thing"):
        text("kiosk.no_such_thing")


# -- errors to words ------------------------------------------------------------------------


def test_a_subclass_without_its_own_entry_says_what_its_parent_says() -> None:
    class NewPaperProblem(PaperOut):
        """A subclass a driver might add without a catalog entry."""

    class NewCodeNoEntry(PaperOut):
        code = "printer.nobody_wrote_this_yet"

    out = PrinterStatus(paper_out=True)
    assert for_error(NewPaperProblem("x", status=out)) == text("printer.paper_out")
    assert code_of(NewCodeNoEntry) == "printer.paper_out"
    with pytest.raises(messages.UnknownCode):
        code_of(ValueError)


def test_a_controller_sentence_is_kept_for_chinese_and_english_comes_from_the_catalog() -> None:
    full = BookingUnavailable(409, "no place left", "该培训班名额已满，请选择其他班次。")
    assert for_error(full) == Texts(
        "该培训班名额已满，请选择其他班次。", text("kiosk.booking_taken").en
    )
    assert for_error(BookingUnavailable(409, "no place left")) == text("kiosk.booking_taken")
    assert for_error(ControllerUnreachable("timeout")) == text("kiosk.offline")


# -- a citizen who chose English reads English ----------------------------------------------


class _MovedCardReader:
    """An ID card reader whose every read ends with the card pulled away."""

    def forget(self) -> None:
        pass

    def read_card(self, wait: float) -> None:
        raise CardMoved("card left the field during the read")


def test_a_card_reader_failure_is_shown_in_english_to_a_citizen_who_chose_english() -> None:
    flow = load_builtin("employment_registration")
    station = Station(lambda: "KA07", "测试站", "http://127.0.0.1:9", ZoneInfo("Asia/Shanghai"))
    actions = RunActions(
        flow,
        station,
        reader=_MovedCardReader(),
        printer=None,
        outbox=None,
    )
    bound = {**Stubs().actions(), "read_id_card": actions.identity.read_id_card}
    run = FlowRun(flow, bound, lang="en")
    run.run_action()
    assert run.step.name == "identify_failed"
    assert run.error_message == text("idcard.card_moved").en
    assert not CJK.search(run.error_message)


def test_a_printer_failure_during_a_run_is_shown_in_english() -> None:
    def out_of_paper(session: object) -> str:
        raise ActionFailed(for_error(PaperOut("paper out", status=PrinterStatus(paper_out=True))))

    flow = load_builtin("employment_registration")
    run = FlowRun(
        flow,
        {**Stubs().actions(), "print_receipt": out_of_paper},
        lang="en",
        today=lambda: dt.date(2026, 11, 26),
    )
    run.run_action()  # the stub reads an ID card
    assert run.submit_form(FORM) == {}
    run.fire("confirm")
    run.run_action()  # submit
    run.run_action()  # print: out of paper
    assert run.error_message == text("printer.paper_out").en
    assert "QR code" in run.error_message
