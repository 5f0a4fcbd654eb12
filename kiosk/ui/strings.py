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
    # The identity chooser, when the flow keeps the engine's prompt (which names every
    # method, offered here or not): the tiles say what each way is.
    "choose_method": Texts("请点击您要使用的方式", "Tap the way you want to use"),
    "demo_social_title": Texts("演示模式：模拟插入社保卡", "Demo: insert a simulated card"),
    "demo_social_hint": Texts(
        "点击下方任一测试卡，模拟将社保卡插入读卡口", "Tap a test card to put it in the slot"
    ),
    # Form fields.
    "date_hint": Texts("年-月-日", "YYYY-MM-DD"),
    "range_start": Texts("开始日期", "First day"),
    "range_end": Texts("结束日期", "Last day"),
    "range_to": Texts("至", "to"),
    "range_missing_start": Texts("请填写开始日期", "Please fill in the first day"),
    "range_missing_end": Texts("请填写结束日期", "Please fill in the last day"),
    "region_hint": Texts("6位数字", "6 digits"),
    "region_valid": Texts("地区代码正确", "This region code exists"),
    "min_length": Texts(
        "至少{min}个字，已输入{count}个字", "At least {min} characters: {count} so far"
    ),
    # The end screen.
    # An end step made to show the QR code, when the kiosk gave no link to encode: its own
    # title and prompt speak of a code that is not there.
    "no_qr_title": Texts("办理成功，请记下办件编号", "Done - please note your number"),
    "no_qr_prompt": Texts(
        "您的申请已提交。请记下屏幕上的办件编号，凭编号可以查询办理进度。",
        "Your application is submitted. Note the number on screen to follow its progress.",
    ),
    # Under the code, on one line of the code's width.
    "receipt_qr": Texts("用手机扫码保存电子回执", "Scan for your e-receipt"),
    # A completed transaction leads on to its rating (好差评) instead of back to welcome.
    "rate_now": Texts("评价本次服务", "Rate this service"),
    "rate_in": Texts("{seconds}秒后进入服务评价", "Rating in {seconds} s"),
    "rated_service": Texts("评价事项：{service}　办件编号：{number}", "{service}, number {number}"),
    # Lists and details of content from outside the flow (jobs, classes, slots ...).
    "page_up": Texts("上一页", "Up"),
    "page_down": Texts("下一页", "Down"),
    "page_of": Texts("第{n}页\n共{total}页", "Page {n}\nof {total}"),
    "list_count": Texts("共{count}项", "{count} in all"),
    "list_empty": Texts(
        "暂时没有可显示的内容。可以返回修改条件，或稍后再来查看。",
        "There is nothing to show at the moment. Change the filters, or look again later.",
    ),
    "full": Texts("已满", "Full"),
    "may_suit": Texts("可能符合", "May suit you"),
    "how_it_fits": Texts("匹配情况", "How it fits"),
    "item_qr": Texts("用手机扫码查看", "Scan with your phone"),
    "slip_printed": Texts("凭条已打印，请从出纸口取走", "Printed - please take your slip"),
    # Form fields.
    "tick_this": Texts("请阅读后勾选此项", "Please read this and tick it"),
    "bank_count": Texts("已输入{count}位数字", "{count} digits so far"),
    # Under a bank account entered before, shown masked in its empty box.
    "bank_kept": Texts(
        "已填写。无需修改可直接提交；如要修改，请重新输入完整账号",
        "Filled in. Submit to keep it, or type the whole number again",
    ),
}

# The tiles of the identity chooser: what to do, in a few words, and how (one line).
# Methods the UI does not know are labelled with the engine's button text and no hint.
METHOD_TILES: dict[str, tuple[Texts, Texts]] = {
    "id_card": (
        Texts("刷身份证", "ID card"),
        Texts("请将身份证放在读卡区", "Lay your ID card on the reader"),
    ),
    "social_card": (
        Texts("插社保卡", "Social security card"),
        Texts("请将社保卡插入读卡口", "Insert the card into the slot"),
    ),
    "e_social_card": (
        Texts("扫电子社保卡二维码", "E-social security card"),
        Texts("在手机上打开电子社保卡，对准摄像头", "Show its QR code from your phone"),
    ),
    "typed": (
        Texts("手工输入身份证号码", "Type my ID number"),
        Texts("没有带证件时再选这一项", "Only if you have no card with you"),
    ),
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
