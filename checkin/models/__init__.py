"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from checkin.models.audit import AuditEvent
from checkin.models.base import Base
from checkin.models.checkin import NOTE_MAX_CHARS, CheckIn
from checkin.models.client import Channel, CheckinLink, Client, ClientStatus, Disclosure, Stage
from checkin.models.flag import Flag, FlagStatus, Severity
from checkin.models.line import (
    LineAccount,
    LineConversation,
    LineEvent,
    LineLinkCode,
    LinePushLog,
    PushStatus,
)
from checkin.models.office import Employer, Office, Role, StaffLeave, StaffUser

__all__ = [
    "NOTE_MAX_CHARS",
    "AuditEvent",
    "Base",
    "Channel",
    "CheckIn",
    "CheckinLink",
    "Client",
    "ClientStatus",
    "Disclosure",
    "Employer",
    "Flag",
    "FlagStatus",
    "LineAccount",
    "LineConversation",
    "LineEvent",
    "LineLinkCode",
    "LinePushLog",
    "Office",
    "PushStatus",
    "Role",
    "Severity",
    "StaffLeave",
    "StaffUser",
    "Stage",
]
