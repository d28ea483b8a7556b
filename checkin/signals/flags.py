"""From detector state to flag candidates with plain Japanese reasons.

:func:`compute_flags` (one morning, the morning job's entry point) and
:func:`compute_mornings` (many mornings in one vectorised pass, used by the backtest and the
evaluation) share :func:`checkin.signals.engine.detect` and :func:`decide`, so what is
evaluated is what runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from checkin.signals.engine import DIRECTION, ITEMS, detect
from checkin.signals.params import (
    BAD_SILENT_AGE,
    BAD_SILENT_ALPHA,
    BAD_SILENT_DAYS,
    BAD_SILENT_Z,
    DROP_DAYS,
    DROP_MIN_ITEMS,
    DROP_SLOPE_Z,
    DROP_SPAN,
    DROP_Z,
    HIGH_FACTOR,
    LAST_ANSWERS,
    LOOKBACK_DAYS,
    MISS_FAST_ALPHA,
    MISS_FAST_SILENT,
    NEW_CLIENT_FACTOR,
    PART_AGE,
    PART_RATE,
    PART_Z,
    PRIOR_ENTRIES,
    RECENT_DAYS,
    RULES_VERSION,
    SPARSE_AGE,
    SPARSE_RATE,
    SPARSE_Z,
    STAGE_PARAMS,
    STREAK_AGE,
    STREAK_ITEMS,
    STREAK_MIN,
    STREAK_SHIFT,
    UNKNOWN_HABIT_DAYS,
    UNKNOWN_HABIT_EXTRA,
    WITHOUT_WORST_FACTOR,
)
from checkin.signals.rules import (
    CONTACT_SCORE,
    CRISIS_SCORE,
    contact_candidate,
    crisis_candidate,
    jp_date,
)
from checkin.signals.types import FlagCandidate, Reason

if TYPE_CHECKING:
    from checkin.signals.ranker import Ranker

# detector columns the reasons are written from
REASON_COLUMNS = frozenset(
    [
        "morning",
        "stage",
        "cusum",
        "cusum_raw",
        "run_days",
        "run_answers",
        "run_bad_days",
        "slope",
        "mood_n_usual",
        "silent_days",
        "answer_rate",
        "last_entry_offset",
        "cusum_without_worst",
        "ewma",
        "habit_expected",
        "habit_answered",
        "answerable_from",
    ]
    + [f"{s}_last{j}" for s in ("comp", "age") for j in range(1, LAST_ANSWERS + 1)]
    + [f"{i}_{s}" for i in ITEMS for s in ("usual", "spread", "run_mean", "run_worse_days")]
    + [f"drop{DROP_DAYS}_{s}" for s in ("comp", "items", "age")]
    + [f"{i}_streak{s}" for i in STREAK_ITEMS for s in ("", "_mean", "_age")]
)
ITEM_JA = {
    "mood": "気分",
    "fatigue": "疲れ",
    "sleep_quality": "睡眠の質",
    "sleep_hours": "睡眠時間",
}


# every trend rule of trend_parts(), the accumulating detector first
TREND_RULES = (
    "acc",
    "drop",
    "drop_slope",
    "bad_silent",
    "sparse",
    *(f"streak_{i}" for i in STREAK_ITEMS),
)


def _stage_col(det: pd.DataFrame, attr: str) -> np.ndarray:
    table = {s: getattr(p, attr) for s, p in STAGE_PARAMS.items()}
    return det["stage"].map(table).to_numpy(dtype=np.float64)


def soft_score(surprise: np.ndarray) -> np.ndarray:
    """40 at the threshold (surprise 1), rising towards 95: below the urgent 100/120."""
    return 40 + 55 * (1 - np.exp(-np.maximum(surprise - 1, 0) / 1.5))


def effective_h(h: Any, n_own: Any) -> Any:
    """The stage threshold, raised while the client's usual is mostly the office's."""
    return h * (1 + NEW_CLIENT_FACTOR * PRIOR_ENTRIES / (n_own + PRIOR_ENTRIES))


def trend_parts(det: pd.DataFrame) -> dict[str, np.ndarray]:
    """Which trend rule holds on each detector row, and the surprise of each (1 = at its
    threshold): ``acc`` (the accumulating detector), ``drop`` (a sharp drop over the last
    answered days) and ``streak_<item>`` (one item worse on its own)."""
    # While a client's own usual is still mostly the office's, ask for more evidence: up to
    # (1 + NEW_CLIENT_FACTOR) x h with no own history, x h once the usual is the client's.
    h0 = _stage_col(det, "h")
    h = effective_h(h0, det["mood_n_usual"].to_numpy(dtype=np.float64))
    min_bad = _stage_col(det, "min_bad_days")
    cusum = det["cusum"].to_numpy()
    acc = (cusum >= h) & (det["run_bad_days"].to_numpy() >= min_bad)
    acc &= det["cusum_without_worst"].to_numpy() >= WITHOUT_WORST_FACTOR * h
    acc &= det["ewma"].to_numpy() > 0  # still worse than usual lately
    evidence = np.maximum(det["cusum_raw"].to_numpy(), cusum)
    parts = {
        "acc": acc,
        "acc_surprise": evidence / h,
        "acc_high": evidence >= HIGH_FACTOR * h,
        "h": h,
    }
    parts["drop"], parts["drop_surprise"] = sharp_drop(det, h / h0)
    parts["drop_slope"], parts["drop_slope_surprise"] = falling_drop(det, h / h0)
    parts["bad_silent"], parts["bad_silent_surprise"] = bad_then_silent(det, h / h0)
    parts["sparse"], parts["sparse_surprise"] = sparse_answer(det, h / h0)
    for item, (on, surprise) in item_streaks(det).items():
        parts[f"streak_{item}"] = on
        parts[f"streak_{item}_surprise"] = surprise
    return parts


def trend_rules(det: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raised, score, high) of the trend flag per detector row. The score is that of the
    most surprising rule that holds; only the accumulating detector makes a flag high."""
    p = trend_parts(det)
    on = p["acc"].copy()
    surprise = np.where(p["acc"], p["acc_surprise"], 0.0)
    for rule in TREND_RULES[1:]:
        on |= p[rule]
        surprise = np.where(p[rule], np.maximum(surprise, p[f"{rule}_surprise"]), surprise)
    return on, soft_score(surprise), p["acc"] & p["acc_high"]


def sharp_drop(det: pd.DataFrame, new_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last ``DROP_DAYS`` answered days all clearly worse than usual: a composite of at
    least ``DROP_Z`` (times ``new_factor``, raised like ``h`` for new clients) and at least
    ``DROP_MIN_ITEMS`` items clearly worse on each, the oldest at most ``DROP_SPAN`` days
    before the morning. Returns (holds, surprise)."""
    comp = det[f"drop{DROP_DAYS}_comp"].to_numpy()
    thr = DROP_Z * new_factor
    on = (
        (comp >= thr)
        & (det[f"drop{DROP_DAYS}_items"].to_numpy() >= DROP_MIN_ITEMS)
        & (det[f"drop{DROP_DAYS}_age"].to_numpy() <= DROP_SPAN)
    )
    return on, np.where(on, comp / thr, 0.0)


def falling_drop(det: pd.DataFrame, new_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A sharp drop that keeps falling: the last two answered days both at least
    ``DROP_SLOPE_Z`` (times ``new_factor``) worse than usual, the latest worse than the
    one before, and that one worse than the answer before it (when there is one); the
    items and span as for :func:`sharp_drop`. Returns (holds, surprise)."""
    c1, c2, c3 = (det[f"comp_last{j}"].to_numpy(dtype=np.float64) for j in (1, 2, 3))
    thr = DROP_SLOPE_Z * new_factor
    low = np.fmin(c1, c2)
    with np.errstate(invalid="ignore"):
        on = (
            (low >= thr)
            & (c1 > c2)
            & (np.isnan(c3) | (c2 > c3))
            & (det[f"drop{DROP_DAYS}_items"].to_numpy() >= DROP_MIN_ITEMS)
            & (det[f"drop{DROP_DAYS}_age"].to_numpy() <= DROP_SPAN)
        )
    return on, np.where(on, low / np.where(np.isfinite(thr), thr, 1.0), 0.0)


def bad_then_silent(det: pd.DataFrame, new_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The latest answer clearly worse than usual (``BAD_SILENT_Z`` times ``new_factor``
    usual spreads), at most ``BAD_SILENT_AGE`` days ago, and since then at least
    ``BAD_SILENT_DAYS`` expected days without an answer that are unusual for the client
    (``(1 - answer rate) ** days <= BAD_SILENT_ALPHA``, habit known). Returns (holds,
    surprise)."""
    c1 = det["comp_last1"].to_numpy(dtype=np.float64)
    thr = BAD_SILENT_Z * new_factor
    silent = det["silent_days"].to_numpy()
    rate = det["answer_rate"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        on = (
            (c1 >= thr)
            & (det["age_last1"].to_numpy() <= BAD_SILENT_AGE)
            & (silent >= BAD_SILENT_DAYS)
            & ((1.0 - rate) ** silent <= BAD_SILENT_ALPHA)
            & (det["habit_expected"].to_numpy() >= UNKNOWN_HABIT_DAYS)
        )
    return on, np.where(on, c1 / np.where(np.isfinite(thr), thr, 1.0), 0.0)


def sparse_answer(det: pd.DataFrame, new_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One answer judged alone, for a client who does not answer every expected day (habit
    known): the latest answer at least ``SPARSE_Z`` usual spreads worse than usual within
    ``SPARSE_AGE`` days when the answer rate is under ``SPARSE_RATE``, ``PART_Z`` within
    ``PART_AGE`` days when it is under ``PART_RATE`` (thresholds times ``new_factor``).
    Returns (holds, surprise)."""
    c1 = det["comp_last1"].to_numpy(dtype=np.float64)
    rate = det["answer_rate"].to_numpy(dtype=np.float64)
    age = det["age_last1"].to_numpy()
    sparse = rate < SPARSE_RATE
    z = np.where(sparse, SPARSE_Z, PART_Z) * new_factor
    with np.errstate(invalid="ignore"):
        on = (
            (rate < PART_RATE)
            & (det["habit_expected"].to_numpy() >= UNKNOWN_HABIT_DAYS)
            & (c1 >= z)
            & (age <= np.where(sparse, SPARSE_AGE, PART_AGE))
        )
    return on, np.where(on, c1 / np.where(np.isfinite(z), z, 1.0), 0.0)


def item_streaks(det: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per item of ``STREAK_ITEMS``: worse than usual on its own for ``STREAK_MIN`` answers in
    a row, the latest at most ``STREAK_AGE`` days ago, on average ``STREAK_SHIFT`` usual
    spreads worse. Returns {item: (holds, surprise)}."""
    out = {}
    for item in STREAK_ITEMS:
        n = det[f"{item}_streak"].to_numpy()
        mean = det[f"{item}_streak_mean"].to_numpy()
        usual = det[f"{item}_usual"].to_numpy()
        spread = det[f"{item}_spread"].to_numpy()
        with np.errstate(invalid="ignore"):
            shift = np.nan_to_num(DIRECTION[item] * (mean - usual) / spread)
        hold = (
            (n >= STREAK_MIN)
            & (det[f"{item}_streak_age"].to_numpy() <= STREAK_AGE)
            & (shift >= STREAK_SHIFT)
        )
        out[item] = (hold, shift / STREAK_SHIFT)
    return out


def missing_rules(det: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raised, score, high) of the missed-entries flag per detector row."""
    alpha = _stage_col(det, "miss_alpha")
    min_silent = _stage_col(det, "min_silent")
    # an unknown habit (under two weeks of expected days seen) needs a longer silence
    known = det["habit_expected"].to_numpy() >= UNKNOWN_HABIT_DAYS
    min_silent = min_silent + np.where(known, 0, UNKNOWN_HABIT_EXTRA)
    silent = det["silent_days"].to_numpy()
    prob = det["silence_prob"].to_numpy()
    miss_on = (silent >= min_silent) & (prob <= alpha)
    with np.errstate(divide="ignore"):
        miss_sur = np.log(np.maximum(prob, 1e-12)) / np.log(alpha)
    # high only once the habit is known: the warm-up judges gently
    miss_high = known & (prob <= alpha**2) & (silent >= 2 * min_silent)
    # a faster watch, whatever the stage, once the client's habit is known: a silence of
    # MISS_FAST_SILENT expected days that is already rare for this client
    # (judged on MISS_FAST_SILENT days, not on the whole silence: a longer silence of a
    # sparse answerer is for the plain rule above)
    rate = det["answer_rate"].to_numpy(dtype=np.float64)
    fast = (
        known & (silent >= MISS_FAST_SILENT) & ((1.0 - rate) ** MISS_FAST_SILENT <= MISS_FAST_ALPHA)
    )
    return miss_on | fast, soft_score(miss_sur), miss_high


def decide(det: pd.DataFrame) -> pd.DataFrame:
    """Candidate rows (client, morning, kind, severity, score, det_row) from detector state."""
    if len(det) == 0:
        return pd.DataFrame(
            {c: [] for c in ("client_id", "morning", "kind", "severity", "score", "det_row")}
        )
    trend_on, trend_score, trend_high = trend_rules(det)
    miss_on, miss_score, miss_high = missing_rules(det)
    parts = []
    for kind, on, score, high in (
        ("trend", trend_on, trend_score, trend_high),
        ("missing", miss_on, miss_score, miss_high),
        ("contact", det["wants_contact"].to_numpy(), np.full(len(det), CONTACT_SCORE), None),
        ("crisis", det["crisis"].to_numpy(), np.full(len(det), CRISIS_SCORE), None),
    ):
        idx = np.flatnonzero(on)
        if len(idx) == 0:
            continue
        sev = np.full(len(idx), "urgent", dtype=object)
        if high is not None:
            sev = np.where(high[idx], "high", "watch").astype(object)
        parts.append(
            pd.DataFrame(
                {
                    "client_id": det["client_id"].to_numpy()[idx],
                    "morning": det["morning"].to_numpy()[idx],
                    "kind": kind,
                    "severity": sev,
                    "score": np.round(score[idx], 1),
                    "det_row": idx,
                }
            )
        )
    if not parts:
        return decide(det.iloc[0:0])
    return pd.concat(parts, ignore_index=True)


def _f(x: Any) -> float:
    return round(float(x), 2)


RULE_REASONS = frozenset(
    {"trend_accumulated", "sharp_drop", "falling_drop", "bad_then_silent", "sparse_answer"}
)


def trend_reasons(r: Any, fired: dict[str, bool] | None = None) -> tuple[Reason, ...]:
    """Reasons of a trend flag from its detector row ``r``; ``fired`` says which trend rules
    hold (:func:`trend_parts`; default: the accumulating detector only)."""
    fired = fired or {"acc": True}
    h = round(float(effective_h(STAGE_PARAMS[str(r.stage)].h, float(r.mood_n_usual))), 2)
    run, bad = int(r.run_days), int(r.run_bad_days)
    out = []
    if fired.get("acc"):
        out.append(
            Reason(
                "trend_accumulated",
                f"ふだんより調子の悪い日が積み重なっています"
                f" (この{run}日で記録{int(r.run_answers)}日、うち悪い日{bad}日)",
                {
                    "run_days": run,
                    "answers": int(r.run_answers),
                    "bad_days": bad,
                    "cusum": _f(max(r.cusum_raw, r.cusum)),
                    "threshold": h,
                    "detail": f"累積{max(r.cusum_raw, r.cusum):.1f}/基準{h:.1f}",
                },
            )
        )
    if fired.get("drop"):
        k = DROP_DAYS
        items = int(getattr(r, f"drop{k}_items"))
        age = int(getattr(r, f"drop{k}_age"))
        comp = float(getattr(r, f"drop{k}_comp"))
        out.append(
            Reason(
                "sharp_drop",
                f"急に悪くなっています: 最近{age}日間の記録{k}回がどれもふだんよりはっきり悪く、"
                f"毎回{items}項目以上が悪化しています",
                {
                    "answers": k,
                    "days": age,
                    "items": items,
                    "composite_min": _f(comp),
                    "detail": f"ふだんのばらつきの{comp:.1f}倍以上",
                },
            )
        )
    if fired.get("drop_slope"):
        c1, c2 = float(r.comp_last1), float(r.comp_last2)
        out.append(
            Reason(
                "falling_drop",
                "悪くなり続けています: 最近の記録2回がどちらもふだんよりはっきり悪く、"
                "後の日のほうが悪くなっています",
                {
                    "composite_older": _f(c2),
                    "composite_latest": _f(c1),
                    "detail": f"ふだんのばらつきの{c2:.1f}倍→{c1:.1f}倍",
                },
            )
        )
    if fired.get("bad_silent"):
        c1, silent = float(r.comp_last1), int(r.silent_days)
        out.append(
            Reason(
                "bad_then_silent",
                f"最後の記録がふだんよりはっきり悪く、"
                f"そのあと記録する予定の日に{silent}日記録がありません"
                f" ({own_habit_text(r)})",
                {
                    "detail": f"最後の記録: ふだんのばらつきの{c1:.1f}倍",
                    "composite_latest": _f(c1),
                    "expected_days_silent": silent,
                    "usual_answer_rate": _f(r.answer_rate),
                    **own_habit_values(r),
                },
            )
        )
    if fired.get("sparse"):
        c1, age = float(r.comp_last1), int(r.age_last1)
        when = "昨日" if age == 1 else f"{age}日前"
        how = "悪めです" if r.answer_rate < SPARSE_RATE else "はっきり悪いです"
        out.append(
            Reason(
                "sparse_answer",
                f"毎日は記録しない人の、{when}の記録がふだんより{how} ({own_habit_text(r)})",
                {
                    "detail": f"最後の記録: ふだんのばらつきの{c1:.1f}倍",
                    "composite_latest": _f(c1),
                    "days_ago": age,
                    "usual_answer_rate": _f(r.answer_rate),
                    **own_habit_values(r),
                },
            )
        )
    streak_texts = {
        "fatigue": "疲れが本人のふだんより強い日が{n}日続いています (平均{u:.1f}→{m:.1f})",
        "sleep_hours": "睡眠時間が本人のふだんより短い日が{n}日続いています"
        " (平均{u:.1f}時間→{m:.1f}時間)",
    }
    for item in STREAK_ITEMS:
        if not fired.get(f"streak_{item}"):
            continue
        n = int(getattr(r, f"{item}_streak"))
        usual, mean = float(getattr(r, f"{item}_usual")), float(getattr(r, f"{item}_streak_mean"))
        out.append(
            Reason(
                f"{item}_streak",
                streak_texts[item].format(n=n, u=usual, m=mean),
                {"days": n, "usual": _f(usual), "recent": _f(mean)},
            )
        )
    texts = {
        "mood": "{ja}が本人のふだんより低い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "fatigue": "{ja}が本人のふだんより強い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "sleep_quality": "{ja}がふだんより悪い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "sleep_hours": "{ja}がふだんより短い日が{n}日あります"
        " (ふだん{u:.1f}時間→最近の平均{m:.1f}時間)",
    }
    thresholds = {"mood": 0.5, "fatigue": 0.5, "sleep_quality": 0.5, "sleep_hours": 0.75}
    sign = {"mood": -1, "fatigue": 1, "sleep_quality": -1, "sleep_hours": -1}
    said = {item for item in STREAK_ITEMS if fired.get(f"streak_{item}")}
    for item in ITEMS:
        usual, mean = getattr(r, f"{item}_usual"), getattr(r, f"{item}_run_mean")
        n = int(getattr(r, f"{item}_run_worse_days"))
        if item in said:  # its streak already says it: no reason twice
            continue
        if np.isnan(mean) or sign[item] * (mean - usual) < thresholds[item]:
            continue
        out.append(
            Reason(
                f"{item}_worse_than_usual",
                texts[item].format(ja=ITEM_JA[item], n=n, u=usual, m=mean),
                {"usual": _f(usual), "recent": _f(mean), "days": n},
            )
        )
    if r.slope * RECENT_DAYS >= 1.0:
        out.append(
            Reason(
                "trend_worsening",
                f"この{RECENT_DAYS}日で少しずつ悪くなっています",
                {
                    "slope_per_day": _f(r.slope),
                    "detail": f"ふだんとの差が1日あたり{r.slope:+.2f}ずつ変化",
                },
            )
        )
    # The card shows two lines: why it fired (the first rule) and what changed (the first
    # item line); then the other rules, the other items and the slow worsening.
    fired_rules = [x for x in out if x.code in RULE_REASONS]
    changes = [x for x in out if x.code not in RULE_REASONS and x.code != "trend_worsening"]
    slow = [x for x in out if x.code == "trend_worsening"]
    return tuple(fired_rules[:1] + changes[:1] + fired_rules[1:] + changes[1:] + slow)


def habit_known(r: Any) -> bool:
    """Whether the client has shown an answering habit: ``UNKNOWN_HABIT_DAYS`` expected days
    seen up to their latest answer. Until then (the warm-up) missed days are judged with a
    longer silence and no reason quotes a habit."""
    return int(r.habit_expected) >= UNKNOWN_HABIT_DAYS


def own_habit_values(r: Any) -> dict[str, Any]:
    exp, ans = int(r.habit_expected), int(r.habit_answered)
    return {
        "habit_expected_days": exp,
        "habit_answered_days": ans,
        "own_answer_rate": _f(ans / exp) if exp else None,
    }


def own_habit_text(r: Any) -> str:
    """The client's own answering habit in plain numbers (known habits only)."""
    exp, ans = int(r.habit_expected), int(r.habit_answered)
    return f"ふだんは記録する予定の日の{ans / max(exp, 1):.0%}に記録: {exp}日のうち{ans}日"


HABIT_UNKNOWN = "まだ ふだんの記録の傾向は わかりません"


def missing_reasons(r: Any) -> tuple[Reason, ...]:
    """The reason of a missed-entries flag. A known habit is quoted in the client's own
    numbers; during the warm-up the reason says the habit is not known yet and, when the
    client has not answered since they could (card or LINE), since when."""
    silent = int(r.silent_days)
    morning = pd.Timestamp(r.morning)
    last = None
    if r.last_entry_offset > 0:
        last = morning - pd.Timedelta(days=int(r.last_entry_offset))
    last_s = None if last is None else str(last.date())
    known = habit_known(r) and last is not None  # a known habit has a latest answer
    values: dict[str, Any] = {
        "expected_days_silent": silent,
        "last_entry": last_s,
        "habit_known": known,
        **own_habit_values(r),
    }
    af = pd.Timestamp(r.answerable_from) if not pd.isna(r.answerable_from) else None
    if known and last is not None:
        values["usual_answer_rate"] = _f(r.answer_rate)
        text = (
            f"記録する予定の日に{silent}日続けて記録がありません"
            f" ({own_habit_text(r)}、最後の記録: {jp_date(last)})"
        )
    elif last is not None:
        text = (
            f"記録する予定の日に{silent}日続けて記録がありません"
            f" (最後の記録: {jp_date(last)}。{HABIT_UNKNOWN})"
        )
    elif af is not None and morning - af <= pd.Timedelta(days=LOOKBACK_DAYS):
        values["answerable_from"] = str(af.date())
        text = (
            f"{jp_date(af)}にカードかLINEで記録できるようになってから、"
            f"記録する予定の日に{silent}日 記録がありません ({HABIT_UNKNOWN})"
        )
    else:
        text = f"この8週間、記録がありません (記録する予定の日{silent}日。{HABIT_UNKNOWN})"
    return (Reason("missed_entries", text, values),)


def to_candidates(det: pd.DataFrame, cand: pd.DataFrame) -> list[FlagCandidate]:
    """FlagCandidate objects (with reasons) for the candidate rows, most urgent first."""
    if len(cand) == 0:
        return []
    cand = order(cand)
    rows = det[[c for c in det.columns if c in REASON_COLUMNS]].iloc[cand["det_row"].to_numpy()]
    rules = TREND_RULES
    parts = trend_parts(rows)
    fired = np.stack([parts[k] for k in rules], axis=1)
    version = cand.get("model_version")
    versions = None if version is None else version.astype(str).to_numpy()
    out: list[FlagCandidate] = []
    c: Any
    r: Any
    for i, (c, r) in enumerate(
        zip(cand.itertuples(index=False), rows.itertuples(index=False), strict=True)
    ):
        cid = int(c.client_id)
        mv = RULES_VERSION if versions is None else str(versions[i])
        yesterday = (pd.Timestamp(c.morning) - pd.Timedelta(days=1)).date()
        if c.kind == "contact":
            fc = contact_candidate(cid, yesterday)
        elif c.kind == "crisis":
            fc = crisis_candidate(cid, yesterday)
        else:
            if c.kind == "trend":
                reasons = trend_reasons(r, dict(zip(rules, fired[i].tolist(), strict=True)))
            else:
                reasons = missing_reasons(r)
            fc = FlagCandidate(cid, str(c.kind), str(c.severity), float(c.score), reasons)
        out.append(
            FlagCandidate(fc.client_id, fc.kind, fc.severity, float(c.score), fc.reasons, mv)
        )
    return out


def order(cand: pd.DataFrame) -> pd.DataFrame:
    """Most urgent first: urgent flags, then by score (ties by client id).

    The rules' scores rise with their severity; a learned ranker's scores (calibrated
    risk) may put a "watch" above a "high": that is the re-ranking.
    """
    key = (cand["severity"] != "urgent").astype(int)
    return (
        cand.assign(_k=key)
        .sort_values(
            ["morning", "_k", "score", "client_id"],
            ascending=[True, True, False, True],
            kind="stable",
        )
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def candidates_for_mornings(
    entries: pd.DataFrame,
    clients: pd.DataFrame | None,
    mornings: Iterable[date],
    ranker: Ranker | None = None,
    closed_days: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(detections, candidate rows) for many mornings in one vectorised pass.
    ``closed_days`` (``office_id, date``): office closed days, never expected days."""
    det = detect(entries, clients, mornings, closed_days)
    cand = decide(det)
    if ranker is not None:
        cand = ranker.rerank(det, cand)
    else:
        cand["model_version"] = RULES_VERSION
    return det, cand


def compute_mornings(
    entries: pd.DataFrame,
    clients: pd.DataFrame | None,
    mornings: Iterable[date],
    ranker: Ranker | None = None,
    closed_days: pd.DataFrame | None = None,
) -> dict[date, list[FlagCandidate]]:
    """Flags of each morning (each sees only entries dated before it), in one pass."""
    mornings = [pd.Timestamp(m).normalize().date() for m in mornings]
    det, cand = candidates_for_mornings(entries, clients, mornings, ranker, closed_days)
    result: dict[date, list[FlagCandidate]] = {m: [] for m in mornings}
    if len(cand) == 0:
        return result
    for m, part in cand.groupby("morning", sort=True):
        result[pd.Timestamp(m).date()] = to_candidates(det, part)  # type: ignore[arg-type]
    return result


def compute_flags(
    entries: pd.DataFrame,
    clients: pd.DataFrame | None,
    today: date,
    *,
    ranker: Ranker | None = None,
    closed_days: pd.DataFrame | None = None,
) -> list[FlagCandidate]:
    """Flags to show on the morning of ``today``, from entries dated before ``today``.

    ``entries`` and ``clients`` have the columns in :mod:`checkin.signals.types`; the
    engine looks back ``LOOKBACK_DAYS`` (56) days, so 60 days of history is enough.
    ``ranker`` (optional) re-ranks the candidates with a learned model; without it (or when
    it fell back for lack of labels) the rules' scores are used. ``closed_days``
    (``office_id, date``): the days each office is closed, which no client is expected to
    answer (a silence over them is not a missed entry).
    """
    today_ts = pd.Timestamp(today).normalize()
    entries = entries[entries["date"] < today_ts]
    det, cand = candidates_for_mornings(entries, clients, [today_ts], ranker, closed_days)
    return to_candidates(det, cand)
