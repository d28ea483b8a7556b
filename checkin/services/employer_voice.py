"""The employer side can speak: 「気になること」 and the monthly contact's answer.

Only where the client consented to it (``ConsentScope.EMPLOYER_VOICE``), never in closed
employment (``support.employer_scopes`` says so, on every request: a revoked consent stops
the next one). A concern reaches the assigned supporter's alert list at once, as a flag of
its own kind (``employer``) whose reason is the employer's words, not a risk score; it is
mailed at once like an urgent flag (``delivery.mailed_at_once``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    Client,
    ConcernTopic,
    ConsentScope,
    EmployerNote,
    EmployerNoteKind,
    EmployerUser,
    Flag,
    FlagStatus,
)
from checkin.services import audit
from checkin.services.errors import NotFound, ValidationError, _l
from checkin.services.flags import upsert_candidates
from checkin.services.support import employer_scopes
from checkin.signals.types import FlagCandidate, Reason
from checkin.timeutil import local_date

TEXT_MAX = 1000
FLAG_KIND = "employer"  # the flag a concern raises (its own kind: labels.FLAG_KINDS)
KEEP_REASONS = 5  # the latest concerns an unresolved flag shows, newest first
# The words in the flag's reason (plain Japanese, like every reason's text).
TOPIC_JA = {
    ConcernTopic.LATE: "遅刻",
    ConcernTopic.ABSENCE: "欠勤・早退",
    ConcernTopic.CHANGE: "職場の変化",
    ConcernTopic.OTHER: "その他",
}


def may_speak(session: Session, user: EmployerUser, client: Client) -> bool:
    return ConsentScope.EMPLOYER_VOICE.value in employer_scopes(session, user, client)


def write_note(
    session: Session,
    user: EmployerUser,
    client: Client,
    *,
    kind: str,
    topic: str | None,
    text: str | None,
    now: datetime,
) -> EmployerNote:
    """Store one note (checked again here: the caller answers 403 before), audited; a
    concern raises or refreshes the client's ``employer`` flag."""
    if not may_speak(session, user, client):
        raise NotFound()
    errors: dict[str, str] = {}
    try:
        note_kind = EmployerNoteKind(kind)
    except ValueError:
        errors["kind"] = _l("送る内容の種類を選んでください。")
        note_kind = EmployerNoteKind.CONCERN
    note_topic: ConcernTopic | None = None
    if note_kind == EmployerNoteKind.CONCERN:
        try:
            note_topic = ConcernTopic(topic or "")
        except ValueError:
            errors["topic"] = _l("気になることの種類を選んでください。")
    body = (text or "").strip()
    if not body:
        errors["text"] = _l("内容を書いてください。")
    elif len(body) > TEXT_MAX:
        errors["text"] = _l("内容は%(n)d文字までにしてください。", n=TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    today = local_date(now, client.office.timezone)
    note = EmployerNote(
        office_id=client.office_id,
        client_id=client.id,
        employer_id=user.employer_id,
        employer_user_id=user.id,
        kind=note_kind,
        topic=note_topic,
        text=body,
        created_at=now,
        local_date=today,
    )
    session.add(note)
    session.flush()
    if note_kind == EmployerNoteKind.CONCERN:
        note.flag_id = _raise_flag(session, user, client, note, now=now).id
    audit.record(
        session,
        "employer_note.create",
        office_id=client.office_id,
        actor_type="employer",
        actor_id=user.id,
        target=note,
        client_id=client.id,
        detail={"kind": note_kind.value, "topic": note_topic.value if note_topic else None},
    )
    return note


def _raise_flag(
    session: Session, user: EmployerUser, client: Client, note: EmployerNote, *, now: datetime
) -> Flag:
    """The client's unresolved ``employer`` flag with this concern first (a new one, or the
    open one brought back to the top: new words are news, even if it was seen or put off)."""
    assert note.topic is not None
    reason = Reason(
        "employer_concern",
        f"勤め先 ({user.name}) から「気になること」({TOPIC_JA[note.topic]}): {note.text}",
        {"date": note.local_date.isoformat(), "note_id": note.id, "topic": note.topic.value},
    )
    existing = session.scalar(
        select(Flag).where(
            Flag.client_id == client.id,
            Flag.kind == FLAG_KIND,
            Flag.status != FlagStatus.RESOLVED,
        )
    )
    older = tuple(
        Reason(r.get("code", ""), r.get("text", ""), r.get("values") or {})
        for r in (existing.reasons if existing is not None else [])
    )
    candidate = FlagCandidate(
        client_id=client.id,
        kind=FLAG_KIND,
        severity="high",
        score=0.0,  # not a risk score: the employer's words are the reason
        reasons=(reason, *older)[:KEEP_REASONS],
    )
    result = upsert_candidates(
        session, client.office, note.local_date, [candidate], now=now, source="employer"
    )
    flag = result.touched[0] if result.touched else existing
    assert flag is not None
    if flag.status == FlagStatus.ACKNOWLEDGED:
        flag.status = FlagStatus.OPEN
    flag.snoozed_until = None
    return flag


def notes_for(session: Session, client_id: int, *, limit: int = 20) -> list[EmployerNote]:
    """The client's latest notes from the employer side, newest first."""
    return list(
        session.scalars(
            select(EmployerNote)
            .where(EmployerNote.client_id == client_id)
            .order_by(EmployerNote.created_at.desc(), EmployerNote.id.desc())
            .limit(limit)
        )
    )
