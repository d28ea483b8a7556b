"""The client's self-view rules (pure: entries and a date in, pictures and kind words out)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from checkin.models import CheckIn
from checkin.services.selfview import Lead, SelfView, build_selfview, period_start

TODAY = date(2026, 6, 10)  # a Wednesday
START = date(2026, 5, 18)  # Monday, three weeks before this week's Monday

# Words that would turn the page into a report card or a warning.
NEGATIVE = (
    "しか",
    "だけ",
    "なかった",
    "ません",
    "減",
    "へった",
    "悪",
    "わる",
    "少な",
    "すくな",
    "不足",
    "注意",
    "危",
    "リスク",
    "スコア",
    "フラグ",
    "警告",
    "心配",
    "忘れ",
    "さぼ",
    "欠",
)


def entry(
    day: date,
    mood: int = 3,
    fatigue: int = 3,
    sleep: str | None = "6",
    quality: int | None = 3,
    *,
    wants_contact: bool = False,
    note: str | None = None,
) -> CheckIn:
    return CheckIn(
        local_date=day,
        mood=mood,
        fatigue=fatigue,
        sleep_hours=None if sleep is None else Decimal(sleep),
        sleep_quality=quality,
        wants_contact=wants_contact,
        note=note,
    )


def days_back(*backs: int) -> list[date]:
    return [TODAY - timedelta(days=b) for b in backs]


WORKDAYS_LAST_7 = days_back(0, 1, 2, 5, 6)  # Wed, Tue, Mon, Fri, Thu


def kinds(view: SelfView) -> list[str]:
    return [g.kind for g in view.good_things]


def text_of(view: SelfView, kind: str) -> str:
    return next(g.text for g in view.good_things if g.kind == kind)


def test_the_period_is_four_calendar_weeks_ending_this_week() -> None:
    view = build_selfview([], today=TODAY)
    assert period_start(TODAY) == START == view.start
    assert [w.name for w in view.weeks] == ["今週", "先週", "2週 まえ", "3週 まえ"]
    assert [w.start for w in view.weeks] == [START + timedelta(days=7 * i) for i in (3, 2, 1, 0)]
    this_week = view.weeks[0].days
    assert [c.day.weekday() for c in this_week] == list(range(7))
    # Thursday to Sunday of this week have not happened yet.
    assert [c.future for c in this_week] == [False, False, False, True, True, True, True]
    assert this_week[2].label == "6/10(水)"


def test_entries_fill_their_day_and_nothing_outside_the_period_counts() -> None:
    view = build_selfview(
        [
            entry(TODAY, mood=5, fatigue=1, sleep="7.5"),
            entry(START, mood=2),
            entry(START - timedelta(days=1), mood=1),  # before the period
            entry(TODAY + timedelta(days=1), mood=1),  # not possible, but never shown
        ],
        today=TODAY,
    )
    assert view.entries == 2
    cell = view.weeks[0].days[2]
    assert (cell.mood, cell.fatigue, cell.sleep_text, cell.recorded) == (5, 1, "7.5", True)
    assert view.weeks[-1].days[0].mood == 2
    assert not view.weeks[0].days[1].recorded


@pytest.mark.parametrize("n", [0, 1, 2])
def test_little_data_gives_a_gentle_neutral_view(n: int) -> None:
    view = build_selfview([entry(d, mood=5, sleep="8") for d in days_back(0, 1)[:n]], today=TODAY)
    assert view.little_data
    assert view.good_things == ()
    assert view.lead is None


def test_every_expected_day_of_the_week_recorded() -> None:
    view = build_selfview([entry(d) for d in WORKDAYS_LAST_7], today=TODAY)
    assert text_of(view, "week") == "この1週間、記録する日は 5日とも 記録できました。"
    # Five in a row is already said by the week: no separate streak item.
    assert "streak" not in kinds(view)


def test_every_single_day_recorded() -> None:
    view = build_selfview([entry(d) for d in days_back(*range(7))], today=TODAY)
    assert text_of(view, "week") == "この1週間、まいにち 記録できました。"


def test_today_not_yet_recorded_does_not_spoil_the_week() -> None:
    # Opened before checking in today: the other four workdays are all there.
    view = build_selfview([entry(d) for d in days_back(1, 2, 5, 6)], today=TODAY)
    assert text_of(view, "week") == "この1週間、記録する日は 4日とも 記録できました。"


def test_some_days_of_the_week_are_counted_not_missed() -> None:
    view = build_selfview([entry(d) for d in days_back(0, 2, 6)], today=TODAY)
    assert text_of(view, "week") == "この1週間で 3日 記録できました。"


def test_a_streak_skips_days_off_and_starts_yesterday_if_today_is_open() -> None:
    # Every workday from 5/27 (Wed) to yesterday: 5/27-29, 6/1-5, 6/8-9 = 10 days.
    days = [
        d
        for d in (TODAY - timedelta(days=b) for b in range(1, 15))
        if d.weekday() < 5 and d >= date(2026, 5, 27)
    ]
    view = build_selfview([entry(d) for d in days], today=TODAY)
    assert text_of(view, "streak") == "10日 つづけて 記録できています。"
    # A missed workday (Friday 5/29) ends the streak there; it is not mentioned, just not counted.
    view = build_selfview([entry(d) for d in [*days, TODAY] if d != date(2026, 5, 29)], today=TODAY)
    assert text_of(view, "streak") == "8日 つづけて 記録できています。"
    # Someone who checks in every day: the blank Sunday ends it at two days, too short to say.
    view = build_selfview([entry(d) for d in days], today=TODAY, weekdays=frozenset(range(7)))
    assert "streak" not in kinds(view)
    assert text_of(view, "week") == "この1週間で 4日 記録できました。"


def test_a_short_streak_is_said_when_the_week_is_not_complete() -> None:
    view = build_selfview([entry(d) for d in days_back(0, 1, 2, 9, 10)], today=TODAY)
    assert text_of(view, "streak") == "3日 つづけて 記録できています。"


def test_nights_of_seven_hours_or_more() -> None:
    sleeps = ["7", "8.5", "6.5", "7", "5"]
    view = build_selfview(
        [entry(d, sleep=s) for d, s in zip(WORKDAYS_LAST_7, sleeps, strict=True)], today=TODAY
    )
    assert text_of(view, "sleep") == "7時間 いじょう 眠れた日が 3日 ありました。"


def test_longer_sleep_than_the_week_before_when_no_night_reached_seven_hours() -> None:
    this = [entry(d, sleep="6.5") for d in WORKDAYS_LAST_7]
    prev = [entry(d - timedelta(days=7), sleep="5.5") for d in WORKDAYS_LAST_7]
    view = build_selfview(this + prev, today=TODAY)
    assert "sleep" not in kinds(view)
    assert text_of(view, "sleep_up") == "ねた時間が 前の週より 平均 1時間 ながく なりました。"
    # Less sleep than before is simply not mentioned.
    view = build_selfview(
        [entry(d, sleep="5") for d in WORKDAYS_LAST_7]
        + [entry(d - timedelta(days=7), sleep="6.5") for d in WORKDAYS_LAST_7],
        today=TODAY,
    )
    assert not {"sleep", "sleep_up"} & set(kinds(view))


def test_more_good_mood_days_than_the_week_before() -> None:
    this = [entry(d, mood=m) for d, m in zip(WORKDAYS_LAST_7, [4, 5, 4, 3, 3], strict=True)]
    prev = [
        entry(d - timedelta(days=7), mood=m)
        for d, m in zip(WORKDAYS_LAST_7, [4, 3, 3, 3, 3], strict=True)
    ]
    view = build_selfview(this + prev, today=TODAY)
    assert text_of(view, "mood_up") == "気分が「よい」いじょうの日が 前の週より 2日 ふえました。"
    assert "mood" not in kinds(view)


def test_good_mood_days_are_counted_when_there_is_nothing_to_compare() -> None:
    view = build_selfview(
        [entry(d, mood=m) for d, m in zip(WORKDAYS_LAST_7, [4, 3, 3, 3, 5], strict=True)],
        today=TODAY,
    )
    assert text_of(view, "mood") == "気分が「よい」いじょうの日が 2日 ありました。"
    # Fewer good days than the week before: the count, never the drop.
    this = [entry(d, mood=m) for d, m in zip(WORKDAYS_LAST_7, [4, 3, 3, 3, 3], strict=True)]
    prev = [entry(d - timedelta(days=7), mood=5) for d in WORKDAYS_LAST_7]
    view = build_selfview(this + prev, today=TODAY)
    assert text_of(view, "mood") == "気分が「よい」いじょうの日が 1日 ありました。"


def test_lighter_fatigue() -> None:
    this = [entry(d, fatigue=f) for d, f in zip(WORKDAYS_LAST_7, [1, 2, 2, 3, 4], strict=True)]
    prev = [entry(d - timedelta(days=7), fatigue=4) for d in WORKDAYS_LAST_7]
    view = build_selfview(this + prev, today=TODAY)
    assert text_of(view, "fatigue_up") == "つかれが かるい日が 前の週より 3日 ふえました。"
    view = build_selfview(this, today=TODAY)
    assert text_of(view, "fatigue") == "つかれが かるい日が 3日 ありました。"


def test_the_best_day_of_the_week_when_it_stands_out() -> None:
    days = [d for d in (START + timedelta(days=i) for i in range(24)) if d.weekday() < 5]
    view = build_selfview([entry(d, mood=5 if d.weekday() == 4 else 3) for d in days], today=TODAY)
    assert text_of(view, "weekday") == "この4週間で 気分が いちばん よいのは 金曜日 でした。"
    # Every day alike: no "best" day is invented.
    view = build_selfview([entry(d, mood=4) for d in days], today=TODAY)
    assert "weekday" not in kinds(view)


def test_asking_to_talk_is_praised_and_leads_with_the_contact_box() -> None:
    entries = [entry(d) for d in days_back(1, 2, 5)] + [entry(TODAY, mood=2, wants_contact=True)]
    view = build_selfview(entries, today=TODAY)
    assert view.lead == Lead.TALK
    assert kinds(view)[0] == "asked"
    assert "大切" in view.good_things[0].text


def test_words_of_crisis_in_the_note_lead_with_the_contact_box() -> None:
    view = build_selfview([entry(TODAY - timedelta(days=1), note="もう死にたい")], today=TODAY)
    assert view.lead == Lead.TALK


@pytest.mark.parametrize(
    ("latest", "lead"),
    [
        ({"mood": 1}, Lead.HARD),
        ({"mood": 2}, Lead.HARD),
        ({"fatigue": 5}, Lead.HARD),
        ({"quality": 1}, Lead.HARD),
        ({"mood": 3}, None),
        ({"mood": 5, "fatigue": 1}, None),
    ],
)
def test_a_hard_latest_answer_leads_with_help_not_praise(
    latest: dict[str, int], lead: Lead | None
) -> None:
    older = [entry(d, mood=5, sleep="8") for d in days_back(1, 2, 5)]
    view = build_selfview([*older, entry(TODAY, **latest)], today=TODAY)  # type: ignore[arg-type]
    assert view.lead == lead


def test_only_a_recent_answer_decides_the_lead() -> None:
    view = build_selfview(
        [entry(d, mood=1, wants_contact=True) for d in days_back(3, 4)], today=TODAY
    )
    assert view.lead is None
    # Yesterday's hard day counts until today's answer is in.
    view = build_selfview([entry(TODAY - timedelta(days=1), mood=1)], today=TODAY)
    assert view.lead == Lead.HARD
    view = build_selfview(
        [entry(TODAY - timedelta(days=1), mood=1), entry(TODAY, mood=4)], today=TODAY
    )
    assert view.lead is None


def test_a_hard_week_still_finds_something_kind_to_say() -> None:
    view = build_selfview(
        [entry(d, mood=1, fatigue=5, sleep="4", quality=1) for d in WORKDAYS_LAST_7], today=TODAY
    )
    assert "hard_day" in kinds(view)
    assert "つらい日も 記録できました" in text_of(view, "hard_day")
    assert view.lead == Lead.HARD


def test_when_no_rule_fits_the_number_of_days_is_said() -> None:
    # Three ordinary days, all more than a week ago and not in a row.
    view = build_selfview([entry(d) for d in days_back(9, 13, 20)], today=TODAY)
    assert kinds(view) == ["count"]
    assert text_of(view, "count") == "この4週間で 3日 記録しました。つづけて いることが 大切です。"


def test_at_most_five_items() -> None:
    days = [START + timedelta(days=i) for i in range(24)]
    entries = [
        entry(d, mood=5 if d.weekday() == 4 else 4, fatigue=1, sleep="8", wants_contact=d == START)
        for d in days
    ]
    view = build_selfview(entries, today=TODAY)
    assert len(view.good_things) == 5


def random_views(n: int = 400) -> Iterator[tuple[list[CheckIn], SelfView]]:
    """Random four weeks: any answer rate, any answers, workdays or every day."""
    rng = random.Random(5)
    for _ in range(n):
        answer_rate = rng.random()
        entries = [
            entry(
                d,
                mood=rng.randint(1, 5),
                fatigue=rng.randint(1, 5),
                sleep=rng.choice([None, "3", "4.5", "6", "6.5", "7", "8", "10"]),
                quality=rng.choice([None, 1, 2, 3, 4, 5]),
                wants_contact=rng.random() < 0.05,
            )
            for d in (START + timedelta(days=i) for i in range(24))
            if rng.random() < answer_rate
        ]
        weekdays = rng.choice([range(5), range(7)])
        yield entries, build_selfview(entries, today=TODAY, weekdays=weekdays)


def test_nothing_is_ever_phrased_as_a_fault() -> None:
    seen: set[str] = set()
    for entries, view in random_views():
        assert view.little_data == (len(entries) < 3)
        assert view.little_data or view.good_things
        for g in view.good_things:
            seen.add(g.kind)
            assert g.text.endswith("。"), g.text
            assert not [w for w in NEGATIVE if w in g.text], g.text
    # The random weeks exercised every rule.
    assert seen >= {"asked", "week", "streak", "mood", "mood_up", "sleep", "fatigue", "hard_day"}


def test_after_a_hard_day_its_kind_word_comes_first() -> None:
    great = [entry(d, mood=5, fatigue=1, sleep="8") for d in days_back(1, 2, 5, 6, 8, 9)]
    view = build_selfview([*great, entry(TODAY, mood=1)], today=TODAY)
    assert view.lead == Lead.HARD
    assert kinds(view)[0] == "hard_day"
    # The same hard day, followed by a good one: it no longer jumps the queue.
    view = build_selfview(
        [*great[1:], entry(TODAY - timedelta(days=1), mood=1), entry(TODAY, mood=4)],
        today=TODAY,
    )
    assert view.lead is None and kinds(view)[0] != "hard_day"


# The same in English: no report card or warning words, and no Japanese left over.
NEGATIVE_EN = re.compile(
    r"\b(only|just|didn't|not|never|fewer|less|worse|bad|poor|miss\w*|forg[eo]t\w*|fail\w*"
    r"|lack\w*|risk\w*|warn\w*|careful|worr\w*|scores?|flags?|drop\w*|low\w*)\b",
    re.IGNORECASE,
)
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def test_nothing_is_ever_phrased_as_a_fault_in_english(app: Flask) -> None:
    seen: set[str] = set()
    with app.test_request_context(), force_locale("en"):
        for _entries, view in random_views():
            for g in view.good_things:
                seen.add(g.kind)
                assert g.text.endswith("."), g.text
                assert not JAPANESE.search(g.text), g.text
                assert not NEGATIVE_EN.search(g.text), g.text
            for w in view.weeks:
                assert not JAPANESE.search(w.name) and not JAPANESE.search(w.days[0].label)
        assert [w.name for w in view.weeks] == [
            "This week",
            "Last week",
            "2 weeks ago",
            "3 weeks ago",
        ]
        assert view.weekday_names == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert seen >= {"asked", "week", "streak", "mood", "mood_up", "sleep", "fatigue", "hard_day"}
