"""The client's own view of their last weeks (これまでの きろく): pictures and what went well.

Empowerment (DOMAIN.md): the client sees their own answers back, and the things that went
well in plain, kind Japanese. ``build_selfview`` is pure - entries and "today" in, a view
out - and reads only the client's own answers: never flags, risk, scores or supporter
notes. Nothing is phrased as a fault: a missing day is simply blank, and a hard day that was
recorded is itself something that went well. ``load_selfview`` is the one query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client
from checkin.signals import has_crisis_words

WEEKS = 4  # how many calendar weeks (Monday first) the pictures show
MAX_GOOD_THINGS = 5
MIN_ENTRIES = 3  # below this, a gentle neutral message instead of "went well" items
GOOD_SLEEP_HOURS = Decimal(7)
WEEKDAY_NAMES = "月火水木金土日"


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

    @property
    def label(self) -> str:
        return f"{self.day.month}/{self.day.day}({WEEKDAY_NAMES[self.day.weekday()]})"

    @property
    def sleep_text(self) -> str:
        """Hours as a short number: 7, 6.5."""
        if self.sleep_hours is None:
            return ""
        return f"{self.sleep_hours.normalize():f}"


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


def period_start(today: date, weeks: int = WEEKS) -> date:
    """The Monday ``weeks - 1`` weeks before this week's Monday."""
    return today - timedelta(days=today.weekday() + 7 * (weeks - 1))


def load_selfview(session: Session, client: Client, today: date, *, weeks: int = WEEKS) -> SelfView:
    """The client's self-view, from one query for the entries of the period."""
    start = period_start(today, weeks)
    entries = session.scalars(
        select(CheckIn).where(
            CheckIn.client_id == client.id,
            CheckIn.local_date >= start,
            CheckIn.local_date <= today,
        )
    ).all()
    return build_selfview(entries, today=today, weekdays=client.weekdays, weeks=weeks)


def build_selfview(
    entries: Iterable[CheckIn],
    *,
    today: date,
    weekdays: Collection[int] = frozenset(range(5)),
    weeks: int = WEEKS,
) -> SelfView:
    """Pictures of the last ``weeks`` calendar weeks and what went well, from own answers.

    ``weekdays`` are the days the client is expected to check in (Monday=0); they only decide
    whether a week counts as "all recorded" - a blank day is never reported.
    """
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
        name = "今週" if w == 0 else "先週" if w == 1 else f"{w}週 まえ"
        week_list.append(Week(name, monday, tuple(cells)))

    little = len(by_day) < MIN_ENTRIES
    good = [] if little else _good_things(by_day, today, frozenset(weekdays), start)
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
    by_day: dict[date, CheckIn], today: date, weekdays: frozenset[int], start: date
) -> list[GoodThing]:
    this = _window(by_day, today)
    prev = _window(by_day, today - timedelta(days=7))
    out: list[GoodThing] = []

    if any(e.wants_contact for e in by_day.values()):
        out.append(
            GoodThing(
                "asked",
                "「相談したい」と 伝えることが できました。それは とても 大切な ことです。",
            )
        )

    week_done = _recorded_this_week(by_day, today, weekdays, this, out)
    streak = _streak(by_day, today, weekdays, start)
    if streak >= 3 and (streak > 7 or not week_done):
        out.append(GoodThing("streak", f"{streak}日 つづけて 記録できています。"))

    out.extend(_compare(this, prev, "mood", lambda e: e.mood >= 4, "気分が「よい」いじょうの日"))
    sleep = [e for e in this if e.sleep_hours is not None and e.sleep_hours >= GOOD_SLEEP_HOURS]
    if sleep:
        out.append(GoodThing("sleep", f"7時間 いじょう 眠れた日が {len(sleep)}日 ありました。"))
    else:
        longer = _sleep_longer(this, prev)
        if longer is not None:
            out.append(longer)
    out.extend(_compare(this, prev, "fatigue", lambda e: e.fatigue <= 2, "つかれが かるい日"))

    best = _best_weekday(by_day.values())
    if best is not None:
        out.append(
            GoodThing("weekday", f"この{WEEKS}週間で 気分が いちばん よいのは {best}曜日 でした。")
        )
    if any(e.mood <= 2 for e in this):
        out.append(GoodThing("hard_day", "つらい日も 記録できました。それも 大切な きろくです。"))
    if not out:
        out.append(
            GoodThing(
                "count",
                f"この{WEEKS}週間で {len(by_day)}日 記録しました。つづけて いることが 大切です。",
            )
        )
    return out


def _recorded_this_week(
    by_day: dict[date, CheckIn],
    today: date,
    weekdays: frozenset[int],
    this: Sequence[CheckIn],
    out: list[GoodThing],
) -> bool:
    """Appends the "recorded this week" item; True when every expected day was recorded."""
    days = [today - timedelta(days=i) for i in range(7)]
    # Today only counts once it is recorded: the page may be opened before checking in.
    expected = [d for d in days if d.weekday() in weekdays and (d != today or d in by_day)]
    if len(this) == 7:
        out.append(GoodThing("week", "この1週間、まいにち 記録できました。"))
        return True
    if len(expected) >= 3 and all(d in by_day for d in expected):
        out.append(
            GoodThing("week", f"この1週間、記録する日は {len(expected)}日とも 記録できました。")
        )
        return True
    if len(this) >= 3:
        out.append(GoodThing("week", f"この1週間で {len(this)}日 記録できました。"))
    return False


def _streak(by_day: dict[date, CheckIn], today: date, weekdays: frozenset[int], start: date) -> int:
    """Recorded days in a row up to today, not broken by a day that is not a check-in day."""
    d = today if today in by_day else today - timedelta(days=1)
    n = 0
    while d >= start:
        if d in by_day:
            n += 1
        elif d.weekday() in weekdays:
            break
        d -= timedelta(days=1)
    return n


def _compare(
    this: Sequence[CheckIn],
    prev: Sequence[CheckIn],
    kind: str,
    good: Callable[[CheckIn], bool],
    what: str,
) -> list[GoodThing]:
    """More good days than the week before, or else how many good days there were."""
    now_n = sum(1 for e in this if good(e))
    before = sum(1 for e in prev if good(e))
    if len(this) >= 3 and len(prev) >= 3 and now_n > before:
        return [GoodThing(f"{kind}_up", f"{what}が 前の週より {now_n - before}日 ふえました。")]
    if now_n >= 1:
        return [GoodThing(kind, f"{what}が {now_n}日 ありました。")]
    return []


def _sleep_longer(this: Sequence[CheckIn], prev: Sequence[CheckIn]) -> GoodThing | None:
    a = [e.sleep_hours for e in this if e.sleep_hours is not None]
    b = [e.sleep_hours for e in prev if e.sleep_hours is not None]
    if len(a) < 3 or len(b) < 3:
        return None
    diff = sum(a, Decimal(0)) / len(a) - sum(b, Decimal(0)) / len(b)
    if diff < Decimal("0.5"):
        return None
    hours = diff.quantize(Decimal("0.1")).normalize()
    return GoodThing("sleep_up", f"ねた時間が 前の週より 平均 {hours:f}時間 ながく なりました。")


def _best_weekday(entries: Iterable[CheckIn]) -> str | None:
    """The weekday with the best average mood, when it stands out from the others."""
    moods: dict[int, list[int]] = {}
    for e in entries:
        moods.setdefault(e.local_date.weekday(), []).append(e.mood)
    if sum(len(v) for v in moods.values()) < 8:
        return None
    means = sorted(((sum(v) / len(v), wd) for wd, v in moods.items() if len(v) >= 2), reverse=True)
    if len(means) < 2 or means[0][0] < 3 or means[0][0] - means[1][0] < 0.5:
        return None
    return WEEKDAY_NAMES[means[0][1]]
