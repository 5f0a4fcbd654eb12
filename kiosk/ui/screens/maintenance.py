"""The technician's maintenance screen: a PIN pad, then the kiosk's state and its switches.

Reached only through the hidden gesture on the service menu between visits (kiosk/ui/ops.py;
the gesture and the PIN rules are in kiosk/maintenance.py and docs/technicians.md). The PIN
pad shows dots, never digits, and says how long a lockout lasts. Behind it: device health,
outbox depth and oldest pending, network and controller, the last log lines (already
redacted), the self-test with a progress bar (on a worker thread: the UI keeps ticking and
the watchdog stays fed), the out-of-service switch, back to service, and the only way out to
the desktop. Texts are for technicians and shown in both languages at once.

Laid out in Python rather than kv: it has no visit data and nothing a flow configures, and
it reuses the kiosk's own TextLabel, TitleLabel and BigButton rules.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.progressbar import ProgressBar
from kivy.uix.scrollview import ScrollView

from drivers.selftest import Check, Report
from kiosk.maintenance import MaintenancePort, Snapshot
from kiosk.maintenance_pin import Attempt, Verdict
from kiosk.ui import theme
from kiosk.ui.bridge import on_ui_thread, run_in_worker
from kiosk.ui.widgets import BigButton, KioskScreen, TextLabel, TitleLabel

NAME = "maintenance"
PIN_MAX = 12

_VERDICTS = {
    Verdict.WRONG: "PIN 错误 Wrong PIN ({failures}/5)",
    Verdict.LOCKED: "已锁定 Locked: {minutes} 分钟后再试 try again in {minutes} min",
    Verdict.TOO_SOON: "请稍候 Wait a moment",
    Verdict.NO_PIN: "未设置 PIN No PIN set: estation-kiosk set-pin",
}


def verdict_text(attempt: Attempt) -> str:
    """What the PIN pad says after an attempt."""
    minutes = max(1, round(attempt.wait_seconds / 60))
    return _VERDICTS[attempt.verdict].format(failures=attempt.failures, minutes=minutes)


def snapshot_text(shot: Snapshot, now: dt.datetime) -> str:
    """The snapshot as lines a technician reads top to bottom."""
    lines = ["设备 Devices"]
    for device in shot.devices:
        extra = " ".join(part for part in (device.reason, device.identity) if part)
        lines.append(f"  {device.kind}: {device.health}{'  ' + extra if extra else ''}")
    oldest = "-"
    if shot.oldest_pending is not None:
        minutes = int((now - shot.oldest_pending).total_seconds() // 60)
        oldest = f"{shot.oldest_pending.astimezone(now.tzinfo):%m-%d %H:%M} ({minutes} min)"
    lines += [
        f"待上传 Outbox: {shot.outbox_pending} pending, {shot.outbox_failed} failed;"
        f" 最早 oldest {oldest}",
        f"控制中心 Controller: {'在线 online' if shot.online else '离线 offline'}"
        f"  {shot.controller_url}",
        f"网络 Network: {', '.join(shot.network) or '无 none'}",
        "服务状态 Service: "
        + (
            f"停止 OUT OF SERVICE: {shot.out_of_service}"
            if shot.out_of_service
            else "正常 in service"
        ),
        "",
        "日志 Recent log",
        *shot.log_lines,
    ]
    return "\n".join(lines)


class MaintenanceScreen(KioskScreen):
    """PIN pad, then the maintenance panel."""

    def __init__(
        self,
        port: MaintenancePort,
        *,
        now: Callable[[], dt.datetime],
        on_back: Callable[[], None],
        on_exit: Callable[[], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(name=NAME, **kwargs)
        self.port = port
        self._now = now
        self._on_back = on_back
        self._on_exit = on_exit
        self._pin = ""
        self.unlocked = False
        self.testing = False
        self.out_of_service = False
        self.pad = self._build_pad()
        self.panel = self._build_panel()
        self.add_widget(self.pad)

    # The PIN pad
    def _build_pad(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", padding=theme.PADDING, spacing=theme.SPACING)
        box.add_widget(TitleLabel(text="维护模式 Maintenance"))
        self.dots = TitleLabel(text="", halign="center")
        self.message = TextLabel(text="请输入维护 PIN  Enter the maintenance PIN")
        box.add_widget(self.dots)
        box.add_widget(self.message)
        keys = GridLayout(cols=3, spacing=12, size_hint=(None, None))
        keys.bind(minimum_size=keys.setter("size"))
        self.keys: dict[str, BigButton] = {}
        for key in [*"123456789", "clear", "0", "ok"]:
            label = {"clear": "清除", "ok": "确定 OK"}.get(key, key)
            button = BigButton(text=label, min_width=180, primary=key == "ok")
            button.bind(on_release=lambda _b, key=key: self.press(key))
            self.keys[key] = button
            keys.add_widget(button)
        row = BoxLayout(size_hint_y=None, height=keys.height)
        row.add_widget(keys)
        keys.bind(height=row.setter("height"))
        box.add_widget(row)
        self.cancel = BigButton(text="返回 Back")
        self.cancel.bind(on_release=lambda _b: self.back())
        box.add_widget(self.cancel)
        return box

    def press(self, key: str) -> None:
        """A key of the PIN pad."""
        if key == "clear":
            self._pin = ""
        elif key == "ok":
            pin, self._pin = self._pin, ""
            attempt = self.port.try_pin(pin)
            if attempt.verdict is Verdict.OPEN:
                self._unlock()
                return
            self.message.text = verdict_text(attempt)
        elif len(self._pin) < PIN_MAX:
            self._pin += key
        self.dots.text = "●" * len(self._pin)

    def _unlock(self) -> None:
        self.unlocked = True
        self.port.opened()
        self.remove_widget(self.pad)
        self.add_widget(self.panel)
        self.refresh_panel()

    # The panel
    def _build_panel(self) -> BoxLayout:
        box = BoxLayout(orientation="vertical", padding=theme.PADDING, spacing=16)
        box.add_widget(TitleLabel(text="维护模式 Maintenance"))
        scroll = ScrollView(do_scroll_x=False)
        self.status = TextLabel(text="", font_size=theme.SMALL)
        scroll.add_widget(self.status)
        box.add_widget(scroll)
        self.progress = ProgressBar(max=1, value=0, size_hint_y=None, height=24)
        self.progress_text = TextLabel(text="", font_size=theme.SMALL)
        box.add_widget(self.progress)
        box.add_widget(self.progress_text)
        buttons = BoxLayout(size_hint_y=None, height=theme.BUTTON_HEIGHT, spacing=12)
        self.refresh_button = BigButton(text="刷新 Refresh", min_width=180)
        self.test_button = BigButton(text="自检 Self-test", min_width=180)
        self.service_button = BigButton(text="", min_width=260)
        self.back_button = BigButton(text="返回服务 Back", min_width=200, primary=True)
        self.exit_button = BigButton(text="退出到桌面 Exit", min_width=200)
        self.refresh_button.bind(on_release=lambda _b: self.refresh_panel())
        self.test_button.bind(on_release=lambda _b: self.start_self_test())
        self.service_button.bind(on_release=lambda _b: self.toggle_service())
        self.back_button.bind(on_release=lambda _b: self.back())
        self.exit_button.bind(on_release=lambda _b: self.exit_to_desktop())
        for button in (
            self.refresh_button,
            self.test_button,
            self.service_button,
            self.back_button,
            self.exit_button,
        ):
            buttons.add_widget(button)
        box.add_widget(buttons)
        return box

    def refresh_panel(self) -> None:
        """Gather the kiosk's state again and show it."""
        shot = self.port.snapshot()
        self.status.text = snapshot_text(shot, self._now())
        self.out_of_service = shot.out_of_service is not None
        self.service_button.text = (
            "恢复服务 Back in service" if self.out_of_service else "停止服务 Out of service"
        )

    def toggle_service(self) -> None:
        """Take the kiosk out of service, or put it back."""
        self.port.set_out_of_service(not self.out_of_service, "maintenance")
        self.refresh_panel()

    def start_self_test(self) -> None:
        """Run the self-test on a worker thread, moving the bar after each device."""
        if self.testing:
            return
        self.testing = True
        self.progress.value = 0
        self.progress_text.text = "自检中 Testing..."
        result: list[Report] = []

        @on_ui_thread
        def moved(done: int, total: int, check: Check) -> None:
            self.progress.max = total
            self.progress.value = done
            mark = "OK" if check.ok else "FAIL"
            self.progress_text.text = f"{done}/{total} {check.device}: {mark} {check.detail}"

        def finished(error: BaseException | None) -> None:
            self.testing = False
            if error is not None:
                self.progress_text.text = f"自检出错 Self-test error: {type(error).__name__}"
            elif result:
                report = result[0]
                failed = [c.device for c in report.checks if not c.ok]
                self.progress_text.text = (
                    "自检通过 All passed" if report.ok else "未通过 Failed: " + ", ".join(failed)
                )
            self.refresh_panel()

        run_in_worker(lambda: result.append(self.port.self_test(moved)), finished, name="selftest")

    def back(self) -> None:
        """Back to the service menu."""
        if self.unlocked:
            self.port.closed("service")
        self.clear()
        self._on_back()

    def exit_to_desktop(self) -> None:
        """Close the kiosk program (systemd does not restart a clean exit)."""
        self.port.closed("desktop")
        self.clear()
        self._on_exit()

    def clear(self) -> None:
        """Lock again: the next technician starts at the PIN pad."""
        self._pin = ""
        self.dots.text = ""
        self.message.text = "请输入维护 PIN  Enter the maintenance PIN"
        if self.unlocked:
            self.unlocked = False
            self.remove_widget(self.panel)
            self.add_widget(self.pad)
        self.status.text = ""
        self.progress_text.text = ""
