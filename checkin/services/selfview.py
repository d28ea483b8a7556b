"""The client's own view of their last weeks (これまでの きろく): pictures and what went well.

Empowerment (DOMAIN.md): the client sees their own answers back, and the things that went
well in plain, kind Japanese. ``build_selfview`` is pure - entries and "today" in, a view
out - and reads only the client's own answers: never flags, risk, scores or supporter
notes. Nothing is phrased as a fault: a missing day is simply blank, and a hard day that was
recorded is itself something that went well. ``load_selfview`` is the one query.

The words are in the reader's language (Flask-Babel; Japanese, the source text, outside a
request): each sentence is one message with its numbers as named placeholders, and counts
go through ``ngettext`` so that English says "1 day" and "3 days".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client
from checkin.services.expected import client_columns, from_columns
from checkin.signals import has_crisis_words

WEEKS = 4  # how many calendar weeks (Monday first) the pictures show
MAX_GOOD_THINGS = 5
MIN_ENTRIES = 3  # below this, a gentle neutral message instead of "went well" items
GOOD_SLEEP_HOURS = Decimal(7)


WEEKDAY_CHARS = ("月", "火", "水", "木", "金", "土", "日")  # msgids, marked in weekday_short()


def weekday_short() -> tuple[str, ...]:
    """Monday first, one character in Japanese, "Mon" … "Sun" in English."""
    return (
        pgettext("weekday", "月"),
        pgettext("weekday", "火"),
        pgettext("weekday", "水"),
        pgettext("weekday", "木"),
        pgettext("weekday", "金"),
        pgettext("weekday", "土"),
        pgettext("weekday", "日"),
    )


def weekday_long() -> tuple[str, ...]:
    return (
        _("月曜日"),
        _("火曜日"),
        _("水曜日"),
        _("木曜日"),
        _("金曜日"),
        _("土曜日"),
        _("日曜日"),
    )


def hours_text(hours: Decimal) -> str:
    """7時間, 6.5時間 / "7 hours", "1 hour"."""
    # The plural rule wants an integer: only exactly one hour is singular in English.
    return ngettext(
        "%(hours)s時間", "%(hours)s時間", 1 if hours == 1 else 2, hours=f"{hours.normalize():f}"
    )


class Lead(StrEnum):
    """What the page starts with, before any praise."""

    TALK = "talk"  # they asked to talk (or wrote words of crisis): the contact/help box
    HARD = "hard"  # the latest answer was a hard day: a kind word and where to turn


@dataclass(frozen=True)
class DayCell:
    day: date
    mood: int | None = None
    fatigue: int | None = None
    sleep_hours: Decimal | None = None
    future: bool = False

    @property
    def recorded(self) -> bool:
        return self.mood is not None

    @cached_property  # the page names each day in three rows (mood, sleep, fatigue)
    def label(self) -> str:
        """6/10(水) / "Wed 6/10"."""
        # only this day's name (weekday_short() marks all seven for translation)
        wd = pgettext("weekday", WEEKDAY_CHARS[self.day.weekday()])
        return _("%(m)d/%(d)d(%(wd)s)", m=self.day.month, d=self.day.day, wd=wd)

    @property
    def sleep_text(self) -> str:
        """Hours as a short number: 7, 6.5."""
        if self.sleep_hours is None:
            return ""
        return f"{self.sleep_hours.normalize():f}"

    @property
    def sleep_words(self) -> str:
        """The hours for screen readers: 7.5時間 / "7.5 hours"."""
        return "" if self.sleep_hours is None else hours_text(self.sleep_hours)


@dataclass(frozen=True)
class Week:
    name: str  # 今週, 先週, 2週まえ, ...
    start: date
    days: tuple[DayCell, ...]


@dataclass(frozen=True)
class GoodThing:
    kind: str  # a stable key per rule, for tests and styling
    text: str


@dataclass(frozen=True)
class SelfView:
    today: date
    weeks: tuple[Week, ...]  # newest first
    good_things: tuple[GoodThing, ...]
    lead: Lead | None
    entries: int  # answers in the period
    little_data: bool

    @property
    def start(self) -> date:
        return self.weeks[-1].start

    @property
    def weekday_names(self) -> tuple[str, ...]:
        return weekday_short()


def period_start(today: date, weeks: int = WEEKS) -> date:
    """The Monday ``weeks - 1`` weeks before this week's Monday."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


def load_selfview(session: Session, client: Client, today: date, *, weeks: int = WEEKS) -> SelfView:
    """The client's self-view, from one query for the entries of the period."""
    start = period_start(today, weeks)
    # What decides the expected days (first link, LINE link, first answer, closed days)
    # rides along on every row: still one query.
    rows = session.execute(
        select(CheckIn, *client_columns(client, start, today)).where(
            CheckIn.client_id == client.id,
            CheckIn.local_date >= start,
            CheckIn.local_date <= today,
        )
    ).all()
    entries = [r[0] for r in rows]
    # No answer in the period: too little to say anything about expected days.
    expected = from_columns(client, rows[0][1:], today) if rows else None
    return build_selfview(
        entries, today=today, weekdays=client.weekdays, weeks=weeks, expected=expected
    )


def build_selfview(
    entries: Iterable[CheckIn],
    *,
    today: date,
    weekdays: Collection[int] = frozenset(range(5)),
    weeks: int = WEEKS,
    expected: Container[date] | None = None,
) -> SelfView:
    """Pictures of the last ``weeks`` calendar weeks and what went well, from own answers.

    ``weekdays`` are the days the client is expected to check in (Monday=0); they only decide
    whether a week counts as "all recorded" - a blank day is never reported. ``expected``
    (the morning signals' expected days, services/expected.py) narrows them: a closed day
    of the office or a day before the client could answer is not one.
    """
    days: Container[date] = _Weekdays(frozenset(weekdays)) if expected is None else expected
    start = period_start(today, weeks)
    by_day = {e.local_date: e for e in entries if start <= e.local_date <= today}
    week_list = []
    for w in range(weeks):
        monday = today - timedelta(days=today.weekday() + 7 * w)
        cells = []
        for i in range(7):
            d = monday + timedelta(days=i)
            e = by_day.get(d)
            if e is None:
                cells.append(DayCell(d, future=d > today))
            else:
                cells.append(DayCell(d, e.mood, e.fatigue, e.sleep_hours))
        name = _("今週") if w == 0 else _("先週") if w == 1 else _("%(num)d週 まえ", num=w)
        week_list.append(Week(name, monday, tuple(cells)))

    little = len(by_day) < MIN_ENTRIES
    good = [] if little else _good_things(by_day, today, days, start)
    lead = _lead(by_day, today)
    if lead is not None:
        # After a hard day, "you recorded it anyway" speaks to it first, before any counts.
        good.sort(key=lambda g: g.kind not in ("asked", "hard_day"))
    return SelfView(
        today=today,
        weeks=tuple(week_list),
        good_things=tuple(good[:MAX_GOOD_THINGS]),
        lead=lead,
        entries=len(by_day),
        little_data=little,
    )


@dataclass(frozen=True)
class _Weekdays:
    """The check-in weekdays as a container of days (no office or client calendar)."""

    weekdays: frozenset[int]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day.weekday() in self.weekdays


def _lead(by_day: dict[date, CheckIn], today: date) -> Lead | None:
    """Only a recent answer (today or yesterday) decides how the page begins."""
    recent = [by_day[d] for d in (today, today - timedelta(days=1)) if d in by_day]
    if not recent:
        return None
    latest = recent[0]
    if any(e.wants_contact or has_crisis_words(e.note) for e in recent):
        return Lead.TALK
    if latest.mood <= 2 or latest.fatigue >= 5 or latest.sleep_quality == 1:
        return Lead.HARD
    return None


def _window(by_day: dict[date, CheckIn], end: date) -> list[CheckIn]:
    """The answers of the 7 days ending with ``end``."""
    return [by_day[d] for d in (end - timedelta(days=i) for i in range(7)) if d in by_day]


def _good_things(
    by_day: dict[date, CheckIn], today: date, weekdays: Container[date], start: date
) -> list[GoodThing]:
    this = _window(by_day, today)
    prev = _window(by_day, today - timedelta(days=7))
    out: list[GoodThing] = []

    if any(e.wants_contact for e in by_day.values()):
        out.append(
            GoodThing(
                "asked",
                _("「相談したい」と 伝えることが できました。それは とても 大切な ことです。"),
            )
        )

    week_done = _recorded_this_week(by_day, today, weekdays, this, out)
    streak = _streak(by_day, today, weekdays, start)
    if streak >= 3 and (streak > 7 or not week_done):
        # At least 3 (and the streak is only said from 3 days on): always plural in English.
        out.append(GoodThing("streak", _("%(num)d日 つづけて 記録できています。", num=streak)))

    out.extend(_compare(this, prev, "mood", lambda e: e.mood >= 4))
    sleep = [e for e in this if e.sleep_hours is not None and e.sleep_hours >= GOOD_SLEEP_HOURS]
    if sleep:
        text = ngettext(
            "%(hours)d時間 いじょう 眠れた日が %(num)d日 ありました。",
            "%(hours)d時間 いじょう 眠れた日が %(num)d日 ありました。",
            len(sleep),
            hours=int(GOOD_SLEEP_HOURS),
        )
        out.append(GoodThing("sleep", text))
    else:
        longer = _sleep_longer(this, prev)
        if longer is not None:
            out.append(longer)
    out.extend(_compare(this, prev, "fatigue", lambda e: e.fatigue <= 2))

    best = _best_weekday(by_day.values())
    if best is not None:
        text = _(
            "この%(weeks)d週間で 気分が いちばん よいのは %(day)s でした。",
            weeks=WEEKS,
            day=weekday_long()[best],
        )
        out.append(GoodThing("weekday", text))
    if any(e.mood <= 2 for e in this):
        text = _("つらい日も 記録できました。それも 大切な きろくです。")
        out.append(GoodThing("hard_day", text))
    if not out:
        # Only reached with at least MIN_ENTRIES answers: always plural in English.
        text = _(
            "この%(weeks)d週間で %(num)d日 記録しました。つづけて いることが 大切です。",
            weeks=WEEKS,
            num=len(by_day),
        )
        out.append(GoodThing("count", text))
    return out


def _recorded_this_week(
    by_day: dict[date, CheckIn],
    today: date,
    weekdays: Container[date],
    this: Sequence[CheckIn],
    out: list[GoodThing],
) -> bool:
    """Appends the "recorded this week" item; True when every expected day was recorded."""
    days = [today - timedelta(days=i) for i in range(7)]
    # Today only counts once it is recorded: the page may be opened before checking in.
    expected = [d for d in days if d in weekdays and (d != today or d in by_day)]
    if len(this) == 7:
        out.append(GoodThing("week", _("この1週間、まいにち 記録できました。")))
        return True
    # The counts below are at least 3: always plural in English.
    if len(expected) >= 3 and all(d in by_day for d in expected):
        text = _("この1週間、記録する日は %(num)d日とも 記録できました。", num=len(expected))
        out.append(GoodThing("week", text))
        return True
    if len(this) >= 3:
        out.append(GoodThing("week", _("この1週間で %(num)d日 記録できました。", num=len(this))))
    return False


def _streak(
    by_day: dict[date, CheckIn], today: date, weekdays: Container[date], start: date
) -> int:
    """Recorded days in a row up to today, not broken by a day that is not a check-in day."""
    d = today if today in by_day else today - timedelta(days=1)
    n = 0
    while d >= start:
        if d in by_day:
            n += 1
        elif d in weekdays:
            break
        d -= timedelta(days=1)
    return n


def _compare(
    this: Sequence[CheckIn],
    prev: Sequence[CheckIn],
    kind: str,
    good: Callable[[CheckIn], bool],
) -> list[GoodThing]:
    """More good days than the week before, or else how many good days there were."""
    now_n = sum(1 for e in this if good(e))
    before = sum(1 for e in prev if good(e))
    if len(this) >= 3 and len(prev) >= 3 and now_n > before:
        return [GoodThing(f"{kind}_up", _more_days(kind, now_n - before))]
    if now_n >= 1:
        return [GoodThing(kind, _days(kind, now_n))]
    return []


def _more_days(kind: str, n: int) -> str:
    if kind == "mood":
        return ngettext(
            "気分が「よい」いじょうの日が 前の週より %(num)d日 ふえました。",
            "気分が「よい」いじょうの日が 前の週より %(num)d日 ふえました。",
            n,
        )
    return ngettext(
        "つかれが かるい日が 前の週より %(num)d日 ふえました。",
        "つかれが かるい日が 前の週より %(num)d日 ふえました。",
        n,
    )


def _days(kind: str, n: int) -> str:
    if kind == "mood":
        return ngettext(
            "気分が「よい」いじょうの日が %(num)d日 ありました。",
            "気分が「よい」いじょうの日が %(num)d日 ありました。",
            n,
        )
    return ngettext(
        "つかれが かるい日が %(num)d日 ありました。",
        "つかれが かるい日が %(num)d日 ありました。",
        n,
    )


def _sleep_longer(this: Sequence[CheckIn], prev: Sequence[CheckIn]) -> GoodThing | None:
    a = [e.sleep_hours for e in this if e.sleep_hours is not None]
    b = [e.sleep_hours for e in prev if e.sleep_hours is not None]
    if len(a) < 3 or len(b) < 3:
        return None
    diff = sum(a, Decimal(0)) / len(a) - sum(b, Decimal(0)) / len(b)
    if diff < Decimal("0.5"):
        return None
    hours = hours_text(diff.quantize(Decimal("0.1")))
    text = _("ねた時間が 前の週より 平均 %(hours)s ながく なりました。", hours=hours)
    return GoodThing("sleep_up", text)


def _best_weekday(entries: Iterable[CheckIn]) -> int | None:
    """The weekday with the best average mood, when it stands out from the others."""
    moods: dict[int, list[int]] = {}
    for e in entries:
        moods.setdefault(e.local_date.weekday(), []).append(e.mood)
    if sum(len(v) for v in moods.values()) < 8:
        return None
    means = sorted(((sum(v) / len(v), wd) for wd, v in moods.items() if len(v) >= 2), reverse=True)
    if len(means) < 2 or means[0][0] < 3 or means[0][0] - means[1][0] < 0.5:
        return None
    return means[0][1]
