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

from checkin.signals.engine import ITEMS, detect
from checkin.signals.params import (
    HIGH_FACTOR,
    NEW_CLIENT_FACTOR,
    PRIOR_ENTRIES,
    RECENT_DAYS,
    RULES_VERSION,
    STAGE_PARAMS,
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
    ]
    + [f"{i}_{s}" for i in ITEMS for s in ("usual", "run_mean", "run_worse_days")]
)
ITEM_JA = {
    "mood": "気分",
    "fatigue": "疲れ",
    "sleep_quality": "睡眠の質",
    "sleep_hours": "睡眠時間",
}


def _stage_col(det: pd.DataFrame, attr: str) -> np.ndarray:
    table = {s: getattr(p, attr) for s, p in STAGE_PARAMS.items()}
    return det["stage"].map(table).to_numpy(dtype=np.float64)


def soft_score(surprise: np.ndarray) -> np.ndarray:
    """40 at the threshold (surprise 1), rising towards 95: below the urgent 100/120."""
    return 40 + 55 * (1 - np.exp(-np.maximum(surprise - 1, 0) / 1.5))


def effective_h(h: Any, n_own: Any) -> Any:
    """The stage threshold, raised while the client's usual is mostly the office's."""
    return h * (1 + NEW_CLIENT_FACTOR * PRIOR_ENTRIES / (n_own + PRIOR_ENTRIES))


def decide(det: pd.DataFrame) -> pd.DataFrame:
    """Candidate rows (client, morning, kind, severity, score, det_row) from detector state."""
    if len(det) == 0:
        return pd.DataFrame(
            {c: [] for c in ("client_id", "morning", "kind", "severity", "score", "det_row")}
        )
    # While a client's own usual is still mostly the office's, ask for more evidence: up to
    # (1 + NEW_CLIENT_FACTOR) x h with no own history, x h once the usual is the client's.
    h = effective_h(_stage_col(det, "h"), det["mood_n_usual"].to_numpy(dtype=np.float64))
    min_bad = _stage_col(det, "min_bad_days")
    alpha = _stage_col(det, "miss_alpha")
    min_silent = _stage_col(det, "min_silent")
    # an unknown habit (under two weeks of expected days seen) needs a longer silence
    min_silent = min_silent + np.where(det["habit_expected"].to_numpy() < 10, 2, 0)
    cusum = det["cusum"].to_numpy()
    trend_on = (cusum >= h) & (det["run_bad_days"].to_numpy() >= min_bad)
    trend_on &= det["cusum_without_worst"].to_numpy() >= WITHOUT_WORST_FACTOR * h
    trend_on &= det["ewma"].to_numpy() > 0  # still worse than usual lately
    severity_evidence = np.maximum(det["cusum_raw"].to_numpy(), cusum)
    trend_score = soft_score(severity_evidence / h)
    trend_high = severity_evidence >= HIGH_FACTOR * h

    silent = det["silent_days"].to_numpy()
    prob = det["silence_prob"].to_numpy()
    miss_on = (silent >= min_silent) & (prob <= alpha)
    with np.errstate(divide="ignore"):
        miss_sur = np.log(np.maximum(prob, 1e-12)) / np.log(alpha)
    miss_score = soft_score(miss_sur)
    miss_high = (prob <= alpha**2) & (silent >= 2 * min_silent)

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


def trend_reasons(r: Any) -> tuple[Reason, ...]:
    h = round(float(effective_h(STAGE_PARAMS[str(r.stage)].h, float(r.mood_n_usual))), 2)
    run, bad = int(r.run_days), int(r.run_bad_days)
    out = [
        Reason(
            "trend_accumulated",
            f"ふだんより調子の悪い日が積み重なっています"
            f" (直近{run}日のうち記録{int(r.run_answers)}日、悪い日{bad}日、"
            f"累積{max(r.cusum_raw, r.cusum):.1f}/基準{h:.1f})",
            {
                "run_days": run,
                "answers": int(r.run_answers),
                "bad_days": bad,
                "cusum": _f(max(r.cusum_raw, r.cusum)),
                "threshold": h,
            },
        )
    ]
    texts = {
        "mood": "{ja}が本人のふだんより低い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "fatigue": "{ja}が本人のふだんより強い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "sleep_quality": "{ja}がふだんより悪い日が{n}日あります (ふだん{u:.1f}→最近の平均{m:.1f})",
        "sleep_hours": "{ja}がふだんより短い日が{n}日あります"
        " (ふだん{u:.1f}時間→最近の平均{m:.1f}時間)",
    }
    thresholds = {"mood": 0.5, "fatigue": 0.5, "sleep_quality": 0.5, "sleep_hours": 0.75}
    sign = {"mood": -1, "fatigue": 1, "sleep_quality": -1, "sleep_hours": -1}
    for item in ITEMS:
        usual, mean = getattr(r, f"{item}_usual"), getattr(r, f"{item}_run_mean")
        n = int(getattr(r, f"{item}_run_worse_days"))
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
                f"この{RECENT_DAYS}日で少しずつ悪くなっています"
                f" (ふだんとの差が1日あたり{r.slope:+.2f}ずつ変化)",
                {"slope_per_day": _f(r.slope)},
            )
        )
    return tuple(out)


def missing_reasons(r: Any) -> tuple[Reason, ...]:
    silent = int(r.silent_days)
    if r.last_entry_offset > 0:
        last = pd.Timestamp(r.morning) - pd.Timedelta(days=int(r.last_entry_offset))
        since_txt = f"最後の記録: {jp_date(last)}"
        last_s: str | None = str(last.date())
    else:
        since_txt = "この8週間、記録がありません"
        last_s = None
    return (
        Reason(
            "missed_entries",
            f"記録する予定の日に{silent}日続けて記録がありません"
            f" (ふだんは予定日の{r.answer_rate:.0%}に記録、{since_txt})",
            {
                "expected_days_silent": silent,
                "usual_answer_rate": _f(r.answer_rate),
                "last_entry": last_s,
            },
        ),
    )


def to_candidates(det: pd.DataFrame, cand: pd.DataFrame) -> list[FlagCandidate]:
    """FlagCandidate objects (with reasons) for the candidate rows, most urgent first."""
    if len(cand) == 0:
        return []
    cand = order(cand)
    rows = det[[c for c in det.columns if c in REASON_COLUMNS]].iloc[cand["det_row"].to_numpy()]
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
            reasons = trend_reasons(r) if c.kind == "trend" else missing_reasons(r)
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
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(detections, candidate rows) for many mornings in one vectorised pass."""
    det = detect(entries, clients, mornings)
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
) -> dict[date, list[FlagCandidate]]:
    """Flags of each morning (each sees only entries dated before it), in one pass."""
    mornings = [pd.Timestamp(m).normalize().date() for m in mornings]
    det, cand = candidates_for_mornings(entries, clients, mornings, ranker)
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
) -> list[FlagCandidate]:
    """Flags to show on the morning of ``today``, from entries dated before ``today``.

    ``entries`` and ``clients`` have the columns in :mod:`checkin.signals.types`; the
    engine looks back ``LOOKBACK_DAYS`` (56) days, so 60 days of history is enough.
    ``ranker`` (optional) re-ranks the candidates with a learned model; without it (or when
    it fell back for lack of labels) the rules' scores are used.
    """
    today_ts = pd.Timestamp(today).normalize()
    entries = entries[entries["date"] < today_ts]
    det, cand = candidates_for_mornings(entries, clients, [today_ts], ranker)
    return to_candidates(det, cand)
