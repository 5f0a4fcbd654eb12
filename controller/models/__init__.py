"""The controller's tables, by area. Personal data exists here only sealed, masked or as a
keyed hash.

Every table is imported here, so `Base.metadata` (Alembic's env, create_all, the migration
tests) holds them all, and `from controller.models import X` works for every model.
"""

from __future__ import annotations

from controller.models.base import Base, UtcDateTime
from controller.models.content import (
    Announcement,
    AppointmentService,
    AppointmentSlot,
    BookableMixin,
    BookingHold,
    ContentMixin,
    ContentVersion,
    Employer,
    Job,
    JobFair,
    Policy,
    Training,
)
from controller.models.fleet import (
    STATUS_NEVER_SEEN,
    Kiosk,
    PairingCode,
    PreauthorisedSerial,
    Region,
)
from controller.models.health import Alert, KioskHealthChange, KioskHealthNow, Notification
from controller.models.remote import (
    CatalogTarget,
    KioskCommand,
    KioskGroup,
    KioskGroupMember,
    KioskTarget,
    KioskUpdate,
    Release,
    Rollout,
)
from controller.models.staff import AuditEntry, StaffSession, User
from controller.models.transactions import (
    STATUS_RECEIVED,
    ApplicationNote,
    MaintenanceEvent,
    PushContact,
    Rating,
    ServiceTitle,
    StaffCall,
    Transaction,
)

__all__ = [
    "Alert",
    "Announcement",
    "ApplicationNote",
    "AppointmentService",
    "AppointmentSlot",
    "AuditEntry",
    "Base",
    "BookableMixin",
    "BookingHold",
    "CatalogTarget",
    "ContentMixin",
    "ContentVersion",
    "Employer",
    "Job",
    "JobFair",
    "Kiosk",
    "KioskCommand",
    "KioskHealthChange",
    "KioskHealthNow",
    "KioskGroup",
    "KioskGroupMember",
    "KioskTarget",
    "KioskUpdate",
    "Notification",
    "PairingCode",
    "Policy",
    "PreauthorisedSerial",
    "PushContact",
    "Rating",
    "Region",
    "Release",
    "Rollout",
    "STATUS_NEVER_SEEN",
    "STATUS_RECEIVED",
    "ServiceTitle",
    "MaintenanceEvent",
    "StaffCall",
    "StaffSession",
    "Training",
    "Transaction",
    "User",
    "UtcDateTime",
]
