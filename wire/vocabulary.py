"""Names every layer shares, defined once: the kinds of device a kiosk has, and the
services a citizen books an appointment for.

Standard library only, so the flows engine may name devices without the rest of the wire
contract. A device kind is the same string in a flow's `needs`, in kiosk.toml, in the device
manager's scanners, in a heartbeat and on the dashboard. An appointment service is the same
string in the appointment flow's choices (flows/catalog/appointment_booking.yaml), in the
kiosk's slot fetches and in the slots county staff make on the controller.
"""

from __future__ import annotations

import enum


class DeviceKind(enum.StrEnum):
    """A kind of device a kiosk may have; the value is its one name everywhere."""

    ID_CARD_READER = "id_card_reader"  # 2nd-generation resident ID card reader (serial SAM)
    SOCIAL_CARD_READER = "social_card_reader"  # social security card reader (PC/SC)
    RECEIPT_PRINTER = "receipt_printer"  # ESC/POS thermal receipt printer
    CAMERA = "camera"  # front camera: QR codes, face presence


class AppointmentKind(enum.StrEnum):
    """A service of the county office a citizen books a time for (预约服务)."""

    UNEMPLOYMENT_BENEFIT = "unemployment_benefit"
    DIFFICULTY = "difficulty"
    SUBSIDIES = "subsidies"
    JOB_GUIDANCE = "job_guidance"
    BUSINESS_LOAN = "business_loan"
    LABOUR_RIGHTS = "labour_rights"
    PERSONNEL_FILE = "personnel_file"
    SKILL_CERTIFICATE = "skill_certificate"
    OTHER = "other"


# What a slot's 办理事项 row says when the county gave no title of its own.
APPOINTMENT_TITLES: dict[AppointmentKind, tuple[str, str]] = {
    AppointmentKind.UNEMPLOYMENT_BENEFIT: ("失业保险金申领", "Unemployment benefit"),
    AppointmentKind.DIFFICULTY: ("就业困难人员认定", "Employment difficulty"),
    AppointmentKind.SUBSIDIES: ("社保补贴和就业补贴", "Subsidies"),
    AppointmentKind.JOB_GUIDANCE: ("职业指导和求职登记", "Career advice"),
    AppointmentKind.BUSINESS_LOAN: ("创业担保贷款和创业服务", "Start-up loans"),
    AppointmentKind.LABOUR_RIGHTS: ("劳动关系和劳动维权咨询", "Labour rights advice"),
    AppointmentKind.PERSONNEL_FILE: ("人事档案查询和转递", "Personnel files"),
    AppointmentKind.SKILL_CERTIFICATE: ("职业技能评价和证书", "Skill certificates"),
    AppointmentKind.OTHER: ("其他事项", "Something else"),
}
