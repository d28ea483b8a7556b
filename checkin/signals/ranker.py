"""Learned ranking of the rules' candidates (scikit-learn), with a fallback to the rules.

Pure functions over frames: the caller (a retraining job) loads outcome labels and flag
feedback from the database, calls :func:`train_ranker`, saves the returned :class:`Ranker`
with :meth:`Ranker.save` and passes it to ``compute_flags(..., ranker=...)``.

- **Features**: the detector state of each client-morning (:func:`build_features`): the
  accumulated evidence, its run, the recent level and trend, the shift of each item from
  the client's usual, the silence against the client's habit, the stage.
- **Labels** (:func:`build_labels`): a client-morning is positive when an outcome
  (absence, sick leave, crisis, quit) follows within ``horizon_days``, or when a supporter
  marked that morning's flag useful; negative when no outcome follows or the flag was
  marked not useful. Feedback overrides outcomes.
- **Training**: only client-mornings with a rules candidate (we re-rank candidates, we do
  not add flags); time-based split (oldest 60 % train, next 20 % calibration, newest 20 %
  test); gradient boosting, then sigmoid calibration on the calibration mornings.
- **Fallback**: with fewer than ``min_positive`` positives or ``min_negative`` negatives in
  any part, the returned Ranker has no model and leaves the rules' scores alone (its
  version is the rules' version).
- **Re-ranking**: non-urgent candidates get ``score = 100 x calibrated probability``
  (urgent ones keep theirs, above 100); severities stay the rules', so the list is ordered
  by severity, then by the model; each candidate records the model version.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from checkin.signals.params import DROP_DAYS, RULES_VERSION, STAGES, STREAK_ITEMS

OUTCOME_KINDS = ("absence", "sick_leave", "crisis", "quit")
NUMERIC_FEATURES = [
    "cusum",
    "cusum_raw",
    "cusum_without_worst",
    "run_days",
    "run_answers",
    "run_bad_days",
    "ewma",
    "slope",
    "last_comp",
    "recent_answers",
    "silent_days",
    "answer_rate",
    "silence_prob",
    "days_since_entry",
    "entries_in_window",
    "mood_n_usual",
]
SHIFT_ITEMS = ("mood", "fatigue", "sleep_quality", "sleep_hours")
# Signed so that positive is worse than usual (as in the engine's z-scores).
_WORSE = {"mood": -1.0, "fatigue": 1.0, "sleep_quality": -1.0, "sleep_hours": -1.0}
# The engine's "not enough answers" age of the sharp-drop and streak state.
_NO_AGE = 99


def build_features(det: pd.DataFrame) -> pd.DataFrame:
    """Numeric features per client-morning from :func:`checkin.signals.engine.detect`.

    A model selects its own columns by name (:attr:`Ranker.features`), so features are only
    ever added here, never renamed: a model trained before an addition still predicts.
    Missing values stay NaN (gradient boosting learns where they go)."""
    f = det[NUMERIC_FEATURES].astype(float).copy()
    for item in SHIFT_ITEMS:
        f[f"{item}_shift"] = (det[f"{item}_run_mean"] - det[f"{item}_usual"]).astype(float)
    f["log_silence_prob"] = np.log10(np.maximum(det["silence_prob"].astype(float), 1e-12))
    for s in STAGES:
        f[f"stage_{s}"] = (det["stage"] == s).astype(float)
    # rules-3 state. The sharp drop: the least bad of the last answered days (in usual
    # spreads), the fewest clearly worse items on them, how old the oldest is; NaN when the
    # client has too few answers in the recent window.
    drop = f"drop{DROP_DAYS}"
    enough = det[f"{drop}_age"].to_numpy() != _NO_AGE
    f[f"{drop}_comp"] = np.where(enough, det[f"{drop}_comp"].astype(float), np.nan)
    f[f"{drop}_items"] = np.where(enough, det[f"{drop}_items"].astype(float), np.nan)
    f[f"{drop}_age"] = np.where(enough, det[f"{drop}_age"].astype(float), np.nan)
    # One item on its own: the run of answers worse than usual, its mean relative to the
    # client's usual (in spreads, positive = worse), how long ago the item was last answered.
    for item in STREAK_ITEMS:
        usual = det[f"{item}_usual"].astype(float)
        spread = det[f"{item}_spread"].astype(float)
        mean = det[f"{item}_streak_mean"].astype(float)
        age = det[f"{item}_streak_age"].astype(float)
        f[f"{item}_streak"] = det[f"{item}_streak"].astype(float)
        f[f"{item}_streak_shift"] = _WORSE[item] * (mean - usual) / spread
        f[f"{item}_streak_age"] = age.where(age != _NO_AGE)
    # how much habit the silence is judged against (expected days seen before it)
    f["habit_expected"] = det["habit_expected"].astype(float)
    return f


def build_labels(
    det: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    horizon_days: int = 14,
) -> pd.Series:
    """1.0 / 0.0 per det row (NaN: unknown, e.g. mornings too recent to know the outcome).

    ``outcomes``: client_id, date, kind (absence, sick_leave, crisis, quit).
    ``feedback``: client_id, date (the morning the flag was shown), useful (bool).
    """
    morning = pd.to_datetime(det["morning"])
    y = pd.Series(0.0, index=det.index)
    if outcomes is not None and len(outcomes):
        o = outcomes[outcomes["kind"].isin(OUTCOME_KINDS)]
        j = (
            det[["client_id"]]
            .assign(morning=morning, _row=np.arange(len(det)))
            .merge(o[["client_id", "date"]], on="client_id")
        )
        d = (pd.to_datetime(j["date"]) - j["morning"]).dt.days
        pos = j.loc[(d >= 0) & (d <= horizon_days), "_row"].unique()
        y.iloc[pos] = 1.0
        # the last horizon's mornings cannot be known negatives yet
        known_until = pd.to_datetime(o["date"]).max() if len(o) else morning.max()
        y[(morning > known_until - pd.Timedelta(days=horizon_days)) & (y == 0)] = np.nan
    if feedback is not None and len(feedback):
        fb = feedback.assign(date=pd.to_datetime(feedback["date"]))
        key = pd.MultiIndex.from_arrays([det["client_id"], morning])
        fkey = pd.MultiIndex.from_arrays([fb["client_id"], fb["date"]])
        useful = pd.Series(fb["useful"].astype(float).to_numpy(), index=fkey)
        useful = useful[~useful.index.duplicated(keep="last")]
        hit = key.isin(fkey)
        y[hit] = useful.reindex(key[hit]).to_numpy()
    return y


@dataclass
class Ranker:
    """A fitted re-ranking model, or the rules' fallback (``model is None``)."""

    version: str
    model: Any = None
    features: list[str] = field(default_factory=list)
    n_labels: int = 0
    n_positive: int = 0
    fallback_reason: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def is_fallback(self) -> bool:
        return self.model is None

    def predict_proba(self, det: pd.DataFrame) -> np.ndarray:
        if self.model is None:
            raise ValueError(f"no model: {self.fallback_reason}")
        x = build_features(det)[self.features].to_numpy(dtype=float)
        return np.asarray(self.model.predict_proba(x)[:, 1], dtype=float)

    def rerank(self, det: pd.DataFrame, cand: pd.DataFrame) -> pd.DataFrame:
        cand = cand.copy()
        cand["model_version"] = self.version
        if self.model is None or len(cand) == 0:
            return cand
        soft = (cand["severity"] != "urgent").to_numpy()
        if soft.any():
            rows = det.iloc[cand["det_row"].to_numpy()[soft]]
            p = self.predict_proba(rows)
            score = cand["score"].to_numpy(dtype=float).copy()
            score[soft] = np.round(np.clip(100.0 * p, 0.0, 99.9), 1)
            cand["score"] = score
        return cand

    def save(self, path: str | Path) -> None:
        with Path(path).open("wb") as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | Path) -> Ranker:
        """Load a ranker saved by :meth:`save` (pickle: only load files you wrote)."""
        with Path(path).open("rb") as f:
            obj = pickle.load(f)
        if not isinstance(obj, cls):
            raise TypeError(f"{path} does not hold a Ranker")
        return obj


def rerank_by_office(
    det: pd.DataFrame,
    cand: pd.DataFrame,
    office_of: pd.Series,
    rankers: Mapping[int, Ranker],
) -> pd.DataFrame:
    """Re-rank the candidates of one pass over several offices, each office with its own
    ranker (``office_of``: client_id -> office_id); offices without one keep the rules'
    scores and version. The detector pass is shared: only the model differs per office."""
    cand = cand.copy()
    cand["model_version"] = RULES_VERSION
    if not rankers or len(cand) == 0:
        return cand
    office = cand["client_id"].map(office_of).to_numpy()
    score = cand["score"].to_numpy(dtype=float).copy()
    version = cand["model_version"].to_numpy(dtype=object).copy()
    for office_id, ranker in rankers.items():
        mine = office == office_id
        if not mine.any():
            continue
        part = ranker.rerank(det, cand[mine])
        score[mine] = part["score"].to_numpy(dtype=float)
        version[mine] = part["model_version"].to_numpy(dtype=object)
    cand["score"] = score
    cand["model_version"] = version
    return cand


def fallback(reason: str, n_labels: int = 0, n_positive: int = 0) -> Ranker:
    return Ranker(RULES_VERSION, None, [], n_labels, n_positive, reason)


def train_ranker(
    det: pd.DataFrame,
    labels: pd.Series,
    candidate_rows: np.ndarray | None = None,
    *,
    min_positive: int = 20,
    min_negative: int = 20,
    random_state: int = 0,
) -> Ranker:
    """Fit and calibrate on a time-based split; fall back to the rules when labels are few.

    ``candidate_rows``: det row positions that had a rules candidate (default: every row
    with a trend or missing decision, from :func:`checkin.signals.flags.decide`).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator
    from sklearn.metrics import brier_score_loss, roc_auc_score

    if candidate_rows is None:
        from checkin.signals.flags import decide

        c = decide(det)
        candidate_rows = np.unique(c.loc[c["kind"].isin(["trend", "missing"]), "det_row"])
    rows = np.asarray(candidate_rows, dtype=np.int64)
    y_all = labels.to_numpy(dtype=float)[rows]
    known = ~np.isnan(y_all)
    rows, y = rows[known], y_all[known].astype(int)
    n_pos, n_lab = int(y.sum()), len(y)
    if n_pos < min_positive or n_lab - n_pos < min_negative:
        return fallback(
            f"too few labels: {n_pos} positive, {n_lab - n_pos} negative"
            f" (need {min_positive} and {min_negative})",
            n_lab,
            n_pos,
        )
    x_df = build_features(det.iloc[rows])
    mornings = pd.to_datetime(det["morning"].to_numpy()[rows])
    cut1, cut2 = np.quantile(mornings.asi8, [0.6, 0.8])
    parts = {
        "train": mornings.asi8 <= cut1,
        "calib": (mornings.asi8 > cut1) & (mornings.asi8 <= cut2),
        "test": mornings.asi8 > cut2,
    }
    for name, m in parts.items():
        pos = int(y[m].sum())
        if pos < max(3, min_positive // 5) or int(m.sum()) - pos < max(3, min_negative // 5):
            return fallback(
                f"too few labels in the {name} period: {pos} positive, {int(m.sum()) - pos}"
                " negative",
                n_lab,
                n_pos,
            )
    x = x_df.to_numpy(dtype=float)
    base = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        random_state=random_state,
    )
    base.fit(x[parts["train"]], y[parts["train"]])
    model = CalibratedClassifierCV(FrozenEstimator(base), method="sigmoid")
    model.fit(x[parts["calib"]], y[parts["calib"]])
    p_test = model.predict_proba(x[parts["test"]])[:, 1]
    metrics = {
        "test_auc": float(roc_auc_score(y[parts["test"]], p_test)),
        "test_brier": float(brier_score_loss(y[parts["test"]], p_test)),
        "test_base_rate": float(y[parts["test"]].mean()),
    }
    digest = hashlib.sha1(
        repr((list(x_df.columns), n_lab, n_pos, str(mornings.max().date()), random_state)).encode()
    ).hexdigest()[:8]
    version = f"ranker-{mornings.max().date():%Y%m%d}-{digest}"
    return Ranker(version, model, list(x_df.columns), n_lab, n_pos, None, metrics)
