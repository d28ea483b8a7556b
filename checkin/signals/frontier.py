"""The frontier: what *any* detector on these signals can reach (research, not product).

A learned detector is trained on the ground truth of the *training* data (synthetic seeds
1-2, LifeSnaps injection seeds 1-10) to say, for every client-morning, whether it lies in a
deterioration's window onset+1 … peak. As a method, a client-morning is flagged when the
rules flag it **or** the model's probability reaches a threshold; the flags go through the
same cooldown and metrics as ``checkin evaluate``. Sweeping the threshold draws the
frontier: flagged before peak and median delay against false alerts per client-month.

Offices have no such truth, so this detector never runs in the morning job: it bounds what
the rules could gain (a detector fitted to the very events it is scored on, on the same
signals), it is not a candidate for the product. Run: ``python -m checkin.signals.commands
frontier``.

- Features (:func:`frontier_features`): the learned ranking's (``ranker.build_features``)
  plus the rules-3 state (the sharp drop's two days, the item streaks), the composites of
  the last three answers and their age, silence after a bad answer, the weekday.
- Labels (:func:`frontier_labels`): 1 in onset+1 … peak of a deterioration, 0 outside every
  true window, unknown (left out of training) elsewhere in a true window (after the peak,
  dropouts): those mornings are neither to be found nor false alerts.
- Thresholds are chosen on the training data with cross-fitted probabilities (each client,
  or each LifeSnaps person, scored by a model that never saw them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from checkin.signals import engine, flags
from checkin.signals.evaluate import _windows, pool, score_method
from checkin.signals.params import LAST_ANSWERS, STREAK_ITEMS
from checkin.signals.ranker import build_features

# Probability thresholds swept (None: the rules alone).
THRESHOLDS: tuple[float | None, ...] = (
    None,
    0.8,
    0.6,
    0.4,
    0.3,
    0.2,
    0.15,
    0.1,
    0.07,
    0.05,
    0.03,
    0.02,
)
# Features that tell how far into a person's history a morning is. In the LifeSnaps
# injections every other person gets an event 3-7 weeks into a ~9-week history, so a model
# trained there can learn *when* events were injected rather than what the answers show.
TIME_IN_STUDY = ("entries_in_window", "habit_expected", "mood_n_usual")
FA_TARGET = 0.9  # false alerts per client-month the chosen threshold keeps to (margin to 1)
SYN_TRAIN_SEEDS = (1, 2)
SYN_TRAIN_SIZE = 200
# The learning curve: more generated offices (seeds 1 … this, never the reported seeds
# 100-104 nor the ranker's 1100-1104) to see whether the frontier still moves with data.
SYN_MORE_OFFICES = 10
LS_TRAIN_SEEDS = tuple(range(1, 11))


def frontier_features(det: pd.DataFrame) -> pd.DataFrame:
    """Per client-morning features: the ranker's plus the rules-3 state and the last answers."""
    f = build_features(det)
    for col in ("drop2_comp", "drop2_items", "drop2_age", "habit_expected"):
        f[col] = det[col].astype(float)
    for item in STREAK_ITEMS:
        f[f"{item}_streak"] = det[f"{item}_streak"].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            f[f"{item}_streak_shift"] = engine.DIRECTION[item] * (
                (det[f"{item}_streak_mean"] - det[f"{item}_usual"]) / det[f"{item}_spread"]
            ).astype(float)
    for j in range(1, LAST_ANSWERS + 1):
        f[f"comp_last{j}"] = det[f"comp_last{j}"].astype(float)
        f[f"age_last{j}"] = det[f"age_last{j}"].astype(float)
    # silence after a bad answer: expected days since an answer that was worse than usual
    f["silent_after_bad"] = np.where(
        det["comp_last1"].fillna(-9).to_numpy() > 0, det["silent_days"].to_numpy(), 0
    ).astype(float)
    f["weekday"] = pd.to_datetime(det["morning"]).dt.day_of_week.astype(float).to_numpy()
    return f


def frontier_labels(det: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """1.0 in a deterioration's onset+1 … peak, 0.0 outside every true window, NaN in the
    rest of a true window (after the peak, a dropout)."""
    y = pd.Series(0.0, index=det.index)
    if len(det) == 0 or len(truth) == 0:
        return y
    rows = det[["client_id"]].assign(
        morning=pd.to_datetime(det["morning"]).to_numpy(), _row=np.arange(len(det))
    )
    w = _windows(truth)
    j = rows.merge(w[["client_id", "kind", "onset", "peak", "w_start", "w_end"]], on="client_id")
    inside = (j["morning"] >= j["w_start"]) & (j["morning"] <= j["w_end"])
    y.iloc[j.loc[inside, "_row"].unique()] = np.nan
    pos = inside & (j["kind"] != "dropout") & (j["morning"] <= j["peak"])
    y.iloc[j.loc[pos, "_row"].unique()] = 1.0
    return y


@dataclass
class Detector:
    """A fitted classifier and the feature columns it uses."""

    model: Any
    columns: list[str]


def train_detector(
    det: pd.DataFrame,
    truth: pd.DataFrame,
    rows: np.ndarray | None = None,
    drop: Sequence[str] = (),
) -> Detector:
    """A gradient-boosting classifier of :func:`frontier_labels` (one thread), on every
    feature of :func:`frontier_features` but ``drop``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    f = frontier_features(det)
    columns = [c for c in f.columns if c not in drop]
    x = f[columns].to_numpy(dtype=float)
    y = frontier_labels(det, truth).to_numpy()
    keep = ~np.isnan(y) if rows is None else rows & ~np.isnan(y)
    x = x[keep]
    # an item nobody answers (LifeSnaps has no sleep quality) cannot be binned: constant 0
    x[:, np.isnan(x).all(axis=0)] = 0.0
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.08, max_leaf_nodes=31, min_samples_leaf=40, random_state=0
    )
    with threadpool_limits(limits=1):
        model.fit(x, y[keep].astype(int))
    return Detector(model, columns)


def predict(detector: Detector, det: pd.DataFrame) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    if len(det) == 0:
        return np.zeros(0)
    x = frontier_features(det)[detector.columns].to_numpy(dtype=float)
    with threadpool_limits(limits=1):
        return np.asarray(detector.model.predict_proba(x)[:, 1], dtype=float)


def combined_candidates(
    det: pd.DataFrame, rules: pd.DataFrame, proba: np.ndarray, threshold: float | None
) -> pd.DataFrame:
    """The rules' candidates plus a trend watch on every other client-morning whose
    probability reaches ``threshold`` (None: the rules alone)."""
    if threshold is None:
        return rules
    trend_rows = rules.loc[rules["kind"] == "trend", "det_row"].to_numpy()
    on = proba >= threshold
    on[trend_rows.astype(int)] = False
    idx = np.flatnonzero(on)
    added = pd.DataFrame(
        {
            "client_id": det["client_id"].to_numpy()[idx],
            "morning": det["morning"].to_numpy()[idx],
            "kind": "trend",
            "severity": "watch",
            "score": np.round(40 + 55 * proba[idx], 1),
            "det_row": idx,
        }
    )
    return pd.concat([rules, added], ignore_index=True)


@dataclass
class Scored:
    """One data set with its detector state, the rules' candidates and probabilities."""

    entries: pd.DataFrame
    clients: pd.DataFrame
    truth: pd.DataFrame
    mornings: list[date]
    det: pd.DataFrame
    rules: pd.DataFrame
    proba: np.ndarray | None = None


def scored(
    entries: pd.DataFrame, clients: pd.DataFrame, truth: pd.DataFrame, mornings: list[date]
) -> Scored:
    det = engine.detect(entries, clients, mornings)
    return Scored(entries, clients, truth, mornings, det, flags.decide(det))


def sweep(s: Scored, thresholds: Sequence[float | None] = THRESHOLDS) -> pd.DataFrame:
    """Metrics of rules-or-model at each threshold (one row each, with ``flags``: the
    candidates before the cooldown)."""
    if s.proba is None:
        raise ValueError("no probabilities: set Scored.proba first")
    sup = s.clients.set_index("client_id")["supporter_id"] if "supporter_id" in s.clients else None
    rows = []
    for t in thresholds:
        cand = combined_candidates(s.det, s.rules, s.proba, t)
        r = score_method(cand, s.truth, s.clients, s.mornings, sup)
        soft = cand[cand["kind"].isin(["trend", "missing"])]
        listed = soft["det_row"].nunique() / max(len(s.det), 1)
        rows.append({"threshold": t, "flags": float(len(cand)), "listed": listed, **r})
    return pd.DataFrame(rows)


def cross_fitted(
    s: Scored, fold: np.ndarray, other: Sequence[Scored] = (), drop: Sequence[str] = ()
) -> None:
    """Fill ``s.proba`` with 2-fold cross-fitted probabilities (``fold``: 0/1 per det row)
    and each of ``other``'s with the model of the fold that matches its rows: ``other``
    data sets carry a ``fold`` per det row in their clients' ``fold`` column."""
    proba = np.zeros(len(s.det))
    others = [np.zeros(len(o.det)) for o in other]
    for f in (0, 1):
        model = train_detector(s.det, s.truth, fold == f, drop)
        proba[fold != f] = predict(model, s.det[fold != f])
        for o, p in zip(other, others, strict=True):
            sel = det_fold(o) != f  # the rows of people/clients this model never saw
            p[sel] = predict(model, o.det[sel])
    s.proba = proba
    for o, p in zip(other, others, strict=True):
        o.proba = p


def det_fold(s: Scored) -> np.ndarray:
    """The fold (0/1) of each det row, from the clients' ``fold`` column."""
    m = s.clients.set_index("client_id")["fold"]
    return s.det["client_id"].map(m).to_numpy(dtype=int)


def _with_fold(clients: pd.DataFrame, by: str = "client_id") -> pd.DataFrame:
    return clients.assign(fold=(clients[by] % 2).astype(int))


def synthetic_set(seeds: Sequence[int], size: int, days: int = 365) -> Scored:
    from checkin.signals.commands import _mornings
    from checkin.signals.synthetic import generate_office

    parts = []
    for s in seeds:
        o = generate_office(n_clients=size, days=days, seed=s)
        parts.append((o.entries, o.clients, o.truth))
    e, c, t = pool(parts)
    return scored(e, _with_fold(c), t, _mornings(e))


def lifesnaps_set(directory: Path, seeds: Sequence[int]) -> Scored:
    """Pooled injection replications; ``fold`` is the *person*'s (the same person in every
    replication gets the same fold)."""
    from checkin.signals.commands import _mornings
    from checkin.signals.lifesnaps import inject, load_lifesnaps

    parts = []
    for r in seeds:
        be, bc = load_lifesnaps(directory, seed=r)
        ie, it = inject(be, bc, seed=r)
        parts.append((ie, _with_fold(bc), it))
    e, c, t = pool(parts)
    return scored(e, c, t, _mornings(e, 21))


def chosen(train: pd.DataFrame, target: float = FA_TARGET) -> float | None:
    """The lowest threshold whose false alerts on the training data stay ≤ ``target``."""
    ok = train[(train["false_per_client_month"] <= target) & train["threshold"].notna()]
    return None if ok.empty else float(ok["threshold"].min())


def frontier_table(
    sets: dict[str, tuple[Scored, Scored]], thresholds: Sequence[float | None] = THRESHOLDS
) -> pd.DataFrame:
    """Per label (data set, model) the sweep on its training and reported sets, side by side;
    ``chosen`` names the targets (false alerts ≤ ``FA_TARGET``, ≤ 1) for which the threshold
    is the one picked on the training data ("" for neither)."""
    out = []
    for label, (train, report) in sets.items():
        tr = sweep(train, thresholds)
        rp = sweep(report, thresholds)
        picks = {f"≤ {FA_TARGET:g}": chosen(tr), "≤ 1": chosen(tr, 1.0)}
        for i, t in enumerate(thresholds):
            out.append(
                {
                    "set": label,
                    "threshold": t,
                    "chosen": ", ".join(k for k, p in picks.items() if t is not None and t == p),
                    "train_before_peak": tr.loc[i, "before_peak"],
                    "train_false": tr.loc[i, "false_per_client_month"],
                    **rp.loc[i].drop("threshold").to_dict(),
                }
            )
    return pd.DataFrame(out)


def format_frontier(table: pd.DataFrame) -> str:
    cols = [
        ("train_before_peak", "train: before peak", "{:.1%}"),
        ("train_false", "train: false alerts", "{:.3f}"),
        ("before_peak", "before peak", "{:.1%}"),
        ("before_peak_alarm", "… by a new alarm", "{:.1%}"),
        ("before_peak_sudden", "sudden", "{:.1%}"),
        ("median_delay", "median delay", "{:.1f}"),
        ("dropout_3d", "dropouts ≤3 exp. days", "{:.1%}"),
        ("false_per_client_month", "false alerts / client-month", "{:.3f}"),
        ("top3_precision", "top-3 precision", "{:.1%}"),
        ("listed", "client-mornings flagged", "{:.1%}"),
    ]
    lines = [
        "| data (model trained on) | rules OR p ≥ | " + " | ".join(c[1] for c in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for _, r in table.iterrows():
        t = "rules alone" if pd.isna(r["threshold"]) else f"{r['threshold']:g}"
        if r["chosen"]:
            t = f"**{t}** (chosen: FA {r['chosen']})"
        cells = [fmt.format(r[k]) if pd.notna(r[k]) else "n/a" for k, _, fmt in cols]
        lines.append(f"| {r['set']} | {t} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def frontier_sets(
    *,
    seed: int = 100,
    offices: int = 5,
    office_size: int = 100,
    reps: int = 20,
    lifesnaps_dir: Path | None = None,
    train_size: int = SYN_TRAIN_SIZE,
    more_offices: int = SYN_MORE_OFFICES,
    ls_train_seeds: Sequence[int] = LS_TRAIN_SEEDS,
    log: Any = None,
) -> dict[str, tuple[Scored, Scored]]:
    """The (training, reported) pairs of the frontier, probabilities filled in:

    - synthetic: trained on synthetic seeds 1-2 (cross-fitted by client there), reported on
      seeds ``seed`` … (the ``evaluate`` defaults); and the same with ``more_offices``
      generated training offices (seeds 1 … ``more_offices``; 0 or ≤ 2: left out);
    - LifeSnaps with the synthetic model trained on the most offices (no LifeSnaps truth
      used at all);
    - LifeSnaps with models trained on the LifeSnaps training injections (seeds 1-10), two
      folds by *person*: each person is scored by the model of the other half of the people
      (the same 71 people appear in the training and the reported replications).
    """
    import dataclasses

    say = log or (lambda _msg: None)
    syn_train = synthetic_set(SYN_TRAIN_SEEDS, train_size)
    syn_rep = synthetic_set(range(seed, seed + offices), office_size)
    say(f"synthetic: {len(syn_train.det)} training rows, {len(syn_rep.det)} reported rows")
    cross_fitted(syn_train, det_fold(syn_train))
    syn_model = train_detector(syn_train.det, syn_train.truth)
    syn_rep.proba = predict(syn_model, syn_rep.det)
    sets = {"synthetic (synthetic seeds 1-2)": (syn_train, syn_rep)}
    transfer, transfer_label = syn_model, "synthetic seeds 1-2"
    if more_offices > len(SYN_TRAIN_SEEDS):
        big = synthetic_set(range(1, more_offices + 1), train_size)
        say(f"synthetic, {more_offices} training offices: {len(big.det)} training rows")
        cross_fitted(big, det_fold(big))
        transfer = train_detector(big.det, big.truth)
        transfer_label = f"synthetic seeds 1-{more_offices}"
        rep_big = dataclasses.replace(syn_rep, proba=predict(transfer, syn_rep.det))
        sets[f"synthetic ({transfer_label})"] = (big, rep_big)
    if lifesnaps_dir is not None and lifesnaps_dir.exists() and reps > 0:
        ls_train = lifesnaps_set(lifesnaps_dir, ls_train_seeds)
        ls_rep = lifesnaps_set(lifesnaps_dir, range(seed, seed + reps))
        say(f"LifeSnaps: {len(ls_train.det)} training rows, {len(ls_rep.det)} reported rows")
        a = dataclasses.replace(ls_train, proba=predict(transfer, ls_train.det))
        b = dataclasses.replace(ls_rep, proba=predict(transfer, ls_rep.det))
        sets[f"LifeSnaps ({transfer_label})"] = (a, b)
        c = dataclasses.replace(ls_train, proba=None)
        d = dataclasses.replace(ls_rep, proba=None)
        cross_fitted(c, det_fold(c), [d])
        sets["LifeSnaps (LifeSnaps, other half of the people)"] = (c, d)
        c = dataclasses.replace(ls_train, proba=None)
        d = dataclasses.replace(ls_rep, proba=None)
        cross_fitted(c, det_fold(c), [d], drop=TIME_IN_STUDY)
        sets["LifeSnaps (LifeSnaps, other half, no time-in-study features)"] = (c, d)
    return sets
