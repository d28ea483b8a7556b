"""Outcome labels: what happened to a client, and whether a flag was useful.

The one write path for both (web forms today): validated, office-isolated (another office's
client or flag does not exist for this staff member) and audited. The weekly retraining
(:mod:`checkin.services.ranking`) learns the office's ranking from them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Client, Flag, FlagFeedback, Outcome, OutcomeKind, StaffUser
from checkin.services import audit
from checkin.services.errors import NotFound, ValidationError, _l
from checkin.services.flags import get_flag

NOTE_MAX = 1000
# Outcomes older than this are not plausible corrections of the record (and no longer help
# the ranking, which learns from the last year).
MAX_AGE_DAYS = 3 * 366

OUTCOME_LABELS = {
    OutcomeKind.ABSENCE: _l("欠勤"),
    OutcomeKind.SICK_LEAVE: _l("休職"),
    OutcomeKind.CRISIS: _l("危機"),
    OutcomeKind.QUIT: _l("離職"),
}


def _own_client(session: Session, staff: StaffUser, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.office_id != staff.office_id:
        raise NotFound()
    return client


def record_outcome(
    session: Session,
    staff: StaffUser,
    client_id: int,
    *,
    kind: str,
    occurred_on: str | date,
    note: str | None,
    today: date,
    now: datetime,
) -> Outcome:
    """Record that ``kind`` happened to the client on ``occurred_on`` (office-local date).

    ``today`` is the office's local date. Raises NotFound for another office's client and
    ValidationError (nothing saved) for a bad kind, date or note.
    """
    client = _own_client(session, staff, client_id)
    outcome_kind, day, note = _validated(kind, occurred_on, note, today)
    outcome = Outcome(
        office_id=client.office_id,
        client_id=client.id,
        kind=outcome_kind,
        occurred_on=day,
        note=note,
        recorded_by_id=staff.id,
        recorded_at=now,
    )
    session.add(outcome)
    session.flush()
    audit.record(
        session,
        "outcome.create",
        office_id=client.office_id,
        actor=staff,
        target=outcome,
        client_id=client.id,
        detail={"kind": outcome_kind.value, "occurred_on": day.isoformat()},
    )
    return outcome


def _validated(
    kind: str, occurred_on: str | date, note: str | None, today: date
) -> tuple[OutcomeKind, date, str | None]:
    """The kind, date and note of an outcome form, or ValidationError with every problem."""
    errors: dict[str, str] = {}
    try:
        outcome_kind = OutcomeKind(kind)
    except ValueError:
        errors["kind"] = _l("何があったか (欠勤・休職・危機・離職) を選んでください。")
        outcome_kind = OutcomeKind.ABSENCE
    day: date | None = None
    if isinstance(occurred_on, date):
        day = occurred_on
    elif not (occurred_on or "").strip():
        errors["occurred_on"] = _l("日付を入れてください。")
    else:
        try:
            day = date.fromisoformat(occurred_on.strip())
        except ValueError:
            errors["occurred_on"] = _l("日付は 2026-06-10 のような形で入れてください。")
    if day is not None:
        if day > today:
            errors["occurred_on"] = _l("未来の日付は記録できません。")
        elif day < today - timedelta(days=MAX_AGE_DAYS):
            errors["occurred_on"] = _l("3年より前の出来事は記録できません。")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        errors["note"] = _l("メモは%(n)d文字までにしてください。", n=NOTE_MAX)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    return outcome_kind, day, note


def get_outcome(session: Session, staff: StaffUser, outcome_id: int) -> Outcome:
    """An outcome of the staff member's office that is not deleted, else NotFound."""
    outcome = session.get(Outcome, outcome_id)
    if outcome is None or outcome.office_id != staff.office_id or outcome.deleted_at is not None:
        raise NotFound()
    return outcome


def _state(o: Outcome) -> dict[str, str]:
    # the audit detail: what the ranking learns from (the note itself stays in the row)
    return {"kind": o.kind.value, "occurred_on": o.occurred_on.isoformat()}


def update_outcome(
    session: Session,
    staff: StaffUser,
    outcome_id: int,
    *,
    kind: str,
    occurred_on: str | date,
    note: str | None,
    today: date,
    now: datetime,
) -> Outcome:
    """Correct an outcome's kind, date or note. NotFound for another office's (or a deleted)
    outcome; ValidationError (nothing changed) for bad input, as when recording."""
    outcome = get_outcome(session, staff, outcome_id)
    outcome_kind, day, note = _validated(kind, occurred_on, note, today)
    before = _state(outcome)
    note_changed = note != outcome.note
    outcome.kind = outcome_kind
    outcome.occurred_on = day
    outcome.note = note
    after = _state(outcome)
    if before == after and not note_changed:
        return outcome  # nothing to correct: no audit noise
    outcome.updated_at = now
    session.flush()
    detail: dict[str, object] = {"before": before, "after": after}
    if note_changed:
        detail["note_changed"] = True
    audit.record(
        session,
        "outcome.update",
        office_id=outcome.office_id,
        actor=staff,
        target=outcome,
        client_id=outcome.client_id,
        detail=detail,
    )
    return outcome


def delete_outcome(
    session: Session, staff: StaffUser, outcome_id: int, *, now: datetime
) -> Outcome:
    """Delete a wrongly recorded outcome (softly: the row and its audit trail stay, but
    nothing reads it any more). NotFound for another office's or an already deleted one."""
    outcome = get_outcome(session, staff, outcome_id)
    outcome.deleted_at = now
    outcome.deleted_by_id = staff.id
    session.flush()
    audit.record(
        session,
        "outcome.delete",
        office_id=outcome.office_id,
        actor=staff,
        target=outcome,
        client_id=outcome.client_id,
        detail={"before": _state(outcome)},
    )
    return outcome


def client_outcomes(session: Session, client: Client, limit: int = 50) -> list[Outcome]:
    return list(
        session.scalars(
            select(Outcome)
            .where(Outcome.client_id == client.id, Outcome.deleted_at.is_(None))
            .order_by(Outcome.occurred_on.desc(), Outcome.id.desc())
            .limit(limit)
        )
    )


def parse_useful(value: str | None) -> bool:
    if value in ("1", "useful"):
        return True
    if value in ("0", "not_useful"):
        return False
    raise ValidationError({"useful": _l("「役に立った」か「役に立たなかった」を選んでください。")})


def flag_feedback(
    session: Session, staff: StaffUser, flag_id: int, useful: bool | str | None, *, now: datetime
) -> FlagFeedback:
    """Mark a flag of the staff member's office useful or not (a second mark replaces it)."""
    flag = get_flag(session, staff, flag_id)  # NotFound for another office's flag
    if flag.kind == "employer":
        raise ValidationError({"useful": _l("勤め先からの連絡は、評価の対象ではありません。")})
    verdict = useful if isinstance(useful, bool) else parse_useful(useful)
    fb = session.scalar(select(FlagFeedback).where(FlagFeedback.flag_id == flag.id))
    if fb is None:
        fb = FlagFeedback(office_id=flag.office_id, flag_id=flag.id, client_id=flag.client_id)
        session.add(fb)
    fb.useful = verdict
    fb.staff_id = staff.id
    fb.at = now
    session.flush()
    audit.record(
        session,
        "flag.feedback",
        office_id=flag.office_id,
        actor=staff,
        target=flag,
        client_id=flag.client_id,
        detail={"useful": verdict},
    )
    return fb


def feedback_for(session: Session, flag_ids: list[int]) -> dict[int, bool]:
    if not flag_ids:
        return {}
    rows = session.execute(
        select(FlagFeedback.flag_id, FlagFeedback.useful).where(FlagFeedback.flag_id.in_(flag_ids))
    ).all()
    return {int(fid): bool(u) for fid, u in rows}


def office_labels(session: Session, office_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(outcomes, feedback) frames of one office as :func:`checkin.signals.ranker.build_labels`
    wants them. A flag's verdict labels every morning it was on the list (first to last)."""
    outcomes = pd.DataFrame(
        session.execute(
            select(Outcome.client_id, Outcome.occurred_on, Outcome.kind).where(
                Outcome.office_id == office_id, Outcome.deleted_at.is_(None)
            )
        ).all(),
        columns=["client_id", "date", "kind"],
    )
    outcomes["date"] = pd.to_datetime(outcomes["date"])
    outcomes["kind"] = outcomes["kind"].map(lambda k: OutcomeKind(k).value)
    rows = session.execute(
        select(Flag.client_id, Flag.first_date, Flag.last_date, FlagFeedback.useful)
        .join(FlagFeedback, FlagFeedback.flag_id == Flag.id)
        # An employer's concern (kind "employer") is their words, not a signal: its
        # verdict never labels the mornings the ranking learns from.
        .where(FlagFeedback.office_id == office_id, Flag.kind != "employer")
    ).all()
    parts = [
        pd.DataFrame(
            {
                "client_id": cid,
                "date": pd.date_range(first, last, freq="D"),
                "useful": bool(useful),
            }
        )
        for cid, first, last, useful in rows
    ]
    feedback = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({"client_id": [], "date": pd.to_datetime([]), "useful": []})
    )
    return outcomes, feedback
