"""Does an urgent flag reach a person? Who would be mailed, and what became of the mail.

Computed from the staff data (addresses, leave, roles) and the mail outbox (the
``notification`` rows the urgent-mail job writes), never stored: the alert list, the
overview, ``/ops/jobs`` and the staff page show the same answer, and the urgent-mail job
picks its recipients with the same :func:`urgent_recipients`.

An *open* (not yet acknowledged) urgent flag is **delivered** once a mail for its current
request (``urgent:<flag>:<request date>:...``) was accepted by the SMTP server. Until then
it is *waiting* for a short while, and after that, or at once when nobody can be mailed, an
**alarm**: 「まだ だれにも 通知できていません」, with the reasons (:class:`Why`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from checkin.models import (
    Flag,
    FlagStatus,
    Notification,
    NotificationStatus,
    Office,
    Role,
    SchedulerLease,
    Severity,
    StaffLeave,
    StaffUser,
)

# A mail that could be sent and is not sent after this long is an alarm (the urgent-mail
# job runs every minute).
GRACE = timedelta(minutes=5)
LEASE_NAME = "scheduler"  # jobs.lease.LEASE_NAME: the services never import jobs/


class Why(enum.StrEnum):
    MAIL_OFF = "mail_off"  # no CHECKIN_SMTP_HOST: no mail is ever sent
    NO_RECIPIENT = "no_recipient"  # nobody in the chain has an address and is at work
    SEND_FAILED = "send_failed"  # the mail was refused or could not be sent (retrying)
    GAVE_UP = "gave_up"  # the outbox stopped retrying
    SCHEDULER_DOWN = "scheduler_down"  # nobody runs `checkin scheduler`
    NOT_SENT = "not_sent"  # could be sent, but was not within GRACE


@dataclass(frozen=True)
class PersonReach:
    """Whether an active staff member can be mailed today."""

    staff: StaffUser
    on_leave: bool

    @property
    def no_address(self) -> bool:
        return not (self.staff.email or "").strip()

    @property
    def reachable(self) -> bool:
        return self.staff.active and not self.no_address and not self.on_leave


@dataclass(frozen=True)
class Link:
    """One link of the chain an urgent mail goes down: who, in which role, and why not."""

    role: str  # assignee, supporter, backup, manager
    person: PersonReach | None  # None: the client has nobody in that role


@dataclass
class Delivery:
    flag: Flag
    request_key: str  # the outbox key prefix of the flag's current request
    chain: list[Link] = field(default_factory=list)
    recipients: list[StaffUser] = field(default_factory=list)  # who is (to be) mailed
    sent: list[Notification] = field(default_factory=list)
    waiting: list[Notification] = field(default_factory=list)  # pending, not failed yet
    failing: list[Notification] = field(default_factory=list)  # failed once or gave up
    reasons: list[Why] = field(default_factory=list)
    since: datetime | None = None  # since when it waits

    @property
    def delivered(self) -> bool:
        return bool(self.sent)

    @property
    def alarm(self) -> bool:
        """「まだ だれにも 通知できていません」"""
        return not self.delivered and bool(self.reasons)

    @property
    def sent_names(self) -> list[str]:
        names: list[str] = []
        for note in self.sent:
            name = _staff_name(self, note.staff_id)
            if name not in names:
                names.append(name)
        return names

    def name_of(self, staff_id: int) -> str:
        return _staff_name(self, staff_id)


def _staff_name(d: Delivery, staff_id: int) -> str:
    for link in d.chain:
        if link.person is not None and link.person.staff.id == staff_id:
            return link.person.staff.name
    for person in d.recipients:
        if person.id == staff_id:
            return person.name
    return "?"


# Besides urgent flags, these kinds are mailed at once too: a concern the employer side
# wrote (「気になること」, ``services.employer_voice``) is news the supporter should hear now.
AT_ONCE_KINDS = frozenset({"employer"})


def mailed_at_once(flag: Flag) -> bool:
    """An open flag the urgent-mail job mails at once (urgent, or an at-once kind)."""
    return flag.status == FlagStatus.OPEN and (
        flag.severity == Severity.URGENT or flag.kind in AT_ONCE_KINDS
    )


def at_once_clause() -> ColumnElement[bool]:
    """:func:`mailed_at_once` as a query condition."""
    return and_(
        Flag.status == FlagStatus.OPEN,
        or_(Flag.severity == Severity.URGENT, Flag.kind.in_(AT_ONCE_KINDS)),
    )


def request_date(flag: Flag) -> str:
    """The day the client asked (or wrote the words): one mail per request, not per refresh."""
    for reason in flag.reasons or []:
        day = (reason.get("values") or {}).get("date")
        if day:
            return str(day)
    return flag.last_date.isoformat()


def request_key(flag: Flag) -> str:
    """The outbox key prefix of the flag's current request (one key per recipient)."""
    return f"urgent:{flag.id}:{request_date(flag)}:"


def staff_reach(session: Session, office_id: int, day: date) -> dict[int, PersonReach]:
    """Every active staff member of the office and whether they can be mailed on ``day``."""
    staff = list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.office_id == office_id, StaffUser.active.is_(True))
            .order_by(StaffUser.id)
        )
    )
    away = (
        set(
            session.scalars(
                select(StaffLeave.staff_id).where(
                    StaffLeave.staff_id.in_([s.id for s in staff]),
                    StaffLeave.starts_on <= day,
                    StaffLeave.ends_on >= day,
                )
            )
        )
        if staff
        else set()
    )
    return {s.id: PersonReach(s, s.id in away) for s in staff}


def chain_of(flag: Flag, people: dict[int, PersonReach]) -> list[Link]:
    """The assignee, the supporter, the backup supporter, then every service manager."""
    chain = []
    seen: set[int] = set()
    roles: list[tuple[str, int | None]] = []
    if flag.assignee_id is not None and flag.assignee_id != flag.client.supporter_id:
        roles.append(("assignee", flag.assignee_id))  # handed over, or the backup on leave
    roles += [("supporter", flag.client.supporter_id), ("backup", flag.client.backup_supporter_id)]
    for role, sid in roles:
        if sid is not None and sid in seen:
            continue
        if sid is not None:
            seen.add(sid)
        # Someone of another office or deactivated is not in ``people``: nobody in that role.
        chain.append(Link(role, people.get(sid) if sid is not None else None))
    managers = [
        p
        for p in people.values()
        if p.staff.role == Role.SERVICE_MANAGER and p.staff.id not in seen
    ]
    chain += [Link("manager", p) for p in managers] or [Link("manager", None)]
    return chain


def urgent_recipients(
    flag: Flag, people: dict[int, PersonReach], *, gave_up: Iterable[int] = ()
) -> list[StaffUser]:
    """The assignee, else the supporter, else the backup, skipping anyone without an address
    or on leave (or whose mail for this request the outbox gave up on); if none of them can
    be mailed, every service manager who can. Empty: nobody can be told by mail."""
    failed = set(gave_up)
    chain = chain_of(flag, people)
    for link in chain:
        if link.role == "manager":
            break
        if link.person is not None and link.person.reachable and link.person.staff.id not in failed:
            return [link.person.staff]
    return [
        link.person.staff
        for link in chain
        if link.role == "manager"
        and link.person is not None
        and link.person.reachable
        and link.person.staff.id not in failed
    ]


def scheduler_running(session: Session, now: datetime) -> bool:
    lease = session.get(SchedulerLease, LEASE_NAME)
    return lease is not None and lease.expires_at > now


def deliveries(
    session: Session,
    office: Office,
    flags: Sequence[Flag],
    *,
    today: date,
    now: datetime,
    mail_on: bool,
    people: dict[int, PersonReach] | None = None,
) -> dict[int, Delivery]:
    """The delivery of every open urgent flag (and every other flag mailed at once, see
    :func:`mailed_at_once`) among ``flags`` (of ``office``), by flag id.

    A few queries whatever the number of flags: the outbox rows of these flags, the staff
    and their leave (unless ``people`` is given), the scheduler's lease.
    """
    urgent = [f for f in flags if f.office_id == office.id and mailed_at_once(f)]
    if not urgent:
        return {}
    if people is None:
        people = staff_reach(session, office.id, today)
    notes: dict[int, list[Notification]] = {}
    for note in session.scalars(
        select(Notification)
        .where(Notification.flag_id.in_([f.id for f in urgent]), Notification.kind == "urgent")
        .order_by(Notification.id)
    ):
        notes.setdefault(note.flag_id or 0, []).append(note)
    running = scheduler_running(session, now) if mail_on else False
    out = {}
    for flag in urgent:
        key = request_key(flag)
        mine = [n for n in notes.get(flag.id, []) if n.dedupe_key.startswith(key)]
        d = Delivery(flag, key, chain=chain_of(flag, people))
        d.sent = [n for n in mine if n.status == NotificationStatus.SENT]
        d.failing = [
            n
            for n in mine
            if n.status == NotificationStatus.FAILED
            or (n.status == NotificationStatus.PENDING and n.attempts > 0)
        ]
        d.waiting = [n for n in mine if n.status == NotificationStatus.PENDING and n.attempts == 0]
        gave_up = [n.staff_id for n in mine if n.status == NotificationStatus.FAILED]
        d.recipients = urgent_recipients(flag, people, gave_up=gave_up)
        out[flag.id] = d
        if d.delivered:
            continue
        if not mail_on:
            d.reasons.append(Why.MAIL_OFF)
        if not d.recipients:
            d.reasons.append(Why.NO_RECIPIENT)
        if any(n.status == NotificationStatus.PENDING for n in d.failing):
            d.reasons.append(Why.SEND_FAILED)
        if gave_up:
            d.reasons.append(Why.GAVE_UP)
        if mail_on and not running:
            d.reasons.append(Why.SCHEDULER_DOWN)
        d.since = min([n.created_at for n in mine], default=None) or flag.updated_at
        if mail_on and not d.reasons and d.since is not None and now - d.since > GRACE:
            d.reasons.append(Why.NOT_SENT)
    return out


def office_alarms(
    session: Session, office: Office, *, today: date, now: datetime, mail_on: bool
) -> list[Delivery]:
    """Every open urgent flag of the office that has not reached anyone, oldest first."""
    flags = list(
        session.scalars(
            select(Flag)
            .where(Flag.office_id == office.id, at_once_clause())
            .options(joinedload(Flag.client))
            .order_by(Flag.id)
        ).unique()
    )
    states = deliveries(session, office, flags, today=today, now=now, mail_on=mail_on)
    return [states[f.id] for f in flags if states[f.id].alarm]
