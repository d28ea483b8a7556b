"""The retention rate (就労定着率) per office and fiscal year, and its fee band.

For fiscal year ``fy`` (April ``fy`` to March ``fy + 1``; the fee of that year follows the
rate): the people who used the office's service in the 3 fiscal years before it (1 April
``fy - 3`` to 31 March ``fy``: a recorded service start on or before that 31 March and no
recorded end before that 1 April) are the denominator; those still employed on the counting
day (31 March ``fy``, the last day of the previous fiscal year) are the numerator. A person
is employed on a day when the newest employment event whose state has begun by then says
employed, changed job or on leave (on leave: still employed); with no event, from the hire
date on. A person who left counts as employed when a new job started within 1 month of the
last day employed (``EmploymentEvent.grace_until``, see services/lifecycle.py). The rules
and their reading: docs/lifecycle.md.

One query computes every client's state for any number of offices (the page lists an
office's clients behind the numbers; the benchmark counts 1,000 offices in one go).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from checkin.models import Client, EmploymentEvent, EmploymentKind

FEE_BANDS_FILE = Path(__file__).resolve().parent.parent / "data" / "fee_bands.toml"
EMPLOYED_KINDS = (EmploymentKind.EMPLOYED, EmploymentKind.CHANGED_JOB, EmploymentKind.ON_LEAVE)
NEW_JOB_KINDS = (EmploymentKind.EMPLOYED, EmploymentKind.CHANGED_JOB)


def fiscal_year_of(day: date) -> int:
    """The fiscal year (April to March) a day is in, by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def counting_day(fy: int) -> date:
    """The last day of the fiscal year before ``fy``."""
    return date(fy, 3, 31)


def window(fy: int) -> tuple[date, date]:
    """The first and last day of the 3 fiscal years before ``fy``."""
    return date(fy - 3, 4, 1), date(fy, 3, 31)


def client_states(fy: int, office_ids: list[int] | None = None) -> Select[Any]:
    """One row per client in the denominator of ``fy``: id, office, employed (1/0), the
    newest event's kind and day, and the first new job after a departure."""
    day = counting_day(fy)
    first, last = window(fy)
    ev = EmploymentEvent
    ranked = (
        select(
            ev.client_id,
            ev.kind,
            ev.on,
            ev.grace_until,
            func.row_number()
            .over(partition_by=ev.client_id, order_by=(ev.state_from.desc(), ev.id.desc()))
            .label("rn"),
        )
        .where(ev.state_from <= day, ev.deleted_at.is_(None))
        .subquery("ranked")
    )
    latest = select(ranked).where(ranked.c.rn == 1).subquery("latest")
    nxt = aliased(EmploymentEvent)
    new_job = (
        select(func.min(nxt.on))
        .where(
            nxt.client_id == latest.c.client_id,
            nxt.kind.in_(NEW_JOB_KINDS),
            nxt.deleted_at.is_(None),
            nxt.on > latest.c.on,
            nxt.on <= latest.c.grace_until,
        )
        .scalar_subquery()
    )
    rejoined = case((latest.c.kind == EmploymentKind.LEFT, new_job), else_=None)
    employed = case(
        (latest.c.kind.in_(EMPLOYED_KINDS), 1),
        (and_(latest.c.kind == EmploymentKind.LEFT, new_job.is_not(None)), 1),
        (and_(latest.c.kind.is_(None), Client.hire_date <= day), 1),
        else_=0,
    )
    q = (
        select(
            Client.id.label("client_id"),
            Client.office_id,
            employed.label("employed"),
            latest.c.kind.label("kind"),
            latest.c.on.label("on"),
            rejoined.label("new_job_on"),
        )
        .select_from(Client)
        .outerjoin(latest, latest.c.client_id == Client.id)
        .where(
            Client.service_start.is_not(None),
            Client.service_start <= last,
            or_(Client.service_end.is_(None), Client.service_end >= first),
        )
    )
    if office_ids is not None:
        q = q.where(Client.office_id.in_(office_ids))
    return q


def _no_jit(session: Session) -> None:
    """PostgreSQL's planner overestimates the per-departure lookup of a new job and turns on
    JIT compilation, which then costs more than the query (1.6 s of 2.7 s for 1,000
    offices): off for this transaction (docs/benchmarks.md)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def office_rates(session: Session, fy: int) -> dict[int, tuple[int, int]]:
    """Every office's (numerator, denominator) for ``fy``, in one query."""
    _no_jit(session)
    states = client_states(fy).subquery()
    rows = session.execute(
        select(states.c.office_id, func.sum(states.c.employed), func.count()).group_by(
            states.c.office_id
        )
    )
    return {office: (int(num or 0), int(den)) for office, num, den in rows}


@dataclass(frozen=True)
class Band:
    min_percent: int
    max_percent: int | None  # exclusive; None for the top band
    units: int


@dataclass(frozen=True)
class FeeTable:
    name: str
    valid_from: date
    office_size: int
    bands: tuple[Band, ...]  # highest first

    def band_of(self, numerator: int, denominator: int) -> Band | None:
        if denominator == 0:
            return None
        rate = Fraction(numerator, denominator) * 100
        return next(b for b in self.bands if rate >= b.min_percent)


@cache
def fee_tables(path: Path = FEE_BANDS_FILE) -> tuple[FeeTable, ...]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for rev in data["revision"]:
        mins = sorted((int(b["min_percent"]), int(b["units"])) for b in rev["band"])[::-1]
        if not mins or mins[-1][0] != 0:
            raise ValueError(f"{path}: the lowest band must start at 0 %")
        bands = tuple(
            Band(m, mins[i - 1][0] if i else None, units) for i, (m, units) in enumerate(mins)
        )
        out.append(FeeTable(str(rev["name"]), rev["valid_from"], int(rev["office_size"]), bands))
    return tuple(sorted(out, key=lambda t: t.valid_from))


def fee_table_for(fy: int) -> FeeTable | None:
    """The newest revision in force on 1 April of ``fy``."""
    start = date(fy, 4, 1)
    found = [t for t in fee_tables() if t.valid_from <= start]
    return found[-1] if found else None


@dataclass(frozen=True)
class ClientLine:
    client: Client
    employed: bool
    kind: EmploymentKind | None  # the newest event by the counting day (None: none)
    on: date | None
    new_job_on: date | None  # a new job within 1 month of leaving


@dataclass(frozen=True)
class OfficeRetention:
    fy: int
    counting_day: date
    first_day: date
    lines: list[ClientLine]
    without_start: list[Client]  # not counted: no recorded service start
    table: FeeTable | None

    @property
    def numerator(self) -> int:
        return sum(1 for line in self.lines if line.employed)

    @property
    def denominator(self) -> int:
        return len(self.lines)

    @property
    def percent(self) -> float | None:
        return 100 * self.numerator / self.denominator if self.denominator else None

    @property
    def band(self) -> Band | None:
        return self.table.band_of(self.numerator, self.denominator) if self.table else None


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite gives a subquery's date as text


def office_retention(session: Session, office_id: int, fy: int) -> OfficeRetention:
    """An office's rate for ``fy`` with the clients behind the numerator and denominator."""
    _no_jit(session)
    states = client_states(fy, [office_id]).subquery()
    rows = session.execute(
        select(Client, states.c.employed, states.c.kind, states.c.on, states.c.new_job_on)
        .join(states, states.c.client_id == Client.id)
        .order_by(Client.name_kana, Client.name, Client.id)
    ).all()
    lines = [
        ClientLine(
            client=c,
            employed=bool(employed),
            kind=EmploymentKind(kind) if kind is not None else None,
            on=_as_date(on),
            new_job_on=_as_date(new_job_on),
        )
        for c, employed, kind, on, new_job_on in rows
    ]
    without_start = list(
        session.scalars(
            select(Client)
            .where(Client.office_id == office_id, Client.service_start.is_(None))
            .order_by(Client.name_kana, Client.name, Client.id)
        )
    )
    first, last = window(fy)
    return OfficeRetention(fy, last, first, lines, without_start, fee_table_for(fy))
