"""The morning signals run: read frames from the database, compute flags, store them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, ClientStatus, Office
from checkin.services.flags import upsert_candidates
from checkin.signals import CLIENT_COLUMNS, ENTRY_COLUMNS, compute_flags
from checkin.timeutil import local_date

HISTORY_DAYS = 70  # enough for the baselines and the longest silence the signals look at


@dataclass(frozen=True)
class MorningResult:
    office_id: int
    morning: date
    clients: int
    created: int
    updated: int


def load_frames(
    session: Session, office: Office, morning: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries before ``morning`` and the active clients of one office, as the signals want."""
    client_rows = session.execute(
        select(
            Client.id,
            Client.stage,
            Client.checkin_weekdays,
            func.coalesce(Client.service_start, Client.hire_date),
            Client.service_end,
            Client.created_at,
        ).where(Client.office_id == office.id, Client.status == ClientStatus.ACTIVE)
    ).all()
    clients = pd.DataFrame(
        [
            (cid, str(stage), wd, start or created.date(), end)
            for cid, stage, wd, start, end, created in client_rows
        ],
        columns=CLIENT_COLUMNS,
    )
    clients["active_from"] = pd.to_datetime(clients["active_from"])
    clients["active_to"] = pd.to_datetime(clients["active_to"])
    rows = session.execute(
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            CheckIn.mood,
            CheckIn.fatigue,
            CheckIn.sleep_hours,
            CheckIn.sleep_quality,
            CheckIn.wants_contact,
            CheckIn.note,
        )
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            Client.office_id == office.id,
            Client.status == ClientStatus.ACTIVE,
            CheckIn.local_date >= morning - timedelta(days=HISTORY_DAYS),
            CheckIn.local_date < morning,
        )
    ).all()
    entries = pd.DataFrame(rows, columns=ENTRY_COLUMNS)
    entries["date"] = pd.to_datetime(entries["date"])
    entries["sleep_hours"] = pd.to_numeric(entries["sleep_hours"], errors="coerce")
    entries["wants_contact"] = entries["wants_contact"].astype(bool)
    return entries, clients


def run_office_morning(
    session: Session, office: Office, morning: date, *, now: datetime
) -> MorningResult:
    entries, clients = load_frames(session, office, morning)
    candidates = compute_flags(entries, clients, morning)
    res = upsert_candidates(session, office, morning, candidates, now=now)
    return MorningResult(office.id, morning, len(clients), res.created, res.updated)


def run_all_offices(
    session: Session, *, now: datetime, morning: date | None = None
) -> list[MorningResult]:
    """Each office's morning: ``morning`` if given, else today in the office's time zone."""
    results = []
    for office in session.scalars(select(Office).order_by(Office.id)):
        day = morning or local_date(now, office.timezone)
        results.append(run_office_morning(session, office, day, now=now))
    return results
