"""(zh-CN, English) names of the codes the controller stores, for pages and for kiosks.

An unknown code is shown as it is (see `label`): a new flow is listed before it is named.
"""

from __future__ import annotations

from wire import ApplicationStatus, Bilingual

Label = tuple[str, str]

# Services by flow id (flows/catalog/*.yaml) and the services a bundle's items file.
SERVICE_LABELS: dict[str, Label] = {
    "employment_registration": ("就业登记", "Employment registration"),
    "unemployment_registration": ("失业登记", "Unemployment registration"),
    "job_seeker_registration": ("求职登记", "Job-seeker registration"),
    "job_search": ("岗位查询", "Job search"),
    "training_enrolment": ("职业培训报名", "Training enrolment"),
    "job_fair_signup": ("招聘会报名", "Job fair sign-up"),
    "appointment": ("预约办理", "Appointment"),
    "flexible_insurance_enrolment": ("灵活就业人员参保登记", "Flexible workers' insurance"),
    "unemployment_benefit": ("失业保险金申领", "Unemployment benefit claim"),
}

# Where a transaction stands; `received` is what every transaction starts as.
APPLICATION_STATUS_LABELS: dict[str, Label] = {
    ApplicationStatus.RECEIVED: ("已受理", "Received"),
    ApplicationStatus.REVIEWING: ("审核中", "Under review"),
    ApplicationStatus.DONE: ("已办结", "Completed"),
    ApplicationStatus.RETURNED: ("退回补正", "Returned for completion"),
    ApplicationStatus.BOOKING_FAILED: ("预约未成功", "Booking not kept"),
}

# What a status means for the citizen, on the public receipt page.
APPLICATION_STATUS_NOTES: dict[str, Label] = {
    ApplicationStatus.RECEIVED: (
        "已收到，等待经办人员审核",
        "Received, waiting for review by staff",
    ),
    ApplicationStatus.REVIEWING: ("经办人员正在审核", "Staff are reviewing it"),
    ApplicationStatus.DONE: ("已办理完毕", "It has been dealt with"),
    ApplicationStatus.RETURNED: (
        "材料需补正，请按短信或电话通知办理",
        "Something is missing; please follow the message you receive",
    ),
    ApplicationStatus.BOOKING_FAILED: (
        "申请已收到，但所选名额已满，工作人员将与您联系",
        "Received, but the place you chose was taken; staff will contact you",
    ),
}

# The reasons of a 1- or 2-star rating (flows/catalog/rating.yaml).
RATING_REASON_LABELS: dict[str, Label] = {
    "guide_unclear": ("办事指南不清楚或不准确", "The guidance was unclear or wrong"),
    "hard_to_use": ("操作复杂、不好用", "It was hard to use"),
    "device_fault": ("设备故障或反应慢", "The machine failed or was slow"),
    "too_long": ("办理时间过长", "It took too long"),
    "repeated_info": ("要求重复填写信息或提交材料", "The same information was asked twice"),
    "not_told_once": ("所需材料和条件未一次性告知", "Not told everything needed at once"),
    "result": ("办理结果不符合预期", "The result was not as expected"),
    "other": ("其他", "Something else"),
}


def label(table: dict[str, Label], code: str) -> Label:
    """(zh-CN, English) for a code, falling back to the code itself."""
    return table.get(code, (code, ""))


def text(table: dict[str, Label], code: str) -> Bilingual:
    """A code's name as a wire text; an unknown code is its own name in both languages."""
    zh, en = label(table, code)
    return Bilingual.of(zh, en or zh)
