"""The periodic checks as client documents: rounds, sides, versions (the shared foundation).

Each answer sheet is a ``ClientDocument`` of kind ``assessment_stability`` or
``assessment_natural`` with ``side`` staff / client / employer and the body of
``services/assessments.py``. The sheets of one *round* share its ``period`` (the round's
date, 「2026-06-10」); the side is part of the series (``period`` + side), so each side has
its own versions. A sheet is sent when its writer sends it; sending again after that makes
a new version (the earlier one is kept, not current). The client fills theirs an area at a
time: a draft until they press 「おくる」.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Client, EmployerUser, StaffUser
from checkin.models.document import ClientDocument, DocKind, DocStatus
from checkin.services import documents
from checkin.services.assessment_items import CHECKS, Check
from checkin.services.assessments import SIDES

# A sheet filled within this many days of a round's date belongs to that round.
ROUND_DAYS = 45
KINDS = (DocKind.ASSESSMENT_STABILITY, DocKind.ASSESSMENT_NATURAL)


def period_of(round_day: date, side: str) -> str:
    """The series key of one side's sheet in a round: 「2026-06-10/client」."""
    return f"{round_day.isoformat()}/{side}"


def round_of(doc: ClientDocument) -> date:
    return date.fromisoformat(doc.period[:10])


@dataclass
class Round:
    day: date
    sheets: dict[str, ClientDocument] = field(default_factory=dict)  # side -> current sheet

    def sent(self) -> dict[str, ClientDocument]:
        """The sheets their writer has sent (a client's unfinished draft is left out)."""
        return {s: d for s, d in self.sheets.items() if d.status != DocStatus.DRAFT}

    def bodies(self) -> dict[str, Mapping[str, Any] | None]:
        return {s: d.body for s, d in self.sent().items()}


def rounds(session: Session, client_id: int, kind: str) -> list[Round]:
    """The client's rounds of one check, oldest first, with each side's current sheet."""
    docs = session.scalars(
        select(ClientDocument)
        .where(
            ClientDocument.client_id == client_id,
            ClientDocument.kind == kind,
            ClientDocument.current.is_(True),
        )
        .order_by(ClientDocument.period, ClientDocument.id)
    )
    out: dict[date, Round] = {}
    for doc in docs:
        day = round_of(doc)
        out.setdefault(day, Round(day)).sheets[doc.side] = doc
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
    doc = sheet(session, client, kind, side, today)
    if doc is not None and doc.status != DocStatus.DRAFT:
        doc = documents.revise(session, doc, by=by, now=now)
    if doc is None:
        doc = documents.start(
            session,
            client,
            DocKind(kind),
            period_of(day, side),
            body,
            by=by,
            now=now,
            side=side,
            employer_user=employer_user,
        )
    else:
        documents.save(session, doc, body, revision=doc.revision, by=by, now=now)
    if send:
        documents.send(doc, by=by, now=now)
    return doc


def check_of(kind: str) -> Check:
    return CHECKS[kind]
