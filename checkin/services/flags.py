"""Storing flags from the signals, the alert list, and acting on a flag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from checkin.models import Client, Flag, FlagStatus, Office, Role, Severity, StaffLeave, StaffUser
from checkin.services import audit
from checkin.services.errors import NotFound, ValidationError, _l
from checkin.signals import FlagCandidate

FLAG_NOTE_MAX = 500
# Up to this many clients at once (a check-in saved now), flags are looked up by client and
# new ones come back as objects; above it (a whole morning), by office and in bulk.
FEW_CANDIDATES = 500


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    # Flags raised or refreshed (new flags only when few candidates were given at once).
    touched: list[Flag] = field(default_factory=list)


def _on_leave(session: Session, staff_ids: set[int], day: date) -> set[int]:
    if not staff_ids:
        return set()
    return set(
        session.scalars(
            select(StaffLeave.staff_id).where(
                StaffLeave.staff_id.in_(staff_ids),
                StaffLeave.starts_on <= day,
                StaffLeave.ends_on >= day,
            )
        )
    )


def assignee_for(supporter_id: int | None, backup_id: int | None, away: set[int]) -> int | None:
    """The assigned supporter, or the backup while the supporter is away."""
    if supporter_id is not None and supporter_id not in away:
        return supporter_id
    return backup_id or supporter_id


def upsert_candidates(
    session: Session,
    office: Office,
    morning: date,
    candidates: Sequence[FlagCandidate],
    *,
    now: datetime,
    source: str = "morning",
) -> UpsertResult:
    """Store one office's candidates: an unresolved flag of the same client and kind is
    updated, not duplicated, so running a morning twice (or a wants-contact saved twice)
    adds nothing. Candidates for another office's clients are ignored."""
    return upsert_for_offices(session, [office], morning, candidates, now=now, source=source)[
        office.id
    ]


def upsert_for_offices(
    session: Session,
    offices: Sequence[Office],
    morning: date,
    candidates: Sequence[FlagCandidate],
    *,
    now: datetime,
    source: str = "morning",
) -> dict[int, UpsertResult]:
    """:func:`upsert_candidates` for several offices at once (a few queries in all)."""
    results = {o.id: UpsertResult() for o in offices}
    if not candidates:
        return results
    client_ids = sorted({c.client_id for c in candidates})
    office_ids = list(results)
    # A few clients (a check-in saved now): look them up by id. A whole morning: by office,
    # which keeps statements short (drivers parse thousands of IN placeholders slowly).
    few = len(client_ids) <= FEW_CANDIDATES
    clients: dict[int, tuple[int, int | None, int | None]] = {}
    existing: dict[tuple[int, str], Flag] = {}
    for chunk in [client_ids] if few else _chunks(office_ids, 200):
        where_client = Client.id.in_(chunk) if few else Client.office_id.in_(chunk)
        for cid, office_id, sup, backup in session.execute(
            select(
                Client.id, Client.office_id, Client.supporter_id, Client.backup_supporter_id
            ).where(where_client, Client.office_id.in_(office_ids))
        ):
            clients[cid] = (office_id, sup, backup)
        where_flag = Flag.client_id.in_(chunk) if few else Flag.office_id.in_(chunk)
        existing.update(
            ((f.client_id, f.kind), f)
            for f in session.scalars(
                select(Flag).where(where_flag, Flag.status != FlagStatus.RESOLVED)
            )
        )
    staff_ids = {s for _, sup, backup in clients.values() for s in (sup, backup) if s}
    away = _on_leave(session, staff_ids, morning)
    new_rows: list[dict[str, Any]] = []
    pending: set[tuple[int, str]] = set()
    for cand in candidates:
        if cand.client_id not in clients:
            continue  # another office's client: never touch
        office_id, sup, backup = clients[cand.client_id]
        result = results[office_id]
        severity = Severity(cand.severity)
        reasons = [r.as_dict() for r in cand.reasons]
        flag = existing.get((cand.client_id, cand.kind))
        if flag is None:
            if (cand.client_id, cand.kind) in pending:
                continue  # the same kind twice for a client in one batch: keep the first
            pending.add((cand.client_id, cand.kind))
            new_rows.append(
                {
                    "office_id": office_id,
                    "client_id": cand.client_id,
                    "kind": cand.kind,
                    "severity": severity,
                    "score": cand.score,
                    "reasons": reasons,
                    "first_date": morning,
                    "last_date": morning,
                    "status": FlagStatus.OPEN,
                    "assignee_id": assignee_for(sup, backup, away),
                    "source": source,
                    "model_version": cand.model_version,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            result.created += 1
        elif morning >= flag.last_date:  # a re-run of an older morning changes nothing
            if severity.rank < flag.severity.rank:
                flag.snoozed_until = None  # it got worse: put it back on the list
                if flag.status == FlagStatus.ACKNOWLEDGED:
                    flag.status = FlagStatus.OPEN
            flag.severity = severity
            flag.score = cand.score
            flag.reasons = reasons
            flag.last_date = morning
            flag.model_version = cand.model_version
            flag.updated_at = now
            result.updated += 1
            result.touched.append(flag)
        else:
            result.touched.append(flag)
    if new_rows and few:
        # A check-in saved now: the caller gets the new flags back (one INSERT ... RETURNING).
        for flag in session.scalars(insert(Flag).returning(Flag), new_rows):
            results[flag.office_id].touched.append(flag)
    elif new_rows:
        # A whole morning: a plain executemany (no objects back) is several times faster than
        # RETURNING, whose very long statements the driver parses again for every page.
        session.execute(insert(Flag), new_rows)
    session.flush()
    return results


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    # Bound the number of bound parameters per statement (SQLite's limit is 32,766).
    return [ids[i : i + size] for i in range(0, len(ids), size)]


SEVERITY_ORDER = case(
    (Flag.severity == Severity.URGENT, 0), (Flag.severity == Severity.HIGH, 1), else_=2
)


# The order of every alert list (the rule the page states under its heading): by severity
# first, so an urgent flag someone is already handling (acknowledged) still sits above every
# 高 and 注意 item; within a severity the unacknowledged ones first, then the strongest signal.
LIST_ORDER = (
    SEVERITY_ORDER,
    case((Flag.status == FlagStatus.OPEN, 0), else_=1),
    Flag.score.desc(),
    Flag.id,
)


@dataclass(frozen=True)
class AlertFilter:
    """What the morning list shows: by severity, support stage and (managers) supporter."""

    severity: Severity | None = None
    stage: str | None = None
    supporter_id: int | None = None
    show_snoozed: bool = False


def _alert_query(
    staff: StaffUser, *, everyone: bool, today: date | None, filters: AlertFilter | None
) -> Select[Any]:
    f = filters or AlertFilter()
    q = (
        select(Flag)
        .join(Client, Client.id == Flag.client_id)
        .where(Flag.office_id == staff.office_id, Flag.status != FlagStatus.RESOLVED)
    )
    if not (everyone and staff.role in (Role.ADMIN, Role.SERVICE_MANAGER)):
        q = q.where(
            or_(
                Flag.assignee_id == staff.id,
                and_(Flag.assignee_id.is_(None), Client.supporter_id == staff.id),
                # escalated by jobs/ (still unacknowledged at the escalation hour)
                and_(Flag.escalated_at.is_not(None), Client.backup_supporter_id == staff.id),
            )
        )
    if today is not None and not f.show_snoozed:
        q = q.where(or_(Flag.snoozed_until.is_(None), Flag.snoozed_until <= today))
    if f.severity is not None:
        q = q.where(Flag.severity == f.severity)
    if f.stage:
        q = q.where(Client.stage == f.stage)
    if f.supporter_id is not None:
        q = q.where(or_(Flag.assignee_id == f.supporter_id, Client.supporter_id == f.supporter_id))
    return q


def alert_list(
    session: Session,
    staff: StaffUser,
    *,
    everyone: bool = False,
    today: date | None = None,
    filters: AlertFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Flag]:
    """Unresolved flags a staff member should see, in ``LIST_ORDER`` (severity, then the
    unacknowledged before those being handled, then score); ``limit`` and ``offset`` give
    one page of that order.

    Supporters see flags of their own clients, flags handed to them and escalated flags of
    clients they back up; service managers and admins may ask for the whole office. Never
    another office's flags. Flags snoozed past ``today`` are left out unless asked for.
    """
    q = (
        _alert_query(staff, everyone=everyone, today=today, filters=filters)
        .options(joinedload(Flag.client), joinedload(Flag.assignee))
        .order_by(*LIST_ORDER)
    )
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(session.scalars(q).unique())


def alert_count(
    session: Session,
    staff: StaffUser,
    *,
    everyone: bool = False,
    today: date | None = None,
    filters: AlertFilter | None = None,
) -> int:
    """How many flags :func:`alert_list` would give without a limit."""
    q = _alert_query(staff, everyone=everyone, today=today, filters=filters)
    return session.scalar(select(func.count()).select_from(q.subquery())) or 0


def alert_position(
    session: Session, staff: StaffUser, flag_id: int, *, everyone: bool = False, today: date
) -> int | None:
    """Where a flag stands in :func:`alert_list` (0 first), None when it is not on it."""
    q = _alert_query(staff, everyone=everyone, today=today, filters=None)
    ids = list(session.scalars(q.with_only_columns(Flag.id).order_by(*LIST_ORDER)))
    return ids.index(flag_id) if flag_id in ids else None


MAX_SNOOZE_DAYS = 30


def snooze(
    session: Session, staff: StaffUser, flag_id: int, until: date, *, today: date, now: datetime
) -> Flag:
    """Leave a flag off the list until a date (e.g. "they have a hospital visit on Friday;
    look again on Monday"). A worse signal before then puts it back at once."""
    flag = get_flag(session, staff, flag_id)
    if not today < until <= today + timedelta(days=MAX_SNOOZE_DAYS):
        raise ValidationError(
            {"until": _l("明日から%(n)d日後までの日付を選んでください。", n=MAX_SNOOZE_DAYS)}
        )
    if flag.severity == Severity.URGENT:
        raise ValidationError({"until": _l("緊急のアラートは先送りできません。")})
    flag.snoozed_until = until
    flag.updated_at = now
    audit.record(
        session,
        "flag.snooze",
        office_id=staff.office_id,
        actor=staff,
        target=flag,
        client_id=flag.client_id,
        detail={"until": str(until)},
    )
    return flag


def hand_over(
    session: Session, staff: StaffUser, flag_id: int, to_staff_id: int, *, now: datetime
) -> Flag:
    """Give a flag to a colleague of the same office (it appears on their list)."""
    flag = get_flag(session, staff, flag_id)
    colleague = session.get(StaffUser, to_staff_id)
    if colleague is None or colleague.office_id != staff.office_id or not colleague.active:
        raise ValidationError({"to": _l("この事業所の、利用中の職員を選んでください。")})
    old = flag.assignee_id
    flag.assignee_id = colleague.id
    flag.updated_at = now
    audit.record(
        session,
        "flag.hand_over",
        office_id=staff.office_id,
        actor=staff,
        target=flag,
        client_id=flag.client_id,
        detail={"from": old, "to": colleague.id},
    )
    return flag


def get_flag(session: Session, staff: StaffUser, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None or flag.office_id != staff.office_id:
        raise NotFound()
    return flag


def act_on_flag(
    session: Session,
    staff: StaffUser,
    flag_id: int,
    action: str,
    note: str | None,
    *,
    now: datetime,
) -> Flag:
    """Acknowledge (seen, will act) or resolve (handled) a flag, with an optional note."""
    flag = get_flag(session, staff, flag_id)
    note = (note or "").strip() or None
    if note is not None and len(note) > FLAG_NOTE_MAX:
        raise ValidationError({"note": _l("メモは%(n)d文字までにしてください。", n=FLAG_NOTE_MAX)})
    target = {"acknowledge": FlagStatus.ACKNOWLEDGED, "resolve": FlagStatus.RESOLVED}.get(action)
    if target is None:
        raise ValidationError({"action": _l("不明な操作です。")})
    if flag.status == FlagStatus.RESOLVED:
        raise ValidationError({"action": _l("このフラグはすでに対応済みです。")})
    flag.status = target
    flag.acted_by_id = staff.id
    flag.acted_at = now
    if note is not None:
        flag.note = note
    audit.record(
        session,
        f"flag.{action}",
        office_id=staff.office_id,
        actor=staff,
        target=flag,
        client_id=flag.client_id,
        detail={"note": note} if note else None,
    )
    return flag
