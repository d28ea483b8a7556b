"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from checkin.models.audit import AuditEvent
from checkin.models.base import Base
from checkin.models.checkin import NOTE_MAX_CHARS, CheckIn
from checkin.models.client import (
    Channel,
    CheckinLink,
    Client,
    ClientStatus,
    Disclosure,
    ServiceType,
    Stage,
)
from checkin.models.document import ClientDocument, DocKind, DocSide, DocStatus
from checkin.models.employer_note import ConcernTopic, EmployerNote, EmployerNoteKind
from checkin.models.flag import Flag, FlagStatus, Severity
from checkin.models.handover import (
    AgencyKind,
    DisclosureLog,
    Handover,
    HandoverDecision,
    HandoverNotice,
)
from checkin.models.jobs import (
    JobRun,
    JobState,
    Notification,
    NotificationStatus,
    RunStatus,
    SchedulerLease,
)
from checkin.models.lifecycle import (
    EmploymentEvent,
    EmploymentKind,
    ServicePeriodOverride,
    StageChange,
)
from checkin.models.line import (
    LineAccount,
    LineConversation,
    LineEvent,
    LineLinkCode,
    LinePushLog,
    PushStatus,
)
from checkin.models.office import (
    Employer,
    LoginAttempt,
    MailDetail,
    Office,
    OfficeClosedDay,
    Role,
    SetupToken,
    StaffLeave,
    StaffUser,
)
from checkin.models.outcome import FlagFeedback, Outcome, OutcomeKind, RankerModel
from checkin.models.support import (
    EMPLOYER_CONTACT_KINDS,
    MEETING_KINDS,
    Attendee,
    Consent,
    ConsentScope,
    Contact,
    ContactKind,
    EmployerUser,
)

__all__ = [
    "EMPLOYER_CONTACT_KINDS",
    "MEETING_KINDS",
    "NOTE_MAX_CHARS",
    "AgencyKind",
    "Attendee",
    "AuditEvent",
    "Base",
    "Channel",
    "CheckIn",
    "CheckinLink",
    "Client",
    "ClientDocument",
    "ClientStatus",
    "ConcernTopic",
    "Consent",
    "ConsentScope",
    "Contact",
    "ContactKind",
    "Disclosure",
    "DisclosureLog",
    "DocKind",
    "DocSide",
    "DocStatus",
    "Employer",
    "EmployerNote",
    "EmployerNoteKind",
    "EmployerUser",
    "EmploymentEvent",
    "EmploymentKind",
    "Flag",
    "FlagFeedback",
    "FlagStatus",
    "Handover",
    "HandoverDecision",
    "HandoverNotice",
    "JobRun",
    "JobState",
    "LineAccount",
    "LineConversation",
    "LineEvent",
    "LineLinkCode",
    "LinePushLog",
    "LoginAttempt",
    "MailDetail",
    "Notification",
    "NotificationStatus",
    "Office",
    "OfficeClosedDay",
    "Outcome",
    "OutcomeKind",
    "PushStatus",
    "RankerModel",
    "Role",
    "RunStatus",
    "SchedulerLease",
    "ServicePeriodOverride",
    "ServiceType",
    "SetupToken",
    "Severity",
    "StaffLeave",
    "StaffUser",
    "Stage",
    "StageChange",
]
