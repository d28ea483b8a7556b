"""Behaviours of the rule engine that supporters rely on."""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from checkin.signals import compute_flags, compute_mornings
from checkin.signals.engine import detect
from checkin.signals.synthetic import generate_office


def _slide(entries, client_id, first_day, n_days, seed=7):
    """Workday answers sliding from the usual (mood 4) to a peak over ``n_days`` days."""
    rng = np.random.default_rng(seed)
    days = [first_day + timedelta(days=i) for i in range(n_days)]
    frac = np.array([(i + 1) / n_days for i in range(n_days)])
    keep = np.array([d.weekday() < 5 for d in days])
    days = [d for d, k in zip(days, keep, strict=True) if k]
    frac = frac[keep]
    noise = rng.normal(0, 0.4, len(days))
    return entries(
        client_id,
        days,
        mood=np.clip(np.rint(4 - 2.2 * frac + noise), 1, 5),
        fatigue=np.clip(np.rint(2 + 2.2 * frac - noise), 1, 5),
        sleep_hours=np.round(7 - 1.8 * frac, 1),
        sleep_quality=np.clip(np.rint(4 - 1.8 * frac), 1, 5),
    )


def _first_flag(flags_by_morning, client_id, kind):
    for m in sorted(flags_by_morning):
        if any(f.client_id == client_id and f.kind == kind for f in flags_by_morning[m]):
            return m
    return None


def test_slow_slide_is_flagged_before_its_peak_and_not_before_onset(
    entries, clients, history, start
):
    onset = start + timedelta(days=56)
    peak = onset + timedelta(days=20)
    ent = pd.concat([history(1, 56, seed=1), _slide(entries, 1, onset, 21)])
    cl = clients((1, "adjustment"))
    mornings = [start + timedelta(days=i) for i in range(42, 78)]
    flags = compute_mornings(ent, cl, mornings)
    first = _first_flag(flags, 1, "trend")
    assert first is not None
    assert onset < first <= peak
    assert (first - onset).days <= 10


def test_a_single_bad_monday_is_not_an_alarm_but_three_bad_days_are(
    entries, clients, history, start
):
    monday = start + timedelta(days=56)
    assert monday.weekday() == 0
    base = history(1, 70, seed=2)
    normal = base[base["date"] != pd.Timestamp(monday)]
    bad = entries(1, [monday], mood=1, fatigue=5, sleep_hours=4.0, sleep_quality=1)
    cl = clients((1, "exploration"))  # the most sensitive stage
    mornings = [monday + timedelta(days=i) for i in range(1, 10)]
    one_bad = compute_mornings(pd.concat([normal, bad]), cl, mornings)
    assert _first_flag(one_bad, 1, "trend") is None

    days3 = [monday + timedelta(days=i) for i in range(3)]
    normal3 = base[~base["date"].isin(pd.to_datetime(days3))]
    three = entries(1, days3, mood=1, fatigue=5, sleep_hours=4.0, sleep_quality=1)
    three_bad = compute_mornings(pd.concat([normal3, three]), cl, mornings)
    assert _first_flag(three_bad, 1, "trend") is not None


def test_three_days_a_week_answerer_is_not_missing_on_the_fourth(entries, clients, start):
    # Works Monday-Friday but answers Monday, Wednesday and Friday only, for 12 weeks.
    days = [start + timedelta(days=i) for i in range(84)]
    mwf = [d for d in days if d.weekday() in (0, 2, 4)]
    regular = [d for d in days if d.weekday() < 5]
    ent = pd.concat([entries(1, mwf), entries(2, regular)])
    cl = clients((1, "exploration"), (2, "exploration"))
    mornings = [start + timedelta(days=i) for i in range(56, 85)]
    flags = compute_mornings(ent, cl, mornings)
    assert _first_flag(flags, 1, "missing") is None
    # The same two-day gaps from a regular answerer would be judged differently: its
    # silence from Tuesday to Thursday is flagged.
    gap = [d for d in regular if not (d >= start + timedelta(days=71) and d.weekday() in (1, 2, 3))]
    ent2 = entries(2, gap)
    flags2 = compute_mornings(ent2, clients((2, "exploration")), mornings)
    assert _first_flag(flags2, 2, "missing") is not None


def test_regular_answerer_going_silent_is_flagged_within_three_expected_days(
    entries, clients, history, start
):
    last = start + timedelta(days=53)  # a Friday; silent from Monday on
    assert last.weekday() == 4
    ent = pd.concat([history(1, 54, seed=3), history(2, 70, seed=4), history(3, 70, seed=5)])
    cl = clients((1, "adjustment"), (2, "adjustment"), (3, "adjustment"))
    mornings = [last + timedelta(days=i) for i in range(1, 12)]
    flags = compute_mornings(ent, cl, mornings)
    first = _first_flag(flags, 1, "missing")
    assert first is not None
    expected_days_silent = sum(
        1 for i in range((first - last).days - 1) if (last + timedelta(days=i + 1)).weekday() < 5
    )
    assert expected_days_silent <= 3
    # Weekends are not expected days: no flag on Saturday, Sunday or Monday morning.
    assert first > last + timedelta(days=3)
    reason = next(f for f in flags[first] if f.client_id == 1).reasons[0]
    assert f"{expected_days_silent}日" in reason.text
    assert reason.values["expected_days_silent"] == expected_days_silent


def test_exploration_stage_is_more_sensitive_than_self_driving(entries, clients, history, start):
    # The same mild, sustained dip (mood 4 -> 3, a little more tired) for two clients.
    onset = start + timedelta(days=56)
    days = [
        onset + timedelta(days=i) for i in range(14) if (onset + timedelta(days=i)).weekday() < 5
    ]
    dip = entries(
        1, days, mood=[3, 4, 3, 3, 4, 3, 3, 4, 3, 3], fatigue=[3, 2, 3, 2, 3, 3, 2, 3, 3, 3]
    )
    ent = pd.concat(
        [
            history(1, 56, seed=1),
            dip,
            history(1, 56, seed=1).assign(client_id=2),
            dip.assign(client_id=2),
        ]
    )
    cl = clients((1, "exploration"), (2, "self_driving"))
    mornings = [onset + timedelta(days=i) for i in range(1, 15)]
    flags = compute_mornings(ent, cl, mornings)

    def flagged(cid):
        return [m for m in mornings if any(f.client_id == cid for f in flags[m])]

    assert flagged(1), "exploration should notice a sustained one-point dip"
    assert len(flagged(1)) > len(flagged(2))
    assert not flagged(2) or flagged(1)[0] <= flagged(2)[0]


def test_reasons_carry_the_numbers(entries, clients, history, start):
    onset = start + timedelta(days=56)
    ent = pd.concat([history(1, 56, seed=1), _slide(entries, 1, onset, 21)])
    flags = compute_flags(ent, clients((1, "adjustment")), onset + timedelta(days=21))
    trend = [f for f in flags if f.kind == "trend"]
    assert len(trend) == 1
    f = trend[0]
    assert f.severity in ("high", "watch") and f.score > 0 and f.model_version
    codes = {r.code for r in f.reasons}
    assert "trend_accumulated" in codes and "mood_worse_than_usual" in codes
    mood = next(r for r in f.reasons if r.code == "mood_worse_than_usual")
    m = re.search(r"ふだん(\d\.\d)→最近の平均(\d\.\d)", mood.text)
    assert m is not None
    assert float(m.group(1)) == round(mood.values["usual"], 1)
    assert float(m.group(2)) < float(m.group(1)) - 0.5
    assert all(re.search(r"\d", r.text) for r in f.reasons)


def test_only_entries_before_today_are_used(entries, clients, history, start):
    today = start + timedelta(days=60)
    ent = history(1, 60, seed=9)
    future = entries(
        1,
        [today + timedelta(days=i) for i in range(5)],
        mood=1,
        fatigue=5,
        wants_contact=True,
        note="死にたい",
    )
    cl = clients((1, "exploration"))
    assert compute_flags(pd.concat([ent, future]), cl, today) == compute_flags(ent, cl, today)
    # ... and the same entries do count the next morning.
    later = compute_flags(pd.concat([ent, future]), cl, today + timedelta(days=1))
    assert {f.kind for f in later} >= {"contact", "crisis"}


def test_hard_triggers_are_urgent_and_raised_for_yesterday_only(entries, clients, history, start):
    yesterday = start + timedelta(days=59)
    ent = pd.concat(
        [
            history(1, 59, seed=1),
            entries(1, [yesterday], wants_contact=True),
            history(2, 59, seed=2),
            entries(2, [yesterday], note="もう消えたいと思った"),
            history(3, 58, seed=3),
            entries(3, [yesterday - timedelta(days=1)], wants_contact=True),
        ]
    )
    cl = clients((1, "self_driving"), (2, "self_driving"), (3, "self_driving"))
    flags = compute_flags(ent, cl, yesterday + timedelta(days=1))
    urgent = {(f.client_id, f.kind) for f in flags if f.severity == "urgent"}
    assert urgent == {(1, "contact"), (2, "crisis")}
    assert flags[0].severity == "urgent"  # most urgent first


def test_new_client_falls_back_to_the_office_usual(entries, clients, history, start):
    ent = pd.concat(
        [history(i, 70, seed=i) for i in range(1, 6)]
        + [entries(9, [start + timedelta(days=20 + i) for i in range(3)], mood=2)]
    )
    cl = clients(*[(i, "adjustment") for i in (1, 2, 3, 4, 5, 9)])
    det = detect(ent, cl, [start + timedelta(days=50)])
    usual = dict(zip(det["client_id"], det["mood_usual"], strict=True))
    n_usual = dict(zip(det["client_id"], det["mood_n_usual"], strict=True))
    office = float(np.median([usual[i] for i in (1, 2, 3, 4, 5)]))
    assert 2.0 < usual[9] < office
    assert n_usual[9] == 3


def test_no_flags_outside_the_active_period(entries, clients, start):
    ent = entries(1, [start + timedelta(days=i) for i in range(10)], wants_contact=True)
    cl = clients((1, "exploration"))
    cl["active_to"] = pd.Timestamp(start + timedelta(days=3))
    assert compute_flags(ent, cl, start + timedelta(days=8)) == []
    assert compute_flags(ent, cl, start + timedelta(days=3))  # still active that morning


def test_all_mornings_in_one_pass_equal_the_per_morning_function(monkeypatch):
    office = generate_office(n_clients=40, days=150, seed=11)
    rng = np.random.default_rng(0)
    base = date(2025, 4, 1)
    mornings = sorted(base + timedelta(days=int(d)) for d in rng.choice(150, 15, replace=False))
    mornings.append(base + timedelta(days=149))
    ent = office.entries.copy()
    ent.loc[ent.sample(20, random_state=1).index, "wants_contact"] = True
    all_at_once = compute_mornings(ent, office.clients, mornings)
    assert sum(len(v) for v in all_at_once.values()) > 20  # a meaningful comparison
    for m in mornings:
        assert all_at_once[m] == compute_flags(ent, office.clients, m), m
    # ... also when memory bounds split the mornings into several passes
    from checkin.signals import engine

    monkeypatch.setattr(engine, "CELLS_PER_PASS", 40 * engine.LOOKBACK_DAYS * 3)
    assert compute_mornings(ent, office.clients, mornings) == all_at_once


def test_a_morning_with_a_time_of_day_is_the_same_morning(entries, clients, history, start):
    from datetime import datetime

    today = start + timedelta(days=60)
    ent = pd.concat(
        [history(1, 60, seed=4), entries(1, [today - timedelta(days=1)], wants_contact=True)]
    )
    cl = clients((1, "adjustment"))
    at_nine = datetime(today.year, today.month, today.day, 9, 30)
    assert compute_flags(ent, cl, at_nine) == compute_flags(ent, cl, today)
    assert any(f.kind == "contact" for f in compute_flags(ent, cl, at_nine))


def _stable(entries, client_id, first_day, n_days, seed, **override):
    """Workday answers around mood 4 / fatigue 2 / sleep 7 h, with mild noise."""
    rng = np.random.default_rng(seed)
    days = [first_day + timedelta(days=i) for i in range(n_days)]
    days = [d for d in days if d.weekday() < 5]
    k = len(days)
    cols = {
        "mood": np.clip(np.rint(4 + rng.normal(0, 0.5, k)), 1, 5),
        "fatigue": np.clip(np.rint(2 + rng.normal(0, 0.5, k)), 1, 5),
        "sleep_hours": np.round(7 + rng.normal(0, 0.4, k), 1),
        "sleep_quality": np.clip(np.rint(4 + rng.normal(0, 0.5, k)), 1, 5),
    }
    cols.update(override)
    return entries(client_id, days, **cols)


def test_fatigue_rising_on_its_own_is_flagged_with_its_own_reason(entries, clients, start):
    """Mood, sleep and sleep quality stay as usual; only fatigue is clearly higher on four
    answered days in a row. A self-driving client (the least sensitive stage): the
    accumulating detector alone does not raise this, the per-item rule does."""
    onset = start + timedelta(days=56)  # a Monday
    days = [onset + timedelta(days=i) for i in range(4)]
    base = _stable(entries, 1, start, 56, seed=3)
    tired = entries(1, days, mood=4, fatigue=[4, 3, 4, 4], sleep_hours=7.0, sleep_quality=4)
    cl = clients((1, "self_driving"))
    ent = pd.concat([base, tired])
    flags = compute_flags(ent, cl, onset + timedelta(days=4))
    trend = [f for f in flags if f.kind == "trend"]
    assert len(trend) == 1
    codes = {r.code for r in trend[0].reasons}
    assert "fatigue_streak" in codes and "trend_accumulated" not in codes
    # fatigue is said once: the streak, not also "worse than usual"
    assert "fatigue_worse_than_usual" not in codes
    assert sum("疲れ" in r.text for r in trend[0].reasons) == 1
    reason = next(r for r in trend[0].reasons if r.code == "fatigue_streak")
    m = re.fullmatch(
        r"疲れが本人のふだんより強い日が(\d)日続いています \(平均(\d\.\d)→(\d\.\d)\)", reason.text
    )
    assert m is not None, reason.text
    assert int(m.group(1)) == 4 == reason.values["days"]
    assert float(m.group(2)) == round(reason.values["usual"], 1) < 2.6
    assert float(m.group(3)) == 3.8 and reason.values["recent"] == 3.75
    # three such days are not yet a flag, nor four days only slightly more tired than usual
    assert not [f for f in compute_flags(ent, cl, onset + timedelta(days=3)) if f.kind == "trend"]
    mild = entries(1, days, mood=4, fatigue=[3, 2, 3, 3], sleep_hours=7.0, sleep_quality=4)
    assert not [
        f
        for f in compute_flags(pd.concat([base, mild]), cl, onset + timedelta(days=4))
        if f.kind == "trend"
    ]


def test_sleep_hours_falling_on_their_own_are_flagged(entries, clients, start):
    onset = start + timedelta(days=56)
    days = [onset + timedelta(days=i) for i in range(4)]
    base = _stable(entries, 1, start, 56, seed=5)
    short = entries(1, days, mood=4, fatigue=2, sleep_hours=[5.0, 5.2, 4.8, 5.0], sleep_quality=4)
    flags = compute_flags(
        pd.concat([base, short]), clients((1, "self_driving")), onset + timedelta(days=4)
    )
    reasons = [r for f in flags if f.kind == "trend" for r in f.reasons]
    sleep = [r for r in reasons if r.code == "sleep_hours_streak"]
    assert len(sleep) == 1
    assert re.fullmatch(
        r"睡眠時間が本人のふだんより短い日が4日続いています \(平均\d\.\d時間→5\.0時間\)",
        sleep[0].text,
    ), sleep[0].text


def test_two_clearly_bad_days_in_a_row_are_a_sharp_drop_even_when_self_driving(
    entries, clients, start
):
    """Self-driving clients need three bad days for the accumulating detector; two answered
    days in a row clearly worse on every item are a sharp drop (a watch), one is not."""
    monday = start + timedelta(days=56)
    usual_days = [start + timedelta(days=i) for i in range(56)]
    base = entries(1, [d for d in usual_days if d.weekday() < 5])  # mood 4, fatigue 2, 7 h
    cl = clients((1, "self_driving"))

    def bad(days):
        return entries(1, days, mood=2, fatigue=4, sleep_hours=5.5, sleep_quality=2)

    two = compute_flags(
        pd.concat([base, bad([monday, monday + timedelta(days=1)])]), cl, monday + timedelta(days=2)
    )
    trend = [f for f in two if f.kind == "trend"]
    assert len(trend) == 1 and trend[0].severity == "watch"
    codes = {r.code for r in trend[0].reasons}
    assert "sharp_drop" in codes and "trend_accumulated" not in codes
    drop = next(r for r in trend[0].reasons if r.code == "sharp_drop")
    assert drop.values["answers"] == 2 and drop.values["days"] == 2
    assert "記録2回" in drop.text and "最近2日間" in drop.text
    assert "ばらつき" not in drop.text  # the statistics are behind 「くわしく」
    m = re.search(r"ばらつきの(\d+\.\d)倍以上", drop.values["detail"])
    assert m is not None and float(m.group(1)) == round(drop.values["composite_min"], 1) > 1.0
    one = compute_flags(
        pd.concat([base, bad([monday + timedelta(days=1)])]), cl, monday + timedelta(days=2)
    )
    assert not [f for f in one if f.kind == "trend"]
    # a bad day, a usual day, then a bad day again is not a sharp drop either
    gap = pd.concat(
        [
            base,
            bad([monday]),
            entries(
                1, [monday + timedelta(days=1)], mood=4, fatigue=2, sleep_hours=7.0, sleep_quality=4
            ),
            bad([monday + timedelta(days=2)]),
        ]
    )
    assert not [f for f in compute_flags(gap, cl, monday + timedelta(days=3)) if f.kind == "trend"]


def test_silence_rare_for_the_client_is_a_watch_after_three_expected_days_at_any_stage(
    entries, clients, history, start
):
    """A self-driving client needs four silent workdays for the habit rule; a regular
    answerer's three silent workdays are already rare (a watch). Those of a client who
    answers two workdays in five are not."""
    last = start + timedelta(days=53)  # a Friday; silent from Monday on
    regular = history(1, 54, seed=3)
    workdays = [start + timedelta(days=i) for i in range(54)]
    workdays = [d for d in workdays if d.weekday() < 5]
    irregular = entries(2, [d for i, d in enumerate(workdays) if i % 5 in (0, 2)])  # 40 %
    others = pd.concat([history(i, 70, seed=i) for i in (3, 4, 5)])
    cl = clients(*[(i, "self_driving") for i in (1, 2, 3, 4, 5)])
    mornings = [last + timedelta(days=i) for i in range(1, 12)]
    flags = compute_mornings(pd.concat([regular, irregular, others]), cl, mornings)
    first = _first_flag(flags, 1, "missing")
    assert first == last + timedelta(days=6)  # Thursday morning: Mon, Tue, Wed silent
    missing = next(f for f in flags[first] if f.client_id == 1 and f.kind == "missing")
    assert missing.severity == "watch"
    assert missing.reasons[0].values["expected_days_silent"] == 3
    first_irregular = _first_flag(flags, 2, "missing")
    assert first_irregular is not None
    irregular_flag = next(f for f in flags[first_irregular] if f.client_id == 2)
    assert irregular_flag.reasons[0].values["expected_days_silent"] >= 4


def test_a_clearly_bad_answer_then_silence_on_a_usual_answer_day_is_a_watch(
    entries, clients, history, start, monkeypatch
):
    """rules-3.1: a regular answerer whose latest answer was clearly worse than usual and
    who then stays silent on a day they usually answer gets a watch the next morning. A bad
    Monday followed by a usual answer is still no alarm, nor is a usual answer followed by
    silence, nor the silence of someone who answers one workday in three."""
    from checkin.signals import flags as flags_module

    monday = start + timedelta(days=56)
    workdays = [d for d in (start + timedelta(days=i) for i in range(56)) if d.weekday() < 5]

    def bad(cid):
        return entries(cid, [monday], mood=2, fatigue=4, sleep_hours=5.5, sleep_quality=2)

    data = pd.concat(
        [
            history(1, 56, seed=1),
            bad(1),  # bad Monday, silent Tuesday
            entries(2, [d for i, d in enumerate(workdays) if i % 3 == 0]),
            bad(2),  # the same, but answers one workday in three
            history(3, 56, seed=3),
            entries(3, [monday]),  # a usual Monday, silent Tuesday
            history(4, 56, seed=4),
            bad(4),
            entries(4, [monday + timedelta(days=1)]),  # bad Monday, usual Tuesday
            *(history(i, 70, seed=i) for i in (5, 6, 7)),
        ]
    )
    cl = clients(*[(i, "adjustment") for i in range(1, 8)])
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
    flags = compute_mornings(data, cl, [tuesday, wednesday])

    def trend(morning, cid):
        return [f for f in flags[morning] if f.client_id == cid and f.kind == "trend"]

    assert not trend(tuesday, 1)  # the bad Monday alone
    (watch,) = trend(wednesday, 1)
    assert watch.severity == "watch"
    reason = next(r for r in watch.reasons if r.code == "bad_then_silent")
    assert reason.values["expected_days_silent"] == 1
    assert reason.values["usual_answer_rate"] >= 0.9
    assert "そのあと記録する予定の日に1日記録がありません" in reason.text
    m = re.search(r"ふだんのばらつきの(\d+\.\d)倍", reason.values["detail"])
    assert m is not None and float(m.group(1)) == round(reason.values["composite_latest"], 1)
    assert reason.values["composite_latest"] > 1.0
    assert not [f for f in flags[wednesday] if f.client_id == 1 and f.kind == "missing"]
    for cid in (3, 4):
        assert not trend(wednesday, cid), cid
    # the silence of someone who answers one workday in three is no evidence; since
    # rules-3.2 their one clearly bad answer is judged alone (sparse_answer), not the silence
    (sparse,) = trend(wednesday, 2)
    assert [r.code for r in sparse.reasons if r.code in flags_module.RULE_REASONS] == [
        "sparse_answer"
    ]
    # without the rule (rules-3.0) the first morning after the silence shows nothing
    monkeypatch.setattr(flags_module, "BAD_SILENT_Z", float("inf"))
    before = compute_mornings(data, cl, [wednesday])
    assert not [f for f in before[wednesday] if f.client_id == 1 and f.kind == "trend"]


def _every(entries, cid, workdays, k, **values):
    """Answers on every k-th workday (a sparse answerer: 1/k of their days)."""
    return entries(cid, [d for i, d in enumerate(workdays) if i % k == 0], **values)


def test_a_sparse_answerers_ordinary_week_of_silence_is_no_fast_watch(
    entries, clients, history, start
):
    """rules-3.2: the fast missed-entries watch is judged on its 3 days. A client who answers
    one workday in four is silent for 3-6 workdays every week or so: under rules-3.1 the
    whole silence was tested against the fast threshold ((1 - rate)^6 ≤ 0.15 at a rate
    of about 0.3), which flagged their ordinary gaps. Now only a silence rare for them
    (the plain rule) is flagged; a regular answerer still gets the fast watch after 3
    silent workdays."""
    workdays = [d for d in (start + timedelta(days=i) for i in range(70)) if d.weekday() < 5]
    # the regular answerer answers up to workdays[39], the sparse one every 4th workday
    sparse = _every(entries, 1, workdays[:40], 4)
    regular = entries(2, workdays[:40])
    others = pd.concat([history(i, 80, seed=i) for i in (3, 4, 5)])
    cl = clients(*[(i, "self_driving") for i in range(1, 6)])  # the plain rule needs 4 days
    assert max(pd.to_datetime(sparse["date"])).date() == workdays[36]
    # the mornings after 1..7 silent workdays of the sparse answerer (to workdays[43])
    silent_week = [d + timedelta(days=1) for d in workdays[37:44]]
    flags = compute_mornings(pd.concat([sparse, regular, others]), cl, silent_week)
    assert not [m for m in silent_week if any(f.client_id == 1 for f in flags[m])]
    first = _first_flag(flags, 2, "missing")
    assert first == workdays[42] + timedelta(days=1)
    (watch,) = [f for f in flags[first] if f.client_id == 2]
    assert watch.reasons[0].values["expected_days_silent"] == 3


def test_a_sparse_answerers_one_worse_answer_is_a_watch_that_quotes_their_habit(
    entries, clients, history, start
):
    """rules-3.2: a client who answers one workday in four gives one answer where others give
    four; a latest answer clearly worse than their usual is a watch on its own, with their
    own answering habit in the reason. The same single answer from a regular answerer is
    not an alarm (one bad day never is), nor a usual answer from the sparse answerer."""
    workdays = [d for d in (start + timedelta(days=i) for i in range(70)) if d.weekday() < 5]
    day = workdays[44]
    morning = day + timedelta(days=1)
    rng = np.random.default_rng(11)
    usual_sparse = [d for i, d in enumerate(workdays[:44]) if i % 4 == 0]
    k = len(usual_sparse)

    def sparse(cid, **latest):
        past = entries(
            cid,
            usual_sparse,
            mood=np.clip(np.rint(4 + rng.normal(0, 0.5, k)), 1, 5),
            fatigue=np.clip(np.rint(2 + rng.normal(0, 0.5, k)), 1, 5),
        )
        return pd.concat([past, entries(cid, [day], **latest)])

    worse = {"mood": 3, "fatigue": 3, "sleep_hours": 6.0, "sleep_quality": 3}
    data = pd.concat(
        [
            sparse(1, **worse),
            sparse(2),  # a usual answer
            entries(3, workdays[:44]),
            entries(3, [day], **worse),  # a regular answerer's one worse day
            *(history(i, 80, seed=i) for i in (4, 5, 6)),
        ]
    )
    cl = clients(*[(i, "adjustment") for i in range(1, 7)])
    flags = compute_mornings(data, cl, [morning])[morning]
    (watch,) = [f for f in flags if f.client_id == 1]
    assert (watch.kind, watch.severity) == ("trend", "watch")
    reason = watch.reasons[0]
    assert reason.code == "sparse_answer"
    values = reason.values
    assert values["days_ago"] == 1 and values["usual_answer_rate"] < 0.4
    pct = round(100 * values["habit_answered_days"] / values["habit_expected_days"])
    assert values["habit_answered_days"] >= 8 and pct < 40  # in the 56-day window
    assert reason.text.startswith("毎日は記録しない人の、昨日の記録がふだんより悪めです")
    assert (
        f"ふだんは記録する予定の日の{pct}%に記録: {values['habit_expected_days']}日のうち"
        f"{values['habit_answered_days']}日" in reason.text
    )
    assert not [f for f in flags if f.client_id in (2, 3)]
