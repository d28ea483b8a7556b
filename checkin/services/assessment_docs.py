"""The periodic checks as client documents: rounds, sides, versions (the shared foundation).

Each answer sheet is a ``ClientDocument`` of kind ``assessment_stability`` or
``assessment_natural`` with ``side`` staff / client / employer and the body of
``services/assessments.py``. The sheets of one *round* share its ``period`` (the round's
date, 「2026-06-10」); each side is its own series with its own versions. A sheet is
finished when its writer sends it (the client does not confirm an assessment: it is their
own or the office's view); sending again after that is a new version, the earlier one kept.
The client fills theirs an area at a time: a draft until they press 「おくる」. The client's
documents page shows them only their own sheets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Client, EmployerUser, StaffUser
from checkin.models.document import ClientDocument, DocKind, DocSide, DocStatus
from checkin.services import documents
from checkin.services.assessment_items import CHECKS, NATURAL, STABILITY, Check
from checkin.services.assessments import (
    SIDES,
    DuePoint,
    area_scores,
    next_due,
    notes_of,
    schedule,
)
from checkin.services.documents import KindSpec, Section, register

# A sheet filled within this many days of a round's date belongs to that round.
ROUND_DAYS = 45
KINDS = (DocKind.ASSESSMENT_STABILITY, DocKind.ASSESSMENT_NATURAL)


def _sections(check: Check) -> Any:
    def sections(doc: ClientDocument) -> list[Section]:
        notes = notes_of(doc.body)
        return [
            Section(
                s.area.key,
                s.area.title,
                str(s.text) + (f" / {notes[s.area.key]}" if s.area.key in notes else ""),
                shareable=False,
                editable=False,
                client_title=s.area.client_title,
            )
            for s in area_scores(check, doc.body)
        ]

    return sections


def _edit_url(doc: ClientDocument) -> str:
    from flask import url_for

    slug = "stability" if doc.kind == DocKind.ASSESSMENT_STABILITY else "natural"
    return url_for("assessments.check_page", client_id=doc.client_id, slug=slug)


def _period_label(period: str) -> str:
    return period[:10]


for _check in (STABILITY, NATURAL):
    register(
        KindSpec(
            kind=DocKind(_check.kind),
            title=_check.title,
            client_title=_check.client_title or _check.title,
            sections=_sections(_check),
            client_confirms=False,
            employer_scope=None,  # the employer answers; they never read sheets
            body_template="assessments/_doc.html",
            period_label=_period_label,
            client_sides=(DocSide.CLIENT,),
            edit_url=_edit_url,
        )
    )


def round_of(doc: ClientDocument) -> date:
    return date.fromisoformat(doc.period[:10])


@dataclass
class Round:
    day: date
    sheets: dict[str, ClientDocument] = field(default_factory=dict)  # side -> current version
    finished: dict[str, ClientDocument] = field(default_factory=dict)  # side -> latest sent

    def sent(self) -> dict[str, ClientDocument]:
        """Each side's latest sent sheet (a correction still being written does not hide
        the version before it)."""
        return {s: self.finished[s] for s in SIDES if s in self.finished}

    def bodies(self) -> dict[str, Mapping[str, Any] | None]:
        return {s: d.body for s, d in self.sent().items()}


def rounds(session: Session, client_id: int, kind: str) -> list[Round]:
    """The client's rounds of one check, oldest first (one query)."""
    docs = session.scalars(
        select(ClientDocument)
        .where(ClientDocument.client_id == client_id, ClientDocument.kind == kind)
        .order_by(ClientDocument.period, ClientDocument.version)
    )
    return _rounds_of(docs)


def _rounds_of(docs: Any) -> list[Round]:
    """Rounds from one client's sheets of one check, ordered by period and version."""
    out: dict[date, Round] = {}
    for doc in docs:
        found = out.setdefault(round_of(doc), Round(round_of(doc)))
        side = str(doc.side)
        if doc.current:
            found.sheets[side] = doc
        if doc.status == DocStatus.CONFIRMED:
            found.finished[side] = doc  # versions ascending: the last one wins
    return [out[d] for d in sorted(out)]


def round_for(existing: list[Round], today: date) -> date:
    """The round a sheet filled today belongs to: the latest one started within ROUND_DAYS,
    else a new round of today."""
    if existing and today - existing[-1].day <= timedelta(days=ROUND_DAYS):
        return existing[-1].day
    return today


def sheet(
    session: Session, client: Client, kind: str, side: str, today: date
) -> ClientDocument | None:
    """This side's current sheet in the round open today, if any."""
    all_rounds = rounds(session, client.id, kind)
    day = round_for(all_rounds, today)
    found = next((r for r in all_rounds if r.day == day), None)
    return found.sheets.get(side) if found else None


def write(
    session: Session,
    client: Client,
    kind: str,
    side: str,
    body: dict[str, Any],
    *,
    today: date,
    now: datetime,
    by: StaffUser | None = None,
    employer_user: EmployerUser | None = None,
    send: bool = True,
) -> ClientDocument:
    """Store one side's answers in the round open ``today``: a new sheet, the draft saved
    again, or - once sent - a new version. ``send`` marks it as handed in."""
    assert side in SIDES
    day = round_for(rounds(session, client.id, kind), today)
    doc_kind, doc_side, period = DocKind(kind), DocSide(side), day.isoformat()
    open_one = documents.current(session, client.id, doc_kind, period, doc_side)
    if open_one is not None and open_one.locked:
        open_one = None  # finished: start() makes the next version
    doc = documents.start(
        session,
        client,
        doc_kind,
        period,
        body,
        by=by,
        now=now,
        side=doc_side,
        employer_user=employer_user,
    )
    if doc is open_one:
        documents.save(session, doc, body, revision=doc.revision, by=by, now=now)
    if send:
        actor = (
            ("employer", employer_user.id)
            if employer_user is not None
            else ("client", client.id)
            if by is None
            else (None, None)
        )
        documents.send(session, doc, by=by, now=now, actor_type=actor[0], actor_id=actor[1])
    return doc


def check_of(kind: str) -> Check:
    return CHECKS[kind]


# --- due rounds ----------------------------------------------------------------------------


def plan_reviews(session: Session, client: Client) -> list[date]:
    """Plan review dates, when the support plan gives them."""
    return _reviews_of(documents.latest(session, client.id, DocKind.SUPPORT_PLAN))


def _reviews_of(plan: ClientDocument | None) -> list[date]:
    if plan is None or not isinstance(plan.body, dict):
        return []
    out = []
    for key in ("review_date", "next_review", "review_on"):
        value = plan.body.get(key)
        if isinstance(value, str):
            try:
                out.append(date.fromisoformat(value[:10]))
            except ValueError:
                continue
    return out


def due_points(
    session: Session, client: Client, kind: str, all_rounds: list[Round]
) -> list[DuePoint]:
    """The schedule of one check for a client (``services/assessments.schedule``)."""
    return _points(client, plan_reviews(session, client), all_rounds)


def _points(client: Client, reviews: list[date], all_rounds: list[Round]) -> list[DuePoint]:
    from zoneinfo import ZoneInfo

    from checkin.services.expected import support_start

    start = support_start(client, ZoneInfo(client.office.timezone))
    done = [r.day for r in all_rounds if "staff" in r.sent()]
    return schedule(start, client.service_end, reviews, done)


@dataclass(frozen=True)
class OverdueCheck:
    client: Client
    check: Check
    point: DuePoint
    days_over: int


def overdue_for(session: Session, staff: StaffUser, today: date) -> list[OverdueCheck]:
    """The periodic checks past their due day for a staff member's own clients (the
    morning list and the digest), the most overdue first. Three queries."""
    from checkin.models import ClientStatus

    clients = session.scalars(
        select(Client)
        .where(
            Client.office_id == staff.office_id,
            Client.supporter_id == staff.id,
            Client.status == ClientStatus.ACTIVE,
        )
        .order_by(Client.id)
    ).all()
    ids = [c.id for c in clients]
    if not ids:
        return []
    sheets: dict[tuple[int, str], list[ClientDocument]] = {}
    for doc in session.scalars(
        select(ClientDocument)
        .where(ClientDocument.client_id.in_(ids), ClientDocument.kind.in_(KINDS))
        .order_by(ClientDocument.period, ClientDocument.version)
    ):
        sheets.setdefault((doc.client_id, str(doc.kind)), []).append(doc)
    plans: dict[int, ClientDocument] = {}
    for plan in session.scalars(  # each client's newest plan series, its current version
        select(ClientDocument)
        .where(
            ClientDocument.client_id.in_(ids),
            ClientDocument.kind == DocKind.SUPPORT_PLAN,
            ClientDocument.current.is_(True),
        )
        .order_by(ClientDocument.period, ClientDocument.id)
    ):
        plans[plan.client_id] = plan  # ascending: the last one wins (as documents.latest)
    out = []
    for client in clients:
        reviews = _reviews_of(plans.get(client.id))
        for check in (STABILITY, NATURAL):
            found = _rounds_of(sheets.get((client.id, str(check.kind)), []))
            point = next_due(_points(client, reviews, found), today)
            if point is not None and point.state(today) == "overdue":
                out.append(OverdueCheck(client, check, point, (today - point.due).days))
    return sorted(out, key=lambda o: (o.point.due, o.client.id, o.check.kind))
