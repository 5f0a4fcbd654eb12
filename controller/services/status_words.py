"""Where a transaction stands and why, in the words the kiosk (我的办件) and the pages show."""

from __future__ import annotations

from wire import ApplicationStatus, Bilingual

# Where a transaction stands, in the words the kiosk (我的办件) and the pages show.
STATUS_TEXTS: dict[str, Bilingual] = {
    ApplicationStatus.RECEIVED: Bilingual.of("已受理", "Received"),
    ApplicationStatus.REVIEWING: Bilingual.of("审核中", "Under review"),
    ApplicationStatus.DONE: Bilingual.of("已办结", "Completed"),
    ApplicationStatus.RETURNED: Bilingual.of("退回补正", "Returned for completion"),
    ApplicationStatus.BOOKING_FAILED: Bilingual.of("预约未成功", "Booking not kept"),
    ApplicationStatus.APPROVED: Bilingual.of("已通过", "Approved"),
    ApplicationStatus.REJECTED: Bilingual.of("未通过", "Not approved"),
}

# Ready-made reasons for returning or rejecting an application, in words a citizen
# understands (staff add free text to any of them; "other" needs it).
REASONS: dict[str, Bilingual] = {
    "missing_document": Bilingual.of(
        "缺少所需材料，请带齐材料到服务大厅补交",
        "A required document is missing; please bring it to the service hall",
    ),
    "info_mismatch": Bilingual.of(
        "填写的信息与证件不一致，请核对后重新申请",
        "What was filled in does not match your documents; please check and apply again",
    ),
    "not_eligible": Bilingual.of(
        "不符合该项业务的办理条件",
        "You do not meet the conditions for this service",
    ),
    "duplicate": Bilingual.of(
        "已有相同的申请正在办理，无需重复申请",
        "The same application is already being handled; there is no need to apply again",
    ),
    "unreachable": Bilingual.of(
        "无法通过您留下的电话联系到您，请致电服务大厅",
        "We could not reach you on the phone number you gave; please call the service hall",
    ),
    "other": Bilingual.of("其他原因", "Another reason"),
}


def reason_words(code: str | None, text: str) -> Bilingual | None:
    """Why an application was returned or rejected, for the citizen; None if no reason.

    The ready-made reason in each language, then the staff member's own words (in the
    language they wrote them) after it.
    """
    if not code and not text:
        return None
    ready = REASONS.get(code or "")
    if ready is None or (code == "other" and text):
        return Bilingual.of(text, text) if text else None
    if not text:
        return ready
    return Bilingual.of(f"{ready.zh}。{text}", f"{ready.en}. {text}")


def status_text(status: str) -> Bilingual:
    """A status in words; a status this release does not know is shown as its code."""
    return STATUS_TEXTS.get(status) or Bilingual.of(status, status)


def status_with_reason(status: str, reason: Bilingual | None) -> Bilingual:
    """The status in words with the reason after it (我的办件 on every kiosk release)."""
    words = status_text(status)
    if reason is None:
        return words
    return Bilingual.of(f"{words.zh}：{reason.zh}", f"{words.en}: {reason.en}")
