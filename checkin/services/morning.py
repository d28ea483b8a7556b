"""The morning signals run: read frames from the database, compute flags, store them.

Offices whose morning falls on the same date are computed together, in batches: one query
for their clients, one for their entries, one signals pass (office-wide values stay per
office: the ``office_id`` column) and one batched write. Rows are read straight from the
driver's cursor: building data frames from ORM rows costs several times the read itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from checkin.models import CheckIn, Client, ClientStatus, Office
from checkin.services.checkins import SIGNAL_ITEMS
from checkin.services.flags import upsert_for_offices
from checkin.services.frames import (
    CLIENT_DTYPES,
    add_answerable_from,
    fetch_entries,
    fetch_frame,
)
from checkin.services.office import load_closed_days
from checkin.services.ranking import active_rankers
from checkin.signals import RULES_VERSION, FlagCandidate, compute_flags
from checkin.signals.flags import candidates_for_mornings, to_candidates
from checkin.signals.ranker import Ranker, rerank_by_office
from checkin.timeutil import local_date

HISTORY_DAYS = 70  # enough for the baselines and the longest silence the signals look at
OFFICES_PER_PASS = 200  # bounds memory; office-wide values never mix across offices


@dataclass(frozen=True)
class MorningResult:
    office_id: int
    morning: date
    clients: int
    created: int
    updated: int
    model_version: str = RULES_VERSION  # the office's learned ranking, or the rules


def load_frames(
    session: Session, office_ids: Sequence[int], morning: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries before ``morning`` and the active clients of some offices, as the signals
    want them (clients carry ``office_id`` and ``answerable_from``)."""
    clients = fetch_frame(
        session,
        select(
            Client.id,
            Client.office_id,
            Client.stage,
            Client.checkin_weekdays,
            func.coalesce(Client.service_start, Client.hire_date),
            Client.service_end,
            Client.created_at,
        ).where(Client.office_id.in_(office_ids), Client.status == ClientStatus.ACTIVE),
        ["client_id", "office_id", "stage", "workdays", "active_from", "active_to", "created"],
        CLIENT_DTYPES,
    )
    # A client without a start date is active from the day they were registered.
    created = pd.to_datetime(clients["created"], utc=True, format="mixed").dt.tz_localize(None)
    clients["active_from"] = pd.to_datetime(clients["active_from"]).fillna(created.dt.normalize())
    clients["active_to"] = pd.to_datetime(clients["active_to"])
    clients = clients.drop(columns="created")
    clients = add_answerable_from(session, clients, office_ids, morning)
    entries = fetch_entries(
        session,
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            *SIGNAL_ITEMS,
            CheckIn.wants_contact,
            # Only yesterday's notes are read by the signals (crisis words): older notes
            # would only cost transfer time.
            case((CheckIn.local_date >= morning - timedelta(days=1), CheckIn.note), else_=None),
        )
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            Client.office_id.in_(office_ids),
            Client.status == ClientStatus.ACTIVE,
            CheckIn.local_date >= morning - timedelta(days=HISTORY_DAYS),
            CheckIn.local_date < morning,
        ),
    )
    return entries, clients


def run_offices_morning(
    session: Session, offices: Sequence[Office], morning: date, *, now: datetime
) -> list[MorningResult]:
    """One signals pass for several offices sharing the same morning date."""
    office_ids = [o.id for o in offices]
    entries, clients = load_frames(session, office_ids, morning)
    rankers = active_rankers(session, office_ids)
    closed = load_closed_days(session, office_ids, morning - timedelta(days=HISTORY_DAYS), morning)
    candidates = offices_flags(entries, clients, morning, rankers, closed)
    # A client who has already checked in this morning is not silent: the signals read
    # entries before the morning, so drop their missed-entries candidate here. (A check-in
    # saved after the job closes the flag: checkins.record_checkin.)
    answered = answered_on(session, office_ids, morning)
    candidates = [c for c in candidates if not (c.kind == "missing" and c.client_id in answered)]
    stored = upsert_for_offices(session, offices, morning, candidates, now=now)
    # The end-of-service duties of the same morning: "no handover decision, 6 / 3 months
    # before the end" is told once (services/handover.py).
    from checkin.services.handover import ensure_notices

    ensure_notices(session, office_ids, morning, now)
    n_clients = clients["office_id"].value_counts().to_dict()
    return [
        MorningResult(
            oid,
            morning,
            int(n_clients.get(oid, 0)),
            res.created,
            res.updated,
            rankers[oid].version if oid in rankers else RULES_VERSION,
        )
        for oid, res in stored.items()
    ]


def answered_on(session: Session, office_ids: Sequence[int], morning: date) -> set[int]:
    """Clients of these offices with a check-in dated ``morning`` (made this morning)."""
    return set(
        session.scalars(
            select(CheckIn.client_id)
            .join(Client, Client.id == CheckIn.client_id)
            .where(Client.office_id.in_(office_ids), CheckIn.local_date == morning)
            .distinct()
        )
    )


def offices_flags(
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    morning: date,
    rankers: dict[int, Ranker],
    closed_days: pd.DataFrame | None = None,
) -> list[FlagCandidate]:
    """:func:`compute_flags` for several offices in one detector pass, each office's
    candidates re-ranked by its own active ranker (if any) after the pass."""
    if not rankers:
        return compute_flags(entries, clients, morning, closed_days=closed_days)
    today = pd.Timestamp(morning).normalize()
    det, cand = candidates_for_mornings(
        entries[entries["date"] < today], clients, [today], closed_days=closed_days
    )
    office_of = clients.drop_duplicates("client_id").set_index("client_id")["office_id"]
    with threadpool_limits(limits=1):  # a few hundred rows: threads only add contention
        ranked = rerank_by_office(det, cand, office_of, rankers)
    return to_candidates(det, ranked)


def run_office_morning(
    session: Session, office: Office, morning: date, *, now: datetime
) -> MorningResult:
    return run_offices_morning(session, [office], morning, now=now)[0]


def run_all_offices(
    session: Session, *, now: datetime, morning: date | None = None
) -> list[MorningResult]:
    """Each office's morning: ``morning`` if given, else today in the office's time zone."""
    by_day: dict[date, list[Office]] = defaultdict(list)
    for office in session.scalars(select(Office).order_by(Office.id)):
        by_day[morning or local_date(now, office.timezone)].append(office)
    results = []
    for day, offices in by_day.items():
        for i in range(0, len(offices), OFFICES_PER_PASS):
            results += run_offices_morning(session, offices[i : i + OFFICES_PER_PASS], day, now=now)
    return results
