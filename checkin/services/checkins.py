"""Recording a daily check-in: the one write path for the web form, LINE and imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import Float, cast, select
from sqlalchemy.orm import Session

from checkin.models import NOTE_MAX_CHARS, Channel, CheckIn, Client, Flag, FlagStatus
from checkin.services import flags as flag_service
from checkin.services.errors import ValidationError, _l
from checkin.signals import contact_candidate, crisis_candidate, has_crisis_words
from checkin.timeutil import local_date

# Messages are for clients: short, plain Japanese (やさしい日本語).
MSG = {
    "mood": _l("きょうの きもちを えらんでください。"),
    "fatigue": _l("つかれぐあいを えらんでください。"),
    "sleep_hours": _l("ねた時間を 0から24の あいだで 入れてください。"),
    "sleep_quality": _l("よく ねむれたかを えらんでください。"),
    "note": _l("メモは %(n)d文字までに してください。", n=NOTE_MAX_CHARS),
    "local_date": _l("きょうか きのうの分だけ 記録できます。"),
    "note_char": _l("メモに 使えない 文字が あります。"),
}

# The answers the signals read, in the engine's order (mood, fatigue, sleep hours as a float,
# sleep quality): the morning job, the ranker's training and the timeline select these.
SIGNAL_ITEMS = (
    CheckIn.mood,
    CheckIn.fatigue,
    cast(CheckIn.sleep_hours, Float),
    CheckIn.sleep_quality,
)


@dataclass(frozen=True)
class CheckinInput:
    mood: int
    fatigue: int
    sleep_hours: Decimal | None
    sleep_quality: int | None
    note: str | None = None
    wants_contact: bool = False
    local_date: date | None = None  # None: today in the office's time zone

    @classmethod
    def from_form(cls, form: Mapping[str, str | None], *, today: date) -> CheckinInput:
        """Parse raw form strings; raises ValidationError naming every bad field."""
        errors: dict[str, str] = {}

        def choice(name: str) -> int:
            raw = (form.get(name) or "").strip()
            # Exactly one ASCII digit: str.isdigit() also accepts 「²」 and 「①」, which int()
            # then refuses.
            if raw in ("1", "2", "3", "4", "5"):
                return int(raw)
            errors[name] = MSG[name]
            return 0

        mood, fatigue, quality = choice("mood"), choice("fatigue"), choice("sleep_quality")
        sleep: Decimal | None = None
        raw_sleep = (form.get("sleep_hours") or "").strip().replace(",", ".")
        try:
            # Plain decimals only ("7", "6.5"): an exponent such as 1E-20000 is no answer.
            if len(raw_sleep) > 8 or "e" in raw_sleep.lower():
                raise InvalidOperation
            sleep = Decimal(raw_sleep)
            if not sleep.is_finite():
                raise InvalidOperation
            # The column keeps one decimal: round as the database would, before the range check.
            sleep = sleep.quantize(Decimal("0.1"))
        except InvalidOperation:
            sleep = None
            errors["sleep_hours"] = MSG["sleep_hours"]
        note = (form.get("note") or "").strip() or None
        which = form.get("day") or "today"
        day = {"today": today, "yesterday": today - timedelta(days=1)}.get(which)
        if day is None:
            errors["local_date"] = MSG["local_date"]
        if errors:
            _check_ranges(sleep, note, errors)
            raise ValidationError(errors)
        return cls(
            mood=mood,
            fatigue=fatigue,
            sleep_hours=sleep,
            sleep_quality=quality,
            note=note,
            wants_contact=form.get("wants_contact") in ("1", "on", "true", "yes"),
            local_date=day,
        )


def _check_ranges(sleep: Decimal | None, note: str | None, errors: dict[str, str]) -> None:
    if sleep is not None and not (sleep.is_finite() and Decimal(0) <= sleep <= Decimal(24)):
        errors.setdefault("sleep_hours", MSG["sleep_hours"])
    if note is not None and len(note) > NOTE_MAX_CHARS:
        errors["note"] = MSG["note"]
    elif note is not None and "\x00" in note:
        # PostgreSQL refuses NUL in text; no person types one.
        errors["note"] = MSG["note_char"]


def validate(data: CheckinInput, *, today: date, channel: Channel) -> date:
    """Check ranges and the date; returns the local date the entry is for."""
    errors: dict[str, str] = {}
    for name in ("mood", "fatigue"):
        value = getattr(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[name] = MSG[name]
    quality = data.sleep_quality
    if quality is not None and (isinstance(quality, bool) or not 1 <= quality <= 5):
        errors["sleep_quality"] = MSG["sleep_quality"]
    if channel != Channel.IMPORT:
        # Imports may carry partial history; live answers must be complete.
        if data.sleep_hours is None:
            errors["sleep_hours"] = MSG["sleep_hours"]
        if quality is None:
            errors["sleep_quality"] = MSG["sleep_quality"]
    _check_ranges(data.sleep_hours, data.note, errors)
    day = data.local_date or today
    if channel != Channel.IMPORT and day not in (today, today - timedelta(days=1)):
        errors["local_date"] = MSG["local_date"]
    if channel == Channel.IMPORT and day > today:
        errors["local_date"] = _l("未来の日付は取り込めません。")
    if errors:
        raise ValidationError(errors)
    return day


@dataclass(frozen=True)
class RecordResult:
    checkin: CheckIn
    created: bool  # False: that day's entry was updated
    urgent_flags: tuple[Flag, ...]  # raised or refreshed at once (wants contact, crisis words)


def record_checkin(
    session: Session,
    client: Client,
    data: CheckinInput,
    *,
    channel: Channel,
    now: datetime,
) -> RecordResult:
    """Save (or update) the client's entry for the day and raise urgent flags at once."""
    today = local_date(now, client.office.timezone)
    day = validate(data, today=today, channel=channel)
    entry = session.scalar(
        select(CheckIn).where(CheckIn.client_id == client.id, CheckIn.local_date == day)
    )
    created = entry is None
    if entry is None:
        entry = CheckIn(client_id=client.id, local_date=day, channel=channel, created_at=now)
        session.add(entry)
    entry.mood = data.mood
    entry.fatigue = data.fatigue
    entry.sleep_hours = data.sleep_hours
    entry.sleep_quality = data.sleep_quality
    entry.note = data.note
    entry.wants_contact = data.wants_contact
    entry.channel = channel
    entry.updated_at = now
    session.flush()

    urgent = []
    if channel != Channel.IMPORT:
        candidates = []
        if data.wants_contact:
            candidates.append(contact_candidate(client.id, day))
        if has_crisis_words(data.note):
            candidates.append(crisis_candidate(client.id, day))
        if candidates:
            urgent = flag_service.upsert_candidates(
                session, client.office, today, candidates, now=now, source="immediate"
            ).touched
        _close_missing_flags(session, client, now)
    return RecordResult(entry, created, tuple(urgent))


def _close_missing_flags(session: Session, client: Client, now: datetime) -> None:
    """A client who answers again is no longer silent: close their open 'missing' flag."""
    for flag in session.scalars(
        select(Flag).where(
            Flag.client_id == client.id,
            Flag.kind == "missing",
            Flag.status != FlagStatus.RESOLVED,
        )
    ):
        flag.status = FlagStatus.RESOLVED
        flag.acted_at = now
        flag.note = "本人の記録が再開しました (自動)"


def entries_for(
    session: Session, client_ids: list[int], start: date, end: date
) -> dict[int, dict[date, CheckIn]]:
    """Entries of several clients between two local dates, by client and day (one query)."""
    out: dict[int, dict[date, CheckIn]] = {cid: {} for cid in client_ids}
    if not client_ids:
        return out
    rows = session.scalars(
        select(CheckIn).where(
            CheckIn.client_id.in_(client_ids),
            CheckIn.local_date >= start,
            CheckIn.local_date <= end,
        )
    )
    for row in rows:
        out[row.client_id][row.local_date] = row
    return out
