"""Texts the engine itself shows: button labels and field error messages, zh-CN and en."""

from __future__ import annotations

from flows.model import Texts

BUTTONS: dict[str, Texts] = {
    "next": Texts("下一步", "Next"),
    "submit": Texts("提交", "Submit"),
    "confirm": Texts("确认提交", "Confirm and submit"),
    # The confirm button under a confirm step's declarations: the one tap that pledges them.
    "pledge": Texts("承诺属实，确认提交", "Declare and submit"),
    "back": Texts("返回修改", "Go back and edit"),
    "retry": Texts("重试", "Try again"),
    "cancel": Texts("取消办理", "Cancel"),
    "finish": Texts("完成", "Finish"),
    # Identity methods (`kind: identity`) and the way back to choosing one.
    "id_card": Texts("身份证", "ID card"),
    "social_card": Texts("社保卡", "Social security card"),
    "e_social_card": Texts("电子社保卡", "Electronic social security card"),
    "typed": Texts("手动输入身份证号码", "Type my ID number"),
    "other_method": Texts("换一种方式", "Use another way"),
    # Lists, details and the services around them.
    "back_to_list": Texts("返回列表", "Back to the list"),
    "refine": Texts("修改筛选条件", "Change the filters"),
    "print_slip": Texts("打印凭条", "Print a slip"),
    "sign_up": Texts("我要报名", "Sign up"),
    "other_date": Texts("换个日期", "Choose another date"),
    "personalised": Texts("按我的情况推荐", "Match to my situation"),
    "browse": Texts("浏览全部", "Browse all"),
    "view_jobs": Texts("查看为我推荐的岗位", "See jobs for me"),
    "skip": Texts("跳过", "Skip"),
}

# The confirm screen's heading over the declarations, and the receipt's line saying they
# were pledged (the record holds each declaration's name answered "yes").
DECLARATIONS_HEADING = Texts(
    "声明与承诺（点击下方按钮即表示您已阅读并承诺以下内容属实）",
    "Declarations (the button below declares that you have read them and they are true)",
)
DECLARED_ROW = Texts("声明与承诺", "Declarations")
DECLARED_VALUE = Texts("已阅读并承诺属实（{n}项）", "Read and declared true ({n})")

FIELD_ERRORS: dict[str, Texts] = {
    "required": Texts("请填写{label}", "Please fill in {label}"),
    "too_long": Texts("{label}最多{max}个字", "{label} is at most {max} characters"),
    "too_short": Texts("{label}至少{min}个字", "{label} needs at least {min} characters"),
    "text_control": Texts(
        "{label}中有无法识别的字符，请删除后重新输入",
        "{label} contains characters that cannot be used; please retype it",
    ),
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
    "date_impossible": Texts(
        "这一天不存在，请检查月份和日期", "That day does not exist; please check the month and day"
    ),
    "date_too_early": Texts("日期不能早于{min}", "The date cannot be before {min}"),
    "date_too_late": Texts("日期不能晚于{max}", "The date cannot be after {max}"),
    "choice": Texts("请选择{label}", "Please choose {label}"),
    "range_format": Texts(
        "请填写开始和结束日期，用“/”分隔，例如 2026-01-01/2026-03-31",
        "Enter the first and last day separated by /, e.g. 2026-01-01/2026-03-31",
    ),
    "range_order": Texts("结束日期不能早于开始日期", "The last day cannot be before the first"),
    "range_too_long": Texts("时间段最长{max}天", "The period can be at most {max} days"),
    "region_format": Texts("地区代码应为6位数字", "A region code has 6 digits"),
    "region_unknown": Texts("没有这个地区代码，请核对", "There is no region with this code"),
    "must_tick": Texts("请阅读并勾选“{label}”", "Please read and tick: {label}"),
    "bank_format": Texts("银行账号只能包含数字", "A bank account number has digits only"),
    "bank_length": Texts("银行账号应为12至19位数字", "A bank account number has 12 to 19 digits"),
}


def field_error(code: str, lang: str, **values: object) -> str:
    """The message for a field error code, filled in."""
    return FIELD_ERRORS[code].get(lang).format(**values)


def button_label(event: str, lang: str) -> str:
    """The label of the button that fires `event`."""
    texts = BUTTONS.get(event)
    return texts.get(lang) if texts else event


# The steps `kind: identity` makes (flows/identity.py), per method: title, prompt, failure.
IDENTITY_CHOOSER = (
    Texts("请选择身份核验方式", "How would you like to identify yourself?"),
    Texts(
        # Card first: the kiosk watches its readers and a card laid there picks its way; the
        # voice reads this, the touchscreen says it for the readers the kiosk has.
        "请直接放置身份证或插入社保卡，或选择其他方式；没有带证件时，可以手动输入身份证号码。",
        "Lay your ID card on the reader or insert your social security card, or choose "
        "another way. Without a card you can type your ID number.",
    ),
)
# A card past its validity period: the title, what a refusing flow says, what an accepting
# flow says (flows/identity.py).
EXPIRED_DOCUMENT: tuple[Texts, Texts, Texts] = (
    Texts("证件已过期", "Your document has expired"),
    Texts(
        "这张证件已超过有效期，办理本业务需要有效证件。请放置有效证件，或换领新证后再来；"
        "也可以到人工窗口咨询。",
        "This document is past its validity date, and this service needs a valid one. Lay a"
        " valid document on the reader, or come back once you have renewed it; staff at the"
        " counter can help.",
    ),
    Texts(
        "这张证件已超过有效期。您仍可以查询信息；办理业务前请先换领新证。",
        "This document is past its validity date. You can still look things up; renew it"
        " before you apply for anything.",
    ),
)

IDENTITY_STEPS: dict[str, tuple[Texts, Texts, Texts]] = {
    "id_card": (
        Texts("请放置身份证", "Place your ID card"),
        Texts(
            "请将第二代居民身份证平放在读卡区，保持不动，直到听到提示音。",
            "Lay your resident ID card flat on the reader and keep it still until you hear a beep.",
        ),
        Texts("未能读取身份证", "Could not read the ID card"),
    ),
    "social_card": (
        Texts("请插入社保卡", "Insert your social security card"),
        Texts(
            "请将社会保障卡芯片朝上插入读卡口，直到听到提示音。",
            "Insert your social security card chip side up into the slot until you hear a beep.",
        ),
        Texts("未能读取社保卡", "Could not read the social security card"),
    ),
    "e_social_card": (
        Texts("请出示电子社保卡二维码", "Show the QR code of your electronic social security card"),
        Texts(
            "在掌上12333、微信或支付宝中打开电子社保卡，将二维码对准摄像头。",
            "Open your electronic social security card in the 12333 app, WeChat or Alipay and "
            "hold its QR code up to the camera.",
        ),
        Texts("未能识别二维码", "Could not read the QR code"),
    ),
    "typed": (
        Texts("输入身份证号码", "Type your ID number"),
        Texts(
            "请输入本人的身份证号码和姓名，提交前请仔细核对。",
            "Type your own ID number and name, and check them before you go on.",
        ),
        Texts("未能确认身份", "Could not confirm who you are"),
    ),
}
IDENTITY_FIELDS = {
    "id_number": Texts("身份证号码", "ID number"),
    "name": Texts("姓名", "Name"),
}
# What the engine shows for content and bundles.
CONTENT_UNAVAILABLE = Texts(
    "暂时无法获取相关信息，请稍后再试，或拨打12333咨询。",
    "The information could not be fetched. Please try again later or call 12333.",
)
BUNDLE_ROW = Texts("一并办理的事项", "Services in this application")
# The confirm screen's label of the item chosen in a list, by content source.
CHOSEN_LABELS: dict[str, Texts] = {
    "jobs": Texts("所选岗位", "Chosen job"),
    "policies": Texts("所选政策", "Chosen policy"),
    "trainings": Texts("所选培训班", "Chosen training class"),
    "job_fairs": Texts("所选招聘会", "Chosen job fair"),
    "slots": Texts("预约时段", "Time slot"),
    "applications": Texts("所选办件", "Chosen application"),
    "_": Texts("所选项目", "Chosen item"),
}
NO_IDENTITY = Texts(
    "未能确认您的身份，请重试或换一种方式。", "We could not confirm who you are; please try again."
)
