"""The monthly cycle's records: a month's meetings, the employer side's notes, and the
duties board (meeting held, report state, employer contacted) per client and month.

Seed 003: every client, every month, at least one meeting (face to face, or video under
conditions) and one support report the client confirms; contacting the employer monthly is
an effort duty, not possible in closed employment. A month is the office's calendar month
(its time zone); a client counts in a month only while in service in it.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from checkin.models import (
    EMPLOYER_CONTACT_KINDS,
    MEETING_KINDS,
    Client,
    ClientDocument,
    ClientStatus,
    Contact,
    Disclosure,
    DocKind,
    DocSide,
    DocStatus,
    EmployerNote,
    EmployerNoteKind,
    Office,
    Role,
    StaffUser,
)
from checkin.services.errors import ValidationError, _l
from checkin.services.expected import support_start

MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
DUE_DAYS = 7  # open items show on the morning list from 7 days before the month ends


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def period(self) -> str:
        """The report's period: "2026-11"."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def due_from(self) -> date:
        """The day open items become duties on the morning list (7 days before the end)."""
        return self.last - timedelta(days=DUE_DAYS)

    def prev(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds_utc(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The month's first instant and the next month's, in UTC (the office's midnight)."""
        lo = datetime.combine(self.first, time(0), tz).astimezone(UTC)
        hi = datetime.combine(self.next().first, time(0), tz).astimezone(UTC)
        return lo, hi

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)


def parse_month(raw: str | None, today: date) -> Month:
    """``?month=2026-11`` (none: this month). A month that is not one, or after this
    month, is refused with a message."""
    if raw is None or raw == "":
        return Month.of(today)
    m = MONTH.fullmatch(raw)
    month = Month(int(m.group(1)), int(m.group(2))) if m else None
    if month is None or not 1 <= month.month <= 12 or month.year < 2000:
        raise ValidationError({"month": _l("月は 2026-11 の形で指定してください。")})
    if month > Month.of(today):
        raise ValidationError({"month": _l("まだ来ていない月は表示できません。")})
    return month


def _tz(session: Session, client_id: int) -> ZoneInfo:
    client = session.get(Client, client_id)
    if client is None:
        raise LookupError(client_id)
    return ZoneInfo(client.office.timezone)


def month_meetings(session: Session, client_id: int, year: int, month: int) -> list[Contact]:
    """The client's meetings (face to face and video) of a month of the office's calendar,
    oldest first: what the report draft and the duties board read."""
    lo, hi = Month(year, month).bounds_utc(_tz(session, client_id))
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.client_id == client_id,
                Contact.kind.in_(MEETING_KINDS),
                Contact.occurred_at >= lo,
                Contact.occurred_at < hi,
            )
            .options(joinedload(Contact.staff))
            .order_by(Contact.occurred_at, Contact.id)
        )
    )


def month_employer_notes(
    session: Session, client_id: int, year: int, month: int
) -> list[EmployerNote]:
    """What the employer side wrote in a month (concerns and the monthly answer), oldest
    first, for the report draft. The caller decides what of it a page may show."""
    m = Month(year, month)
    return list(
        session.scalars(
            select(EmployerNote)
            .where(
                EmployerNote.client_id == client_id,
                EmployerNote.local_date >= m.first,
                EmployerNote.local_date <= m.last,
            )
            .options(joinedload(EmployerNote.employer_user))
            .order_by(EmployerNote.created_at, EmployerNote.id)
        )
    )


# --- the duties board ----------------------------------------------------------------


class ReportState(enum.StrEnum):
    NONE = "none"  # no draft yet
    DRAFT = "draft"
    SENT = "sent"  # waiting for the client
    RETURNED = "returned"  # the client sent a comment back
    CONFIRMED = "confirmed"


class EmployerState(enum.StrEnum):
    DONE = "done"
    OPEN = "open"
    CLOSED_EMPLOYMENT = "closed"  # not applicable: the employer does not know
    NO_EMPLOYER = "no_employer"  # not applicable: no employer recorded


# A report is the supporter's to do until it is with the client or confirmed.
REPORT_OPEN = frozenset({ReportState.NONE, ReportState.DRAFT, ReportState.RETURNED})


@dataclass
class DutyRow:
    client: Client
    in_service_from: date  # within the month
    in_service_to: date  # within the month
    meetings: list[date] = field(default_factory=list)  # local days, oldest first
    report: ReportState = ReportState.NONE
    report_id: int | None = None  # the current version of the month's report
    employer: EmployerState = EmployerState.OPEN
    employer_on: date | None = None  # the first employer contact of the month

    @property
    def meeting_open(self) -> bool:
        return not self.meetings

    @property
    def report_open(self) -> bool:
        return self.report in REPORT_OPEN

    @property
    def employer_open(self) -> bool:
        return self.employer == EmployerState.OPEN

    @property
    def open_items(self) -> list[str]:
        """The open duties' keys: meeting, report, employer."""
        return [
            key
            for key, is_open in (
                ("meeting", self.meeting_open),
                ("report", self.report_open),
                ("employer", self.employer_open),
            )
            if is_open
        ]


def in_service(client: Client, month: Month, tz: ZoneInfo) -> tuple[date, date] | None:
    """The part of ``month`` the client was in service (start: service start, else hire
    date, else registration; end: service end), or None. A client whose support ended
    without an end date counts up to the month of their last change."""
    start = support_start(client, tz)
    end = client.service_end
    if end is None and client.status == ClientStatus.ENDED:
        end = client.updated_at.astimezone(tz).date()
    lo, hi = max(start, month.first), min(end, month.last) if end else month.last
    return (lo, hi) if lo <= hi else None


def _report_states(
    session: Session, client_ids: Sequence[int], period: str
) -> dict[int, tuple[int, str]]:
    """Each client's current monthly report (id, status) for ``period`` (none: absent)."""
    if not client_ids:
        return {}
    rows = session.execute(
        select(ClientDocument.client_id, ClientDocument.id, ClientDocument.status).where(
            ClientDocument.side == DocSide.STAFF,
            ClientDocument.client_id.in_(client_ids),
            ClientDocument.kind == DocKind.MONTHLY_REPORT,
            ClientDocument.period == period,
            ClientDocument.current.is_(True),
        )
    )
    return {cid: (doc_id, DocStatus(status).value) for cid, doc_id, status in rows}


def duties_board(
    session: Session,
    office: Office,
    month: Month,
    *,
    supporter_id: int | None = None,
) -> list[DutyRow]:
    """One row per client of the office in service in ``month`` (of one supporter when
    given), by name: a few queries whatever the number of clients."""
    tz = ZoneInfo(office.timezone)
    q = (
        select(Client)
        .where(Client.office_id == office.id)
        .options(joinedload(Client.supporter))
        .order_by(Client.name_kana, Client.name, Client.id)
    )
    if supporter_id is not None:
        q = q.where(Client.supporter_id == supporter_id)
    rows: list[DutyRow] = []
    for client in session.scalars(q):
        span = in_service(client, month, tz)
        if span is not None:
            rows.append(DutyRow(client, span[0], span[1]))
    if not rows:
        return rows
    ids = [r.client.id for r in rows]
    lo, hi = month.bounds_utc(tz)
    meetings: dict[int, list[date]] = defaultdict(list)
    employer_days: dict[int, list[date]] = defaultdict(list)
    for cid, kind, at in session.execute(
        select(Contact.client_id, Contact.kind, Contact.occurred_at)
        .where(
            Contact.client_id.in_(ids),
            Contact.kind.in_(MEETING_KINDS | EMPLOYER_CONTACT_KINDS),
            Contact.occurred_at >= lo,
            Contact.occurred_at < hi,
        )
        .order_by(Contact.occurred_at)
    ):
        day = at.astimezone(tz).date()
        (meetings if kind in MEETING_KINDS else employer_days)[cid].append(day)
    for cid, day in session.execute(
        select(EmployerNote.client_id, EmployerNote.local_date).where(
            EmployerNote.client_id.in_(ids),
            EmployerNote.kind == EmployerNoteKind.MONTHLY_ANSWER,
            EmployerNote.local_date >= month.first,
            EmployerNote.local_date <= month.last,
        )
    ):
        employer_days[cid].append(day)
    reports = _report_states(session, ids, month.period)
    for r in rows:
        cid = r.client.id
        r.meetings = meetings.get(cid, [])
        if cid in reports:
            r.report_id, state = reports[cid]
            r.report = ReportState(state)
        if r.client.disclosure == Disclosure.CLOSED:
            r.employer = EmployerState.CLOSED_EMPLOYMENT
        elif r.client.employer_id is None:
            r.employer = EmployerState.NO_EMPLOYER
        elif employer_days.get(cid):
            r.employer = EmployerState.DONE
            r.employer_on = min(employer_days[cid])
        else:
            r.employer = EmployerState.OPEN
    return rows


def board_for(
    session: Session, staff: StaffUser, month: Month, *, everyone: bool = False
) -> list[DutyRow]:
    """A supporter's own clients; the whole office for a service manager or admin who asks."""
    whole = everyone and staff.role in (Role.ADMIN, Role.SERVICE_MANAGER)
    return duties_board(session, staff.office, month, supporter_id=None if whole else staff.id)


def due_duties(session: Session, staff: StaffUser, today: date) -> list[DutyRow]:
    """The staff member's clients with this month's items still open, from 7 days before
    the month ends (empty before then): the morning list's duties section and the digest."""
    month = Month.of(today)
    if today < month.due_from:
        return []
    return [
        r
        for r in duties_board(session, staff.office, month, supporter_id=staff.id)
        if r.client.status == ClientStatus.ACTIVE and r.open_items
    ]


def count_items(rows: Sequence[DutyRow]) -> dict[str, Any]:
    """How many open items of each kind (meeting, report, employer) and in all."""
    out = {"meeting": 0, "report": 0, "employer": 0}
    for r in rows:
        for key in r.open_items:
            out[key] += 1
    return {**out, "total": sum(out.values())}
