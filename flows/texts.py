"""Texts the engine itself shows: button labels and field error messages, zh-CN and en."""

from __future__ import annotations

from flows.model import Texts

BUTTONS: dict[str, Texts] = {
    "next": Texts("下一步", "Next"),
    "submit": Texts("提交", "Submit"),
    "confirm": Texts("确认提交", "Confirm and submit"),
    "back": Texts("返回修改", "Go back and edit"),
    "retry": Texts("重试", "Try again"),
    "cancel": Texts("取消办理", "Cancel"),
    "finish": Texts("完成", "Finish"),
}

FIELD_ERRORS: dict[str, Texts] = {
    "required": Texts("请填写{label}", "Please fill in {label}"),
    "too_long": Texts("{label}最多{max}个字", "{label} is at most {max} characters"),
    "id_format": Texts(
        "身份证号码应为18位，最后一位可以是数字或X",
        "An ID number has 18 characters, the last may be X",
    ),
    "id_checksum": Texts(
        "身份证号码有误，请核对后重新输入", "This ID number is not valid; please check it"
    ),
    "id_birth_date": Texts(
        "身份证号码中的出生日期不正确", "The birth date inside this ID number is not possible"
    ),
    "id_region": Texts(
        "身份证号码中的地区代码不存在", "The region code inside this ID number does not exist"
    ),
    "mobile_format": Texts("手机号码只能包含数字", "A mobile number has digits only"),
    "mobile_length": Texts("手机号码应为11位", "A mobile number has 11 digits"),
    "mobile_prefix": Texts("手机号码应以13至19开头", "A mobile number starts with 13 to 19"),
    "name_format": Texts("请输入中文姓名（可含·）", "Please enter a name in Chinese (· allowed)"),
    "date_format": Texts(
        "日期格式应为 年-月-日，例如 2026-01-31", "Use year-month-day, e.g. 2026-01-31"
    ),
    "date_too_early": Texts("日期不能早于{min}", "The date cannot be before {min}"),
    "date_too_late": Texts("日期不能晚于{max}", "The date cannot be after {max}"),
    "choice": Texts("请选择{label}", "Please choose {label}"),
}


def field_error(code: str, lang: str, **values: object) -> str:
    """The message for a field error code, filled in."""
    return FIELD_ERRORS[code].get(lang).format(**values)


def button_label(event: str, lang: str) -> str:
    """The label of the button that fires `event`."""
    texts = BUTTONS.get(event)
    return texts.get(lang) if texts else event
