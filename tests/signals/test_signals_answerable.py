"""Missed entries of new clients: no expected day before the client could answer, a gentle
warm-up while their habit is unknown, and reasons that never quote a habit not shown."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from checkin.signals import compute_flags
from checkin.signals.params import STAGE_PARAMS, UNKNOWN_HABIT_EXTRA

MORNING = date(2026, 3, 4)  # a Wednesday, eight weeks after the conftest START


def weekdays(first: date, last: date) -> list[date]:
    """Monday-Friday days from ``first`` to ``last`` inclusive."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def with_answerable(frame: pd.DataFrame, by_client: dict[int, date | None]) -> pd.DataFrame:
    out = frame.copy()
    out["answerable_from"] = pd.to_datetime(
        [by_client.get(int(c)) for c in out["client_id"]]
    ).astype("datetime64[ns]")
    return out


def missing(flags, cid):
    return [f for f in flags if f.client_id == cid and f.kind == "missing"]


def test_no_expected_day_before_the_client_could_answer(entries, clients, history) -> None:
    # Clients 1-3 never answered; 4-6 answer every weekday (the office's habit is theirs).
    data = pd.concat([history(i, 70, seed=i) for i in (4, 5, 6)])
    cl = clients(*[(i, "adjustment") for i in range(1, 7)])
    # 1: no answerable_from given (the backtest's old contract): counted from the start
    # 2: cannot answer yet (the morning job gives the morning itself)
    # 3: a card 10 days ago, never used
    card = MORNING - timedelta(days=10)
    cl = with_answerable(cl, {1: None, 2: MORNING, 3: card})
    flags = compute_flags(data, cl, MORNING)
    (old,) = missing(flags, 1)
    assert not missing(flags, 2)
    (new,) = missing(flags, 3)
    silent = len(weekdays(card, MORNING - timedelta(days=1)))
    reason = new.reasons[0]
    assert reason.values["expected_days_silent"] == silent
    assert reason.values["answerable_from"] == str(card)
    assert reason.text == (
        f"{card.month}月{card.day}日にカードかLINEで記録できるようになってから、"
        f"記録する予定の日に{silent}日 記録がありません (まだ ふだんの記録の傾向は わかりません)"
    )
    for f in (old, new):  # no office-wide percentage is said to be the client's habit
        assert "%" not in f.reasons[0].text and "usual_answer_rate" not in f.reasons[0].values
        assert f.reasons[0].values["habit_known"] is False
    assert "まだ ふだんの記録の傾向は わかりません" in old.reasons[0].text


def test_warm_up_judges_missed_days_gently_until_the_habit_is_known(
    entries, clients, history
) -> None:
    # Client 1 got a card two weeks ago and answered every weekday since, but has been
    # silent for the last few expected days; client 2 has answered every weekday for
    # two months and is silent for the same days (a known habit).
    stage = "adjustment"
    p = STAGE_PARAMS[stage]
    gentle = p.min_silent + UNKNOWN_HABIT_EXTRA  # the warm-up's shortest flagged silence
    days = weekdays(MORNING - timedelta(days=60), MORNING - timedelta(days=1))
    for silent in (gentle - 1, gentle):
        answered_to = days[-silent - 1]
        card = answered_to - timedelta(days=14)
        data = pd.concat(
            [
                entries(1, weekdays(card, answered_to)),
                entries(2, weekdays(days[0], answered_to)),
                *(history(i, 70, seed=i) for i in (3, 4, 5)),
            ]
        )
        cl = with_answerable(clients(*[(i, stage) for i in range(1, 6)]), {1: card})
        flags = compute_flags(data, cl, MORNING)
        (known,) = missing(flags, 2)
        assert bool(missing(flags, 1)) == (silent >= gentle), silent
        # the known habit is the client's own, in plain numbers
        v = known.reasons[0].values
        e, a = v["habit_expected_days"], v["habit_answered_days"]
        assert v["habit_known"] is True and e == a and e >= 14
        assert f"ふだんは記録する予定の日の100%に記録: {e}日のうち{a}日" in known.reasons[0].text
    (warm,) = missing(flags, 1)
    assert warm.reasons[0].values["habit_known"] is False
    assert "まだ ふだんの記録の傾向は わかりません" in warm.reasons[0].text
    assert "%" not in warm.reasons[0].text


def test_a_known_habit_is_quoted_as_the_clients_own(entries, clients, history) -> None:
    # Client 1 answers Monday to Thursday, never on Fridays (4 of 5 workdays), then stops.
    last = MORNING - timedelta(days=9)
    own = [d for d in weekdays(MORNING - timedelta(days=56), last) if d.weekday() < 4]
    data = pd.concat([entries(1, own), *(history(i, 70, seed=i) for i in (2, 3, 4))])
    flags = compute_flags(data, clients(*[(i, "adjustment") for i in range(1, 5)]), MORNING)
    (flag,) = missing(flags, 1)
    reason = flag.reasons[0]
    expected = len(weekdays(MORNING - timedelta(days=56), last))
    pct = round(100 * len(own) / expected)
    assert reason.values["habit_expected_days"] == expected
    assert reason.values["habit_answered_days"] == len(own)
    assert (
        f"ふだんは記録する予定の日の{pct}%に記録: {expected}日のうち{len(own)}日、"
        f"最後の記録: {last.month}月{last.day}日" in reason.text
    )
