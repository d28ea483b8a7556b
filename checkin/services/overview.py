"""The office overview for the service manager (サービス管理責任者): where support is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

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
from checkin.services.expected import load_office_expected
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
    clients = list(
        session.scalars(
            select(Client)
            .where(Client.office_id == office.id, Client.status == ClientStatus.ACTIVE)
            .order_by(Client.name)
        )
    )
    ids = [c.id for c in clients]
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
    start = today - timedelta(days=RATE_DAYS)
    answered = (
        dict(
            session.execute(
                select(CheckIn.client_id, func.count())
                .join(Client, Client.id == CheckIn.client_id)  # no list of 1,000 ids to send
                .where(
                    Client.office_id == office.id,
                    Client.status == ClientStatus.ACTIVE,
                    CheckIn.local_date >= start,
                    CheckIn.local_date < today,
                )
                .group_by(CheckIn.client_id)
            ).all()
        )
        if ids
        else {}
    )
    last_contact = (
        dict(
            session.execute(
                select(Contact.client_id, func.max(Contact.occurred_at))
                .join(Client, Client.id == Contact.client_id)
                .where(Client.office_id == office.id, Client.status == ClientStatus.ACTIVE)
                .group_by(Contact.client_id)
            ).all()
        )
        if ids
        else {}
    )
    days = [start + timedelta(days=i) for i in range(RATE_DAYS)]
    # Expected days as the morning signals count them: from the first day the client could
    # answer, the office's closed days not counted.
    expected_days = load_office_expected(session, office, clients, start, today, today)
    # Most clients share their expected days over the period (same weekdays, started
    # before it): count each kind once, not 28 days for each of 1,000 clients.
    counted: dict[tuple[object, ...], int] = {}
    for c in clients:
        e = expected_days[c.id]
        key = (max(e.first, start), e.last, e.weekdays, e.closed)
        expected = counted.get(key)
        if expected is None:
            expected = counted[key] = sum(1 for d in days if d in e)
        rate = answered.get(c.id, 0) / expected if expected else None
        last = last_contact.get(c.id)
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
