"""The words pages show for codes, devices and times: (zh-CN, English) pairs.

Labels of codes only ops read; an unknown code is shown as it is (`label`). Services are
not here: their titles come from the kiosks' catalogs (services/titles.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from controller.clock import CHINA_TIME
from controller.models import STATUS_NEVER_SEEN
from wire import ApplicationStatus, Bilingual, DeviceKind

Label = tuple[str, str]

STATUS_LABELS = {
    "idle": ("空闲", "Idle"),
    "in_session": ("办理中", "In session"),
    "maintenance": ("维护中", "Maintenance"),
    "out_of_service": ("暂停服务", "Out of service"),
    "offline": ("离线", "Offline"),
    STATUS_NEVER_SEEN: ("未上线", "Never seen"),
}
DEVICE_LABELS = {
    "ok": ("正常", "OK"),
    "degraded": ("降级", "Degraded"),
    "faulted": ("故障", "Faulted"),
    "absent": ("未连接", "Absent"),
}
# The identity methods of flows/engine.py.
IDENTITY_LABELS = {
    "id_card": ("身份证", "ID card"),
    "social_card": ("社保卡", "Social security card"),
    "e_social_card": ("电子社保卡", "e-Social card QR"),
    "e_social_card_qr": ("电子社保卡", "e-Social card QR"),
    "typed": ("手工输入", "Typed in"),
}
# What a booking of a transaction came to (controller/services/booking.py).
BOOKING_LABELS = {
    "confirmed": ("已预约", "Booked"),
    "failed": ("预约未成功", "Not booked"),
}
SOURCE_LABELS = {
    "trainings": ("培训", "Training"),
    "job_fairs": ("招聘会", "Job fair"),
    "slots": ("预约时段", "Slot"),
}
# Heartbeats key devices by wire.DeviceKind; a kind this release does not know shows its key.
DEVICE_NAMES: dict[DeviceKind, str] = {
    DeviceKind.ID_CARD_READER: "身份证读卡器",
    DeviceKind.SOCIAL_CARD_READER: "社保卡读卡器",
    DeviceKind.RECEIPT_PRINTER: "打印机",
    DeviceKind.CAMERA: "摄像头",
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
    ApplicationStatus.APPROVED: ("审核通过", "It has been approved"),
    ApplicationStatus.REJECTED: (
        "审核未通过，原因见下",
        "It was not approved; the reason is below",
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
# A transaction that reached us this much later than it was made sat in the kiosk's outbox.
LATE_UPLOAD = dt.timedelta(minutes=10)


def device_name(kind: str) -> str:
    """What ops call a device kind of a heartbeat; a kind unknown here is shown as it is."""
    try:
        return DEVICE_NAMES[DeviceKind(kind)]
    except (ValueError, KeyError):
        return kind


def label(table: Mapping[str, Label], code: str) -> Label:
    """(zh-CN, English) for a code, falling back to the code itself."""
    return table.get(code, (code, ""))


def label_of(table: Mapping[Any, Label], code: str) -> Label:
    """(zh-CN, English) from a table keyed by a string enum, falling back to the code."""
    return table.get(code, (code, ""))


def pair(text: Bilingual) -> Label:
    """A wire text as the (zh-CN, English) pair the templates unpack."""
    return (text.zh, text.en)


def local_time(value: dt.datetime | None) -> str:
    """A UTC time as Beijing time for people: 2026-11-26 10:00:00."""
    if value is None:
        return "—"
    return value.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def time_ago(value: dt.datetime | None, now: dt.datetime) -> tuple[str, str]:
    """How long ago, in zh-CN and English: ("5 分钟前", "5 min ago")."""
    if value is None:
        return ("从未", "never")
    seconds = max(int((now - value).total_seconds()), 0)
    if seconds < 60:
        return ("刚刚", "just now")
    if seconds < 3600:
        return (f"{seconds // 60} 分钟前", f"{seconds // 60} min ago")
    if seconds < 86400:
        return (f"{seconds // 3600} 小时前", f"{seconds // 3600} h ago")
    return (f"{seconds // 86400} 天前", f"{seconds // 86400} d ago")


def late_by(created_at: dt.datetime, received_at: dt.datetime) -> tuple[str, str] | None:
    """How much later than made a transaction arrived, when that is worth telling ops."""
    delay = received_at - created_at
    if delay < LATE_UPLOAD:
        return None
    hours, minutes = divmod(int(delay.total_seconds()) // 60, 60)
    if hours:
        return (f"迟 {hours} 小时上传", f"uploaded {hours} h later")
    return (f"迟 {minutes} 分钟上传", f"uploaded {minutes} min later")
