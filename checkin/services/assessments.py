"""Scoring the periodic checks (items in ``assessment_items``): area means, rounds and sides.

An assessment's answers are stored as a JSON body::

    {"answers": {"health.sleep": 3, "health.medical": "na", ...}, "notes": {"health": "..."}}

A rating is 1-4 (4 best); ``"na"`` is 「わからない・あてはまらない」; an item not in
``answers`` was left unanswered. An area's mean is taken over its rated items only: an area
with no rated item has no mean (shown as 「回答なし」, never as 0).

Everything here is pure (bodies in, numbers out) except :func:`load_health_evidence`, the one
query for the daily check-ins that the health area is compared with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client
from checkin.services.assessment_items import (
    CHECKS,
    HEALTH_AREA,
    NOT_KNOWN,
    SCALE,
    Area,
    Check,
)
from checkin.services.errors import ValidationError, _l
from checkin.services.expected import load_expected

NOTE_MAX_CHARS = 1000
SIDES = ("staff", "client", "employer")
SIDE_LABELS = {
    "staff": _l("支援員"),
    "client": _l("本人"),
    "employer": _l("職場"),
}
# A difference of this many scale steps between two sides on one item is worth talking about.
BIG_GAP = 2
# The daily check-ins compared with the health area: the 2 weeks up to the assessment
# (how the client is now; a month back dilutes a recent run of short nights).
EVIDENCE_DAYS = 14
SHORT_NIGHT = Decimal(6)  # hours
MIN_NIGHTS = 5  # fewer recorded nights say too little
TIRED = 4  # fatigue 4-5 of 5


Answer = int | str  # 1..4 or NOT_KNOWN


def answers_of(body: Mapping[str, Any] | None) -> dict[str, Answer]:
    """The valid answers of a stored body (anything else in it is ignored)."""
    raw = (body or {}).get("answers") or {}
    out: dict[str, Answer] = {}
    for key, value in raw.items():
        if value == NOT_KNOWN or (isinstance(value, int) and value in SCALE):
            out[str(key)] = value
    return out


def notes_of(body: Mapping[str, Any] | None) -> dict[str, str]:
    raw = (body or {}).get("notes") or {}
    return {str(k): str(v) for k, v in raw.items() if v}


def parse_form(check: Check, form: Mapping[str, str]) -> dict[str, Any]:
    """A body from a form: fields ``a-<item key>`` (``1``-``4``, ``na`` or empty: not
    answered) and ``note-<area key>``. Any other value is a :class:`ValidationError`
    naming the item; nothing is kept then."""
    answers: dict[str, Answer] = {}
    notes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for area in check.areas:
        for item in area.items:
            raw = (form.get(f"a-{item.key}") or "").strip()
            if not raw:
                continue
            if raw == NOT_KNOWN:
                answers[item.key] = NOT_KNOWN
            elif raw.isascii() and raw.isdigit() and int(raw) in SCALE:
                answers[item.key] = int(raw)
            else:
                errors[f"a-{item.key}"] = _l(
                    "「%(item)s」の答えが選べる値ではありません。", item=item.staff
                )
        note = (form.get(f"note-{area.key}") or "").strip()
        if len(note) > NOTE_MAX_CHARS:
            errors[f"note-{area.key}"] = _l(
                "「%(area)s」のメモは%(n)d文字までにしてください。",
                area=area.title,
                n=NOTE_MAX_CHARS,
            )
        elif "\x00" in note:
            errors[f"note-{area.key}"] = _l("使えない文字 (NUL) が入っています。")
        elif note:
            notes[area.key] = note
    if errors:
        raise ValidationError(errors)
    return {"answers": answers, "notes": notes}


@dataclass(frozen=True)
class AreaScore:
    area: Area
    mean: float | None  # None: no rated item (「回答なし」)
    rated: int
    not_known: int  # 「わからない」 answers
    unanswered: int

    @property
    def total(self) -> int:
        return len(self.area.items)

    @property
    def text(self) -> str:
        """2.5 / 「回答なし」."""
        return _l("回答なし") if self.mean is None else f"{self.mean:.1f}"


def area_scores(check: Check, body: Mapping[str, Any] | None) -> list[AreaScore]:
    answers = answers_of(body)
    out = []
    for area in check.areas:
        values = [answers.get(i.key) for i in area.items]
        rated = [v for v in values if isinstance(v, int)]
        out.append(
            AreaScore(
                area=area,
                mean=sum(rated) / len(rated) if rated else None,
                rated=len(rated),
                not_known=sum(1 for v in values if v == NOT_KNOWN),
                unanswered=sum(1 for v in values if v is None),
            )
        )
    return out


def means(check: Check, body: Mapping[str, Any] | None) -> list[float | None]:
    return [s.mean for s in area_scores(check, body)]


@dataclass(frozen=True)
class AreaChange:
    area: Area
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def changes(
    check: Check, previous: Mapping[str, Any] | None, current: Mapping[str, Any] | None
) -> list[AreaChange]:
    """Each area's mean then and now; the areas that fell most first (then the rest in
    the check's order)."""
    before = means(check, previous)
    after = means(check, current)
    rows = [AreaChange(a, b, c) for a, b, c in zip(check.areas, before, after, strict=True)]
    return sorted(rows, key=lambda r: r.delta if r.delta is not None and r.delta < 0 else 0)


@dataclass(frozen=True)
class ItemGap:
    area: Area
    key: str
    text: str
    values: dict[str, Answer | None]  # side -> answer (None: not answered)

    @property
    def spread(self) -> int:
        rated = [v for v in self.values.values() if isinstance(v, int)]
        return max(rated) - min(rated) if len(rated) >= 2 else 0

    @property
    def big(self) -> bool:
        return self.spread >= BIG_GAP


@dataclass(frozen=True)
class SideBySide:
    check: Check
    sides: tuple[str, ...]  # the sides that answered, in SIDES order
    scores: dict[str, list[AreaScore]]
    gaps: list[ItemGap] = field(default_factory=list)  # biggest disagreement first

    def area_spread(self, index: int) -> float | None:
        values = [self.scores[s][index].mean for s in self.sides]
        rated = [v for v in values if v is not None]
        return max(rated) - min(rated) if len(rated) >= 2 else None


def side_by_side(check: Check, bodies: Mapping[str, Mapping[str, Any] | None]) -> SideBySide:
    """The sides' answers next to each other; ``gaps`` lists every item that two sides
    rated differently, the biggest difference first (the check's order among equals)."""
    sides = tuple(s for s in SIDES if bodies.get(s) is not None)
    answers = {s: answers_of(bodies[s]) for s in sides}
    gaps = []
    for area in check.areas:
        for item in area.items:
            gap = ItemGap(area, item.key, item.staff, {s: answers[s].get(item.key) for s in sides})
            if gap.spread > 0:
                gaps.append(gap)
    gaps.sort(key=lambda g: -g.spread)  # stable: the check's order among equal spreads
    scores = {s: area_scores(check, bodies[s]) for s in sides}
    return SideBySide(check, sides, scores, gaps)


@dataclass(frozen=True)
class HealthEvidence:
    """The daily check-ins of the weeks before an assessment, counted."""

    start: date
    end: date
    expected: int  # check-in days expected (services/expected.py)
    answered: int
    nights: int  # answers with sleep hours
    short_nights: int  # under SHORT_NIGHT hours
    mean_sleep: Decimal | None
    tired_days: int  # fatigue 4 or 5
    poor_sleep_days: int  # sleep quality 1 or 2


def load_health_evidence(session: Session, client: Client, day: date) -> HealthEvidence:
    """The check-ins of the EVIDENCE_DAYS up to ``day`` (two queries)."""
    start = day - timedelta(days=EVIDENCE_DAYS - 1)
    rows = list(
        session.scalars(
            select(CheckIn).where(
                CheckIn.client_id == client.id,
                CheckIn.local_date >= start,
                CheckIn.local_date <= day,
            )
        )
    )
    expected = load_expected(session, client, start, day, day)
    return count_health(rows, start=start, end=day, expected=expected)


def count_health(
    rows: Sequence[CheckIn], *, start: date, end: date, expected: Any
) -> HealthEvidence:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    hours = [r.sleep_hours for r in rows if r.sleep_hours is not None]
    return HealthEvidence(
        start=start,
        end=end,
        expected=sum(1 for d in days if d in expected),
        answered=len(rows),
        nights=len(hours),
        short_nights=sum(1 for h in hours if h < SHORT_NIGHT),
        mean_sleep=(sum(hours, Decimal(0)) / len(hours)).quantize(Decimal("0.1"))
        if hours
        else None,
        tired_days=sum(1 for r in rows if r.fatigue >= TIRED),
        poor_sleep_days=sum(
            1 for r in rows if r.sleep_quality is not None and r.sleep_quality <= 2
        ),
    )


@dataclass(frozen=True)
class HealthMismatch:
    item: str  # the item key
    rating: int
    text: str  # with the numbers


def health_mismatches(body: Mapping[str, Any] | None, ev: HealthEvidence) -> list[HealthMismatch]:
    """Where the health items say one thing and the daily check-ins another.

    "Sleeps well" (3-4) while at least a third of the recorded nights were short, or the
    mean is short; "sleeps badly" (1-2) while no night was short and sleep was rarely poor;
    "fatigue recovers" (3-4) while at least a third of the answers were very tired. Fewer
    than MIN_NIGHTS answers say too little: nothing is pointed out then.
    """
    answers = answers_of(body)
    out = []
    sleep = answers.get("health.sleep")
    if isinstance(sleep, int) and ev.nights >= MIN_NIGHTS and ev.mean_sleep is not None:
        short = ev.short_nights * 3 >= ev.nights or ev.mean_sleep < SHORT_NIGHT
        if sleep >= 3 and short:
            out.append(
                HealthMismatch(
                    "health.sleep",
                    sleep,
                    _l(
                        "睡眠は「安定」と答えていますが、日々の記録では%(nights)d晩のうち"
                        "%(short)d晩が%(limit)d時間未満でした (平均%(mean)s時間)。",
                        nights=ev.nights,
                        short=ev.short_nights,
                        limit=int(SHORT_NIGHT),
                        mean=f"{ev.mean_sleep:f}",
                    ),
                )
            )
        elif sleep <= 2 and ev.short_nights == 0 and ev.poor_sleep_days * 3 < ev.nights:
            out.append(
                HealthMismatch(
                    "health.sleep",
                    sleep,
                    _l(
                        "睡眠は「安定していない」と答えていますが、日々の記録では%(nights)d晩とも"
                        "%(limit)d時間以上でした (平均%(mean)s時間)。",
                        nights=ev.nights,
                        limit=int(SHORT_NIGHT),
                        mean=f"{ev.mean_sleep:f}",
                    ),
                )
            )
    recovery = answers.get("health.recovery")
    tired = ev.answered >= MIN_NIGHTS and ev.tired_days * 3 >= ev.answered
    if isinstance(recovery, int) and recovery >= 3 and tired:
        out.append(
            HealthMismatch(
                "health.recovery",
                recovery,
                _l(
                    "疲れは「回復している」と答えていますが、日々の記録では%(answered)d日のうち"
                    "%(tired)d日が強い疲れでした。",
                    answered=ev.answered,
                    tired=ev.tired_days,
                ),
            )
        )
    return out


@dataclass(frozen=True)
class Trend:
    area: Area
    values: list[float | None]  # one per round, oldest first


def trends(check: Check, bodies: Sequence[Mapping[str, Any] | None]) -> list[Trend]:
    per_round = [means(check, b) for b in bodies]
    return [Trend(a, [r[i] for r in per_round]) for i, a in enumerate(check.areas)]


def check_for(kind: str) -> Check:
    return CHECKS[kind]


__all__ = [
    "HEALTH_AREA",
    "AreaChange",
    "AreaScore",
    "HealthEvidence",
    "HealthMismatch",
    "ItemGap",
    "SideBySide",
    "Trend",
    "answers_of",
    "area_scores",
    "changes",
    "check_for",
    "count_health",
    "health_mismatches",
    "load_health_evidence",
    "means",
    "notes_of",
    "parse_form",
    "side_by_side",
    "trends",
]


# --- The schedule: when a round of checks is due -------------------------------------------

SERVICE_YEARS = 3  # 就労定着支援 lasts at most three years
START_WINDOW = timedelta(days=30)  # the first round: within a month of the service start
BEFORE_WINDOW = timedelta(days=30)  # a plan review's round: in the month before it
END_WINDOW = timedelta(days=60)  # the last round: in the two months before the end
DUE_SOON = timedelta(days=14)
REASONS = {
    "start": _l("利用開始時"),
    "review": _l("計画の見直し"),
    "end": _l("終了前"),
}


@dataclass(frozen=True)
class DuePoint:
    reason: str  # start, review, end
    opens: date
    due: date
    done_on: date | None  # the round that counts for it

    @property
    def reason_text(self) -> str:
        return REASONS[self.reason]

    def state(self, today: date) -> str:
        """done, overdue, due (open now or within DUE_SOON), later."""
        if self.done_on is not None:
            return "done"
        if today > self.due:
            return "overdue"
        if today >= self.opens or self.opens - today <= DUE_SOON:
            return "due"
        return "later"


def service_end(start: date, end: date | None) -> date:
    if end is not None:
        return end
    try:
        return start.replace(year=start.year + SERVICE_YEARS) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + SERVICE_YEARS, day=28)


def schedule(
    start: date, end: date | None, reviews: Sequence[date], rounds: Sequence[date]
) -> list[DuePoint]:
    """The due points of one check: at the service start, before each plan review and
    before the end (``end`` None: three years after the start). A round (the date of a
    supporter's assessment) counts for the first point not yet done whose window has
    opened, also when it comes late - as long as the next point's window is not open yet."""
    last = service_end(start, end)
    points = [("start", start, start + START_WINDOW)]
    points += [("review", r - BEFORE_WINDOW, r) for r in sorted(set(reviews)) if start < r < last]
    points.append(("end", last - END_WINDOW, last))
    left = sorted(set(rounds))
    out = []
    for i, (reason, opens, due) in enumerate(points):
        following = points[i + 1][1] if i + 1 < len(points) else None
        found = next(
            (d for d in left if opens <= d and (d <= due or following is None or d < following)),
            None,
        )
        if found is not None:
            left.remove(found)
        out.append(DuePoint(reason, opens, due, found))
    return out


def next_due(points: Sequence[DuePoint], today: date) -> DuePoint | None:
    """The point to show: the first one not done (overdue or coming). A point before a
    done one, or whose next point has already opened, is passed over (the next round
    covers it)."""
    pending = [
        p
        for p in points
        if p.done_on is None and not any(q.done_on and q.due > p.due for q in points)
    ]
    for i, p in enumerate(pending):
        following = pending[i + 1] if i + 1 < len(pending) else None
        if following is not None and today >= following.opens:
            continue
        return p
    return None
