"""Writing a client's lifecycle: period overrides, stage changes (and the stage suggestion),
employment status events. Validated, office-isolated and audited like the other services;
the rules are in docs/lifecycle.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    CheckIn,
    Client,
    Contact,
    EmploymentEvent,
    EmploymentKind,
    Flag,
    ServicePeriodOverride,
    StaffUser,
    Stage,
    StageChange,
)
from checkin.services import audit, cells, period
from checkin.services.errors import ValidationError, _l
from checkin.services.expected import load_expected
from checkin.timeutil import local_date

REASON_MAX = 1000
NAME_MAX = 200
STAGE_ORDER = [Stage.EXPLORATION, Stage.ADJUSTMENT, Stage.STABILITY, Stage.SELF_DRIVING]
# Employment events further back than this are not plausible (3 FYs of retention + 1 year).
EMPLOYMENT_MAX_AGE_DAYS = 5 * 366


def _reason(raw: str | None, errors: dict[str, str], *, required: bool) -> str | None:
    text = (raw or "").strip()
    if not text:
        if required:
            errors["reason"] = _l("理由を入れてください。")
        return None
    if len(text) > REASON_MAX:
        errors["reason"] = _l("理由は%(n)d文字までにしてください。", n=REASON_MAX)
    return text


def _day(raw: str | date | None, key: str, label: str, errors: dict[str, str]) -> date | None:
    if isinstance(raw, date):
        return raw
    if cells.is_blank(raw):
        return None
    try:
        return cells.parse_date(raw)
    except cells.CellError as e:
        errors[key] = _l("%(column)s: %(problem)s", column=label, problem=e.message)
        return None


# --- the service period ------------------------------------------------------------------


def latest_override(session: Session, client: Client) -> ServicePeriodOverride | None:
    return session.scalar(
        select(ServicePeriodOverride)
        .where(ServicePeriodOverride.client_id == client.id)
        .order_by(ServicePeriodOverride.recorded_at.desc(), ServicePeriodOverride.id.desc())
        .limit(1)
    )


def overrides(session: Session, client: Client) -> list[ServicePeriodOverride]:
    return list(
        session.scalars(
            select(ServicePeriodOverride)
            .where(ServicePeriodOverride.client_id == client.id)
            .order_by(ServicePeriodOverride.recorded_at.desc(), ServicePeriodOverride.id.desc())
        )
    )


def client_period(session: Session, client: Client) -> period.ServicePeriod:
    return period.service_period(client, latest_override(session, client))


def override_period(
    session: Session,
    staff: StaffUser,
    client: Client,
    *,
    start: str | date | None,
    end: str | date | None,
    reason: str | None,
    now: datetime,
) -> ServicePeriodOverride:
    """Set the period by hand (blank: back to the rule) with the reason; kept in history."""
    errors: dict[str, str] = {}
    first = _day(start, "start", str(_l("支援開始日")), errors)
    last = _day(end, "end", str(_l("支援終了日")), errors)
    why = _reason(reason, errors, required=True)
    if first and last:
        if last < first:
            errors["end"] = _l("支援終了日が支援開始日より前になっています。")
        elif last > period.period_end(first, 12 * period.SERVICE_YEARS):
            errors["end"] = _l("就労定着支援の期間は最長3年です。")
    if first and client.hire_date and first < client.hire_date:
        errors["start"] = _l("支援開始日が入社日より前になっています。")
    if errors:
        raise ValidationError(errors)
    assert why is not None
    row = ServicePeriodOverride(
        office_id=client.office_id,
        client_id=client.id,
        start=first,
        end=last,
        reason=why,
        recorded_by_id=staff.id,
        recorded_at=now,
    )
    session.add(row)
    client.service_start = first
    client.service_end = last
    session.flush()
    audit.record(
        session,
        "period.override",
        office_id=client.office_id,
        actor=staff,
        target=row,
        client_id=client.id,
        detail={
            "start": first.isoformat() if first else None,
            "end": last.isoformat() if last else None,
        },
    )
    return row


# --- support stages ----------------------------------------------------------------------


def stage_history(session: Session, client: Client) -> list[StageChange]:
    return list(
        session.scalars(
            select(StageChange)
            .where(StageChange.client_id == client.id)
            .order_by(StageChange.changed_at.desc(), StageChange.id.desc())
        )
    )


def record_stage_change(
    session: Session,
    client: Client,
    to: Stage,
    *,
    actor: StaffUser | None,
    reason: str | None,
    now: datetime,
) -> StageChange | None:
    """Set the stage and keep the change (nothing when it is already ``to``)."""
    if client.stage == to:
        return None
    change = StageChange(
        office_id=client.office_id,
        client_id=client.id,
        from_stage=client.stage,
        to_stage=to,
        reason=reason,
        changed_by_id=actor.id if actor else None,
        changed_at=now,
    )
    session.add(change)
    client.stage = to
    return change


def change_stage(
    session: Session,
    staff: StaffUser,
    client: Client,
    *,
    stage: str,
    reason: str | None,
    now: datetime,
) -> StageChange:
    """The staff form: a new stage with the reason (required)."""
    errors: dict[str, str] = {}
    try:
        to = Stage(stage)
    except ValueError:
        errors["stage"] = _l("段階を選んでください。")
        to = client.stage
    why = _reason(reason, errors, required=True)
    if not errors and to == client.stage:
        errors["stage"] = _l("いまと同じ段階です。")
    if errors:
        raise ValidationError(errors)
    change = record_stage_change(session, client, to, actor=staff, reason=why, now=now)
    assert change is not None
    session.flush()
    audit.record(
        session,
        "stage.change",
        office_id=client.office_id,
        actor=staff,
        target=change,
        client_id=client.id,
        detail={"from": change.from_stage.value if change.from_stage else None, "to": to.value},
    )
    return change


# The suggestion's thresholds (docs/lifecycle.md).
SUGGEST_MONTHS = 3  # the window looked at, and the least time in a stage before moving on
MIN_ANSWER_RATE = 0.8  # steady answers
MIN_EXPECTED_DAYS = 20  # too few expected days: no judgement
MONTHLY_MEETINGS = 3  # no more contacts than one a month counts as "fewer"
BACK_FLAGS = 2  # this many flags within BACK_DAYS in stability or later: suggest going back
BACK_DAYS = 30


@dataclass(frozen=True)
class StageNumbers:
    since: date  # the first day of the window
    expected_days: int
    answered_days: int
    flags: int  # raised in the window
    recent_flags: int  # raised in the last BACK_DAYS days
    contacts: int  # in the window
    contacts_before: int  # in the window before it
    in_stage_since: date | None

    @property
    def answer_rate(self) -> float | None:
        return self.answered_days / self.expected_days if self.expected_days else None


@dataclass(frozen=True)
class StageSuggestion:
    direction: str  # "forward" or "back"
    to: Stage
    numbers: StageNumbers


def stage_numbers(session: Session, client: Client, today: date) -> StageNumbers:
    since = period.months_back(today, SUGGEST_MONTHS)
    before = period.months_back(since, SUGGEST_MONTHS)
    expected = load_expected(session, client, since, today, today)
    n_expected = sum(
        1 for i in range((today - since).days) if since + timedelta(days=i) in expected
    )
    answered = session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .where(CheckIn.client_id == client.id, CheckIn.local_date >= since)
        .where(CheckIn.local_date < today)
    )
    recent = today - timedelta(days=BACK_DAYS)
    n_flags, n_recent = session.execute(
        select(func.count(), func.count().filter(Flag.first_date >= recent)).where(
            Flag.client_id == client.id, Flag.first_date >= since
        )
    ).one()
    tz = ZoneInfo(client.office.timezone)
    contact_days = [
        o.astimezone(tz).date()
        for o in session.scalars(
            select(Contact.occurred_at).where(
                Contact.client_id == client.id,
                Contact.occurred_at >= datetime.combine(before, datetime.min.time(), tz),
            )
        )
    ]
    last_change = session.scalar(
        select(func.max(StageChange.changed_at)).where(
            StageChange.client_id == client.id, StageChange.to_stage == client.stage
        )
    )
    if last_change is not None and last_change.tzinfo is None:  # SQLite aggregates: naive
        last_change = last_change.replace(tzinfo=UTC)
    in_stage = (
        local_date(last_change, tz)
        if last_change is not None
        else (client.service_start or client.hire_date)
    )
    return StageNumbers(
        since=since,
        expected_days=n_expected,
        answered_days=min(int(answered or 0), n_expected),
        flags=int(n_flags),
        recent_flags=int(n_recent),
        contacts=sum(1 for d in contact_days if since <= d <= today),
        contacts_before=sum(1 for d in contact_days if before <= d < since),
        in_stage_since=in_stage,
    )


def suggest_stage(session: Session, client: Client, today: date) -> StageSuggestion | None:
    """A suggested stage change from the data, or None. Never applied by itself."""
    return suggest_from(client, stage_numbers(session, client, today))


def suggest_from(client: Client, n: StageNumbers) -> StageSuggestion | None:
    i = STAGE_ORDER.index(client.stage)
    if client.stage in (Stage.STABILITY, Stage.SELF_DRIVING) and n.recent_flags >= BACK_FLAGS:
        return StageSuggestion("back", STAGE_ORDER[i - 1], n)
    settled = n.in_stage_since is None or n.in_stage_since <= n.since
    steady = (
        n.expected_days >= MIN_EXPECTED_DAYS
        and n.answer_rate is not None
        and n.answer_rate >= MIN_ANSWER_RATE
    )
    fewer = n.contacts < n.contacts_before or n.contacts <= MONTHLY_MEETINGS
    if client.stage != Stage.SELF_DRIVING and settled and steady and n.flags == 0 and fewer:
        return StageSuggestion("forward", STAGE_ORDER[i + 1], n)
    return None


# --- employment status -------------------------------------------------------------------


def state_from(kind: EmploymentKind, on: date) -> date:
    """The first day of the state an event starts: a departure's day is the last day
    employed (退職日), so not employed from the next day."""
    return on + timedelta(days=1) if kind == EmploymentKind.LEFT else on


def grace_until(kind: EmploymentKind, on: date) -> date | None:
    """After a departure, the last day a new job may start and the person still count as
    employed: 1 month counted from the day after the last day employed (民法 第140条,
    第143条), e.g. last day 15 March: a new job by 15 April; last day 31 January: by
    28 (29) February."""
    if kind != EmploymentKind.LEFT:
        return None
    return period.period_end(on + timedelta(days=1), 1)


def employment_events(session: Session, client: Client) -> list[EmploymentEvent]:
    return list(
        session.scalars(
            select(EmploymentEvent)
            .where(EmploymentEvent.client_id == client.id, EmploymentEvent.deleted_at.is_(None))
            .order_by(EmploymentEvent.on.desc(), EmploymentEvent.id.desc())
        )
    )


def record_employment(
    session: Session,
    staff: StaffUser | None,
    client: Client,
    *,
    kind: str,
    on: str | date | None,
    employer_name: str | None,
    note: str | None,
    today: date,
    now: datetime,
) -> EmploymentEvent:
    """Record the client's employment on a day (also after the service ended)."""
    errors: dict[str, str] = {}
    try:
        ek = EmploymentKind(kind)
    except ValueError:
        errors["kind"] = _l("在職・転職・離職・休職から選んでください。")
        ek = EmploymentKind.EMPLOYED
    day = _day(on, "on", str(_l("日付")), errors)
    if day is None and "on" not in errors:
        errors["on"] = _l("日付を入れてください。")
    if day is not None:
        if day > today + timedelta(days=31):
            errors["on"] = _l("1か月より先の日付は記録できません。")
        elif day < today - timedelta(days=EMPLOYMENT_MAX_AGE_DAYS):
            errors["on"] = _l("5年より前の日付は記録できません。")
        elif client.hire_date and day < client.hire_date:
            errors["on"] = _l("入社日より前の日付です。")
    name = (employer_name or "").strip() or None
    if name and len(name) > NAME_MAX:
        errors["employer_name"] = _l("勤め先の名前は%(n)d文字までです。", n=NAME_MAX)
    text = (note or "").strip() or None
    if text and len(text) > REASON_MAX:
        errors["note"] = _l("メモは%(n)d文字までにしてください。", n=REASON_MAX)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    event = EmploymentEvent(
        office_id=client.office_id,
        client_id=client.id,
        kind=ek,
        on=day,
        state_from=state_from(ek, day),
        grace_until=grace_until(ek, day),
        employer_name=name,
        note=text,
        recorded_by_id=staff.id if staff else None,
        recorded_at=now,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        "employment.create",
        office_id=client.office_id,
        actor=staff,
        target=event,
        client_id=client.id,
        detail={"kind": ek.value, "on": day.isoformat()},
    )
    return event
