"""The periodic checks: item lists, scoring, sides, rounds, the health area against the
check-ins, and the radar charts (pure functions; the pages are tested in
test_assessment_pages.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from checkin.models import Channel, CheckIn
from checkin.services import assessments as a
from checkin.services.assessment_items import CHECKS, NATURAL, NOT_KNOWN, STABILITY
from checkin.services.errors import ValidationError
from checkin.services.radar import Series, radar_svg, trend_svg


def test_the_two_checks_have_the_manuals_shape() -> None:
    assert len(STABILITY.areas) == 6 and len(STABILITY.items) == 27
    assert [len(x.items) for x in STABILITY.areas] == [9, 4, 4, 3, 5, 2]
    assert len(NATURAL.areas) == 7 and len(NATURAL.items) == 18
    keys = [i.key for c in CHECKS.values() for i in c.items]
    assert len(keys) == len(set(keys))
    # Every stability item has plain words for the client; the natural check is staff-only.
    assert all(i.client for i in STABILITY.items)
    assert all(i.client is None for i in NATURAL.items)
    assert all(x.client_title for x in STABILITY.areas)


def test_partial_answers_and_dont_know_are_kept_apart() -> None:
    body = a.parse_form(
        STABILITY,
        {
            "a-health.sleep": "4",
            "a-health.medical": "na",
            "a-health.appetite": "2",
            "a-outlook.family": "",
            "note-health": "  通院は月1回  ",
        },
    )
    assert body == {
        "answers": {"health.sleep": 4, "health.medical": NOT_KNOWN, "health.appetite": 2},
        "notes": {"health": "通院は月1回"},
    }
    scores = {s.area.key: s for s in a.area_scores(STABILITY, body)}
    health = scores["health"]
    # "don't know" is not a rating: the mean is over 4 and 2 only
    assert health.mean == 3.0
    assert (health.rated, health.not_known, health.unanswered, health.total) == (2, 1, 1, 4)
    # an area nobody rated has no mean, and says so
    outlook = scores["outlook"]
    assert outlook.mean is None
    assert str(outlook.text) == "回答なし"


def test_an_area_of_only_dont_know_has_no_mean() -> None:
    body = {"answers": {"support.accommodation": "na", "support.understanding": "na"}}
    support = a.area_scores(STABILITY, body)[-1]
    assert support.mean is None and support.not_known == 2


@pytest.mark.parametrize("bad", ["5", "0", "-1", "3.5", "abc", "４", "²"])
def test_bad_values_are_refused_by_item(bad: str) -> None:
    with pytest.raises(ValidationError) as e:
        a.parse_form(NATURAL, {"a-safety.talk": bad, "a-safety.goals": "3"})
    assert list(e.value.errors) == ["a-safety.talk"]
    assert "本人が、悩みや不安" in str(e.value.errors["a-safety.talk"])


def test_an_overlong_note_is_refused() -> None:
    with pytest.raises(ValidationError) as e:
        a.parse_form(NATURAL, {"note-team": "あ" * (a.NOTE_MAX_CHARS + 1)})
    assert "note-team" in e.value.errors


def test_stored_bodies_are_read_defensively() -> None:
    body = {"answers": {"health.sleep": 9, "health.medical": "x", "health.appetite": 3}}
    assert a.answers_of(body) == {"health.appetite": 3}
    assert a.answers_of(None) == {}


def _all(check, value):  # type: ignore[no-untyped-def]
    return {"answers": {i.key: value for i in check.items}}


def test_sides_biggest_disagreement_first() -> None:
    client = _all(STABILITY, 4)
    employer = _all(STABILITY, 4)
    staff = _all(STABILITY, 3)
    employer["answers"]["evaluation.motivation"] = 1  # client 4, employer 1: gap 3
    employer["answers"]["conduct.hours"] = 2  # gap 2
    client["answers"]["health.sleep"] = NOT_KNOWN  # staff 3, employer 4: gap 1
    view = a.side_by_side(STABILITY, {"staff": staff, "client": client, "employer": employer})
    assert view.sides == ("staff", "client", "employer")
    first, second = view.gaps[:2]
    assert (first.key, first.spread, first.big) == ("evaluation.motivation", 3, True)
    assert (second.key, second.spread) == ("conduct.hours", 2)
    assert first.values == {"staff": 3, "client": 4, "employer": 1}
    assert all(g.spread <= 1 for g in view.gaps[2:])
    # the evaluation area: staff 3, client 4, employer (4*4+1)/5 = 3.4
    i = [x.key for x in STABILITY.areas].index("evaluation")
    assert view.area_spread(i) == pytest.approx(1.0)


def test_a_missing_side_is_left_out() -> None:
    view = a.side_by_side(NATURAL, {"staff": _all(NATURAL, 3), "employer": None})
    assert view.sides == ("staff",) and view.gaps == []
    assert view.area_spread(0) is None


def test_changes_since_the_previous_round() -> None:
    before = _all(STABILITY, 3)
    after = _all(STABILITY, 3)
    for i in STABILITY.area("health").items:
        after["answers"][i.key] = 1
    del after["answers"]["support.accommodation"]
    after["answers"]["support.understanding"] = NOT_KNOWN
    rows = a.changes(STABILITY, before, after)
    assert rows[0].area.key == "health" and rows[0].delta == -2
    support = next(r for r in rows if r.area.key == "support")
    assert support.before == 3 and support.after is None and support.delta is None
    first = a.changes(STABILITY, None, after)
    assert all(r.before is None for r in first)


def test_trends_per_area() -> None:
    rounds = [_all(NATURAL, 2), {"answers": {}}, _all(NATURAL, 4)]
    t = a.trends(NATURAL, rounds)
    assert len(t) == 7 and t[0].values == [2.0, None, 4.0]


def _checkins(hours: list[str], fatigue: int = 2) -> list[CheckIn]:
    start = date(2026, 6, 1)
    return [
        CheckIn(
            local_date=start + timedelta(days=i),
            mood=3,
            fatigue=fatigue,
            sleep_hours=Decimal(h),
            sleep_quality=3,
            channel=Channel.WEB,
        )
        for i, h in enumerate(hours)
    ]


def test_sleep_said_fine_while_nights_are_short() -> None:
    rows = _checkins(["5", "5.5", "7", "4.5", "7", "7.5", "5"])
    ev = a.count_health(rows, start=date(2026, 6, 1), end=date(2026, 6, 7), expected=_Every())
    assert (ev.expected, ev.answered, ev.nights, ev.short_nights) == (7, 7, 7, 4)
    assert ev.mean_sleep == Decimal("5.9")
    found = a.health_mismatches({"answers": {"health.sleep": 4}}, ev)
    assert [m.item for m in found] == ["health.sleep"]
    text = str(found[0].text)
    assert "7晩のうち4晩が6時間未満" in text and "平均5.9時間" in text
    # "sleep is not stable" agrees with short nights: nothing to point out
    assert a.health_mismatches({"answers": {"health.sleep": 1}}, ev) == []


def test_too_few_nights_say_nothing() -> None:
    rows = _checkins(["4", "4"])
    ev = a.count_health(rows, start=date(2026, 6, 1), end=date(2026, 6, 7), expected=_Every())
    assert a.health_mismatches({"answers": {"health.sleep": 4}}, ev) == []


def test_fatigue_said_to_recover_while_tired() -> None:
    rows = _checkins(["7"] * 6, fatigue=5)
    ev = a.count_health(rows, start=date(2026, 6, 1), end=date(2026, 6, 7), expected=_Every())
    found = a.health_mismatches({"answers": {"health.recovery": 3, "health.sleep": 4}}, ev)
    assert [m.item for m in found] == ["health.recovery"]
    assert "6日のうち6日" in str(found[0].text)


class _Every:
    def __contains__(self, day: object) -> bool:
        return True


def test_radar_series_differ_without_colour() -> None:
    svg = str(
        radar_svg(
            ["体調", "満足", "<b>"],
            [Series("前回", [3, 2, None]), Series("今回", [4, 3, 2]), Series("職場", [1, 1, 1])],
        )
    )
    dashes = re.findall(r'stroke-dasharray="([^"]+)"', svg)
    assert "7 4" in dashes and "2 3" in dashes
    assert "<circle" in svg and "<rect" in svg and "<polygon points" in svg
    assert "&lt;b&gt;" in svg and "<b>" not in svg  # labels are escaped
    assert 'aria-hidden="true"' in svg
    # the missing value has no marker: 2 circles (前回) + legend circle
    assert svg.count('r="4" fill="#fff"') == 3


def test_trend_skips_missing_rounds() -> None:
    svg = str(trend_svg([2.0, None, 4.0]))
    assert svg.count("<circle") == 2


def test_schedule_start_reviews_and_end() -> None:
    start = date(2026, 1, 5)
    points = a.schedule(start, None, [date(2026, 7, 1), date(2025, 1, 1)], [date(2026, 1, 20)])
    assert [(p.reason, p.due) for p in points] == [
        ("start", date(2026, 2, 4)),
        ("review", date(2026, 7, 1)),
        ("end", date(2029, 1, 4)),  # three years when no end is set
    ]
    assert points[0].done_on == date(2026, 1, 20)
    assert points[0].state(date(2026, 3, 1)) == "done"
    review = points[1]
    assert review.state(date(2026, 5, 1)) == "later"
    assert review.state(date(2026, 6, 20)) == "due"
    assert review.state(date(2026, 7, 2)) == "overdue"
    assert a.next_due(points, date(2026, 7, 2)) is review
    # once the end round's window opens, a missed review is passed over
    assert a.next_due(points, date(2028, 12, 1)) is points[2]


def test_a_late_round_counts_a_round_before_the_start_does_not() -> None:
    points = a.schedule(date(2026, 1, 5), date(2026, 12, 31), [], [date(2025, 12, 1)])
    assert all(p.done_on is None for p in points)
    assert a.next_due(points, date(2026, 3, 1)).reason == "start"  # type: ignore[union-attr]
    late = a.schedule(date(2026, 1, 5), date(2026, 12, 31), [], [date(2026, 5, 1)])
    assert late[0].done_on == date(2026, 5, 1)  # the start round, done late
    assert a.next_due(late, date(2026, 6, 1)).reason == "end"  # type: ignore[union-attr]
