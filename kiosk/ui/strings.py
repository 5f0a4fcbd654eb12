"""Texts the UI itself shows (flow texts come from the flow files), zh-CN and en."""

from __future__ import annotations

import datetime as dt

from flows import Texts

UI: dict[str, Texts] = {
    "choose_service": Texts("请选择要办理的业务", "Please choose a service"),
    "tap_hint": Texts("点击业务名称即可开始办理", "Tap a service to begin"),
    "step": Texts("第{n}步 / 共{total}步", "Step {n} of {total}"),
    "time_left": Texts("还剩{seconds}秒，请继续操作", "{seconds} s left - please continue"),
    "working": Texts("请稍候，正在处理…", "Please wait..."),
    "demo_title": Texts("演示模式：模拟刷身份证", "Demo: tap a simulated ID card"),
    "demo_hint": Texts(
        "点击下方任一测试卡，模拟将身份证放上读卡区", "Tap a test card to put it on the reader"
    ),
    "transaction": Texts("办件编号", "Transaction number"),
    "back_in": Texts("{seconds}秒后自动返回首页", "Back to the start in {seconds} s"),
    "home": Texts("返回首页", "Back to start"),
    "notice_default": Texts(
        "请重试，或取消办理后咨询工作人员。", "Please try again, or cancel and ask for help."
    ),
    "keypad_hint": Texts("请用下方数字键输入", "Use the keypad below"),
    "delete": Texts("删除", "Delete"),
}

LANGUAGE_NAMES: dict[str, str] = {"zh-CN": "中文", "en": "English"}

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def ui_text(key: str, lang: str, **values: object) -> str:
    """A UI text in `lang`, filled in."""
    return UI[key].get(lang).format(**values)


def date_line(now: dt.datetime, lang: str) -> str:
    """The date under the welcome clock, e.g. 2026年11月26日 星期四."""
    if lang == "en":
        return f"{_WEEKDAYS_EN[now.weekday()]} {now:%d %b %Y}"
    return f"{now.year}年{now.month}月{now.day}日 星期{_WEEKDAYS_ZH[now.weekday()]}"
