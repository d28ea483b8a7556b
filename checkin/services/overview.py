"""The office overview for the service manager (サービス管理責任者): where support is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    Flag,
    FlagStatus,
    Office,
    StaffUser,
)
from checkin.services.expected import (
    answerable_from,
    expected_days,
    office_closed_days,
    support_start,
)
from checkin.services.frames import answerable_columns
from checkin.timeutil import local_date

RATE_DAYS = 28


@dataclass
class SupporterLoad:
    staff: StaffUser
    clients: int = 0
    open_flags: int = 0  # not yet acknowledged
    acknowledged: int = 0
    urgent_open: int = 0


@dataclass
class ClientRow:
    client: Client
    risk: str  # urgent, high, watch, none
    answer_rate: float | None  # share of expected days answered in the last RATE_DAYS
    last_contact: datetime | None


@dataclass
class Overview:
    today: date
    by_risk: dict[str, int] = field(default_factory=dict)
    supporters: list[SupporterLoad] = field(default_factory=list)
    clients: list[ClientRow] = field(default_factory=list)
    no_contact_days: int = 30
    timezone: str = "UTC"  # the office's: a contact's day is its day there

    def without_contact(self) -> list[ClientRow]:
        limit = self.today - timedelta(days=self.no_contact_days)
        return [
            r
            for r in self.clients
            if r.last_contact is None or local_date(r.last_contact, self.timezone) < limit
        ]

    def low_answer_rate(self, below: float = 0.5) -> list[ClientRow]:
        rows = [r for r in self.clients if r.answer_rate is not None and r.answer_rate < below]
        return sorted(rows, key=lambda r: r.answer_rate or 0.0)


RISK_ORDER = {"urgent": 0, "high": 1, "watch": 2, "none": 3}


def office_overview(
    session: Session, office: Office, *, today: date, no_contact_days: int = 30
) -> Overview:
    start = today - timedelta(days=RATE_DAYS)
    # One query for the office's active clients with, for each, the answers of the
    # period, the last contact and the first day they could answer: per-client scalar
    # subqueries that read the (client_id, local_date) and (client_id, occurred_at)
    # indexes, so an office of 1,000 clients reads its 28 days and 1,000 index entries,
    # not a year of answers and contacts (docs/benchmarks.md, issue 17).
    answered_q = (
        select(func.count())
        .where(
            CheckIn.client_id == Client.id,
            CheckIn.local_date >= start,
            CheckIn.local_date < today,
        )
        .scalar_subquery()
    )
    last_q = select(func.max(Contact.occurred_at)).where(Contact.client_id == Client.id)
    link, line, first_answer = answerable_columns()
    found = session.execute(
        select(Client, answered_q, last_q.scalar_subquery(), link, line, first_answer)
        .where(Client.office_id == office.id, Client.status == ClientStatus.ACTIVE)
        .order_by(Client.name)
    ).all()
    clients = [r[0] for r in found]
    ov = Overview(today=today, no_contact_days=no_contact_days, timezone=office.timezone)
    flags = list(
        session.scalars(
            select(Flag).where(Flag.office_id == office.id, Flag.status != FlagStatus.RESOLVED)
        )
    )
    worst: dict[int, str] = {}
    for f in flags:
        sev = f.severity.value
        if RISK_ORDER[sev] < RISK_ORDER[worst.get(f.client_id, "none")]:
            worst[f.client_id] = sev
    days = [start + timedelta(days=i) for i in range(RATE_DAYS)]
    # Expected days as the morning signals count them: from the first day the client could
    # answer, the office's closed days not counted.
    closed = office_closed_days(session, office, start, today)
    tz = ZoneInfo(office.timezone)
    # Most clients share their expected days over the period (same weekdays, started
    # before it): count each kind once, not 28 days for each of 1,000 clients.
    counted: dict[tuple[object, ...], int] = {}
    for c, answered, last, first_link, line_linked, answer in found:
        if isinstance(answer, str):  # SQLite gives a scalar subquery's date as text
            answer = date.fromisoformat(answer)
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        answerable = answerable_from(first_link, line_linked, answer, tz, today)
        first = max(support_start(c, tz), answerable, start)
        key = (first, c.service_end, c.checkin_weekdays)
        expected = counted.get(key)
        if expected is None:
            e = expected_days(c, tz, answerable, closed)
            expected = counted[key] = sum(1 for d in days if d in e)
        rate = answered / expected if expected else None
        if last is not None and last.tzinfo is None:  # SQLite returns aggregates naive
            last = last.replace(tzinfo=UTC)
        ov.clients.append(ClientRow(c, worst.get(c.id, "none"), rate, last))
    ov.by_risk = {k: sum(1 for r in ov.clients if r.risk == k) for k in RISK_ORDER}
    loads = {
        s.id: SupporterLoad(s)
        for s in session.scalars(
            select(StaffUser)
            .where(StaffUser.office_id == office.id, StaffUser.active.is_(True))
            .order_by(StaffUser.name)
        )
    }
    for c in clients:
        if c.supporter_id in loads:
            loads[c.supporter_id].clients += 1
    supporter_of = {c.id: c.supporter_id for c in clients}
    for f in flags:
        who = f.assignee_id or supporter_of.get(f.client_id)
        if who not in loads:
            continue
        if f.status == FlagStatus.OPEN:
            loads[who].open_flags += 1
            loads[who].urgent_open += f.severity.value == "urgent"
        else:
            loads[who].acknowledged += 1
    ov.supporters = [s for s in loads.values() if s.clients or s.open_flags or s.acknowledged]
    ov.clients.sort(key=lambda r: (RISK_ORDER[r.risk], r.client.name))
    return ov
