"""Synthetic offices with ground truth, for tests, the evaluation and the benchmark.

Each client has a personal usual (mood, fatigue, sleep), day-to-day noise with some
memory (AR(1)), weekday effects (heavier Mondays and Fridays, lighter weekends), occasional
single bad days that are *not* deteriorations, and an answering habit (regular 95 %,
typical 80 %, irregular ~60 % of workdays, or part-time clients who work and answer three
days a week; with ``answer_mix="wide"`` also 30 % sparse answerers, 15-40 % of
workdays). On top, ground-truth events:

- **slow** deteriorations: a linear slide over 10-24 days to a peak, then recovery;
- **sudden** deteriorations: the same over 4-7 days;
- **dropouts**: the client silently stops answering (14-40 days, or for good).

During a deterioration the answer rate falls a little (people answer less when unwell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from checkin.signals.params import STAGES

ANSWER_MIXES = ("standard", "wide")
SPARSE_SHARE = 0.3  # answer_mix="wide": clients turned into sparse answerers (15-40 %)
WEEKDAY_MOOD = np.array([-0.35, 0.0, 0.0, 0.0, 0.1, 0.25, 0.25])
WEEKDAY_FATIGUE = np.array([0.25, 0.0, 0.05, 0.1, 0.4, -0.3, -0.3])


@dataclass(frozen=True)
class Office:
    entries: pd.DataFrame
    clients: pd.DataFrame  # + supporter_id
    truth: pd.DataFrame  # client_id, kind (slow, sudden, dropout), onset, peak, end


def _to_scale(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 1, 5)


def generate_office(
    n_clients: int = 200,
    days: int = 365,
    start: date = date(2025, 4, 1),
    seed: int = 0,
    clients_per_supporter: int = 20,
    deterioration_rate: float = 0.8,  # expected deteriorations per client-year
    dropout_share: float = 0.2,
    events: bool = True,
    answer_mix: str = "standard",
) -> Office:
    """``answer_mix="wide"``: the same office (same clients, days and ground-truth events:
    the main random stream is untouched) where a further ``SPARSE_SHARE`` of clients,
    drawn from a separate stream, answer on only 15-40 % of their workdays (habit
    ``sparse``), so that every answer-rate band of the evaluation has clients."""
    if answer_mix not in ANSWER_MIXES:
        raise ValueError(f"answer_mix must be one of {ANSWER_MIXES}")
    rng = np.random.default_rng(seed)
    n, d = n_clients, days
    dates = pd.date_range(start, periods=d, freq="D")
    wday = np.asarray(dates.day_of_week)

    # --- clients
    stage = rng.choice(list(STAGES), size=n, p=[0.3, 0.3, 0.25, 0.15])
    habit = rng.choice(
        ["regular", "typical", "irregular", "parttime"], size=n, p=[0.35, 0.3, 0.2, 0.15]
    )
    workdays = np.where(habit == "parttime", "024", "01234")
    rate = np.select(
        [habit == "regular", habit == "typical", habit == "irregular"],
        [rng.uniform(0.92, 0.99, n), rng.uniform(0.75, 0.88, n), rng.uniform(0.5, 0.65, n)],
        rng.uniform(0.85, 0.97, n),
    )
    if answer_mix == "wide":
        side = np.random.default_rng([seed, 40])
        sparse = side.random(n) < SPARSE_SHARE
        habit = np.where(sparse, "sparse", habit)
        rate = np.where(sparse, side.uniform(0.15, 0.40, n), rate)
    late = rng.random(n) < 0.1  # joined during the period: few entries at first
    first_day = np.where(late, rng.integers(30, max(31, d // 2), n), 0)
    active_from = pd.Series(dates[np.minimum(first_day, d - 1)]).where(late)

    # --- latent daily state
    mu_mood = np.clip(rng.normal(3.7, 0.45, n), 2.5, 4.7)
    mu_fat = np.clip(rng.normal(2.5, 0.45, n), 1.3, 3.8)
    mu_sleep = np.clip(rng.normal(6.8, 0.6, n), 5.0, 8.5)
    mu_sq = np.clip(rng.normal(3.5, 0.45, n), 2.2, 4.7)
    sd = rng.uniform(0.35, 0.85, n)
    ar = np.zeros((n, d))
    eps = rng.normal(0, 1, (n, d))
    for t in range(d):  # AR(1) over days (a loop over 365 days, vectorised over clients)
        ar[:, t] = (0.5 * ar[:, t - 1] if t else 0) + eps[:, t] * np.sqrt(0.75)
    noise = sd[:, None] * ar
    bad_day = (rng.random((n, d)) < 0.03) * rng.uniform(1.0, 2.0, (n, d))

    depth = np.zeros((n, d))  # 0..1 severity of a true deterioration
    truth_rows = []
    absent = np.zeros((n, d), dtype=bool)
    if events:
        for i in range(n):
            t0 = first_day[i] + 60
            silent: tuple[int, int] | None = None
            if rng.random() < dropout_share:
                o = int(rng.integers(t0, max(t0 + 1, d - 7)))
                length = int(rng.integers(14, 41)) if rng.random() < 0.5 else d - o
                if o < d - 7:
                    silent = (o, o + length)
                    absent[i, o : o + length] = True
                    truth_rows.append(
                        (i, "dropout", dates[o], dates[o], dates[min(o + length - 1, d - 1)])
                    )
            n_events = rng.poisson(deterioration_rate * d / 365)
            starts: list[int] = []
            for _ in range(n_events):
                o = int(rng.integers(t0, max(t0 + 1, d - 10)))
                if o >= d - 10 or any(abs(o - s) < 50 for s in starts):
                    continue
                slow = rng.random() < 0.6
                ramp = int(rng.integers(10, 25) if slow else rng.integers(4, 8))
                rec = int(rng.integers(7, 15))
                # a deterioration nobody can see (inside a silent dropout) is not an event
                if silent is not None and o + ramp + rec + 5 >= silent[0] and o <= silent[1] + 5:
                    continue
                starts.append(o)
                peak = o + ramp - 1
                amp = rng.uniform(0.8, 1.0)
                for j in range(ramp + rec):
                    t = o + j
                    if t >= d:
                        break
                    v = (j + 1) / ramp if j < ramp else 1 - (j - ramp + 1) / (rec + 1)
                    depth[i, t] = max(depth[i, t], amp * v)
                truth_rows.append(
                    (
                        i,
                        "slow" if slow else "sudden",
                        dates[o],
                        dates[min(peak, d - 1)],
                        dates[min(o + ramp + rec - 1, d - 1)],
                    )
                )

    mood = mu_mood[:, None] + WEEKDAY_MOOD[wday] + noise - 0.8 * bad_day - 1.9 * depth
    fatigue = mu_fat[:, None] + WEEKDAY_FATIGUE[wday] + 0.7 * noise + bad_day + 1.6 * depth
    sleep = mu_sleep[:, None] + 0.6 * rng.normal(0, 1, (n, d)) - 0.3 * bad_day - 1.5 * depth
    sq = mu_sq[:, None] + 0.6 * noise - 0.5 * bad_day - 1.5 * depth

    wd_mask = np.zeros((n, 7), dtype=bool)
    for i, w in enumerate(workdays):
        wd_mask[i, [int(c) for c in w]] = True
    on_workday = wd_mask[:, wday]
    p = np.where(on_workday, rate[:, None], 0.15 * rate[:, None]) * (1 - 0.3 * depth)
    answered = (rng.random((n, d)) < p) & ~absent & (np.arange(d)[None, :] >= first_day[:, None])
    ci, ti = np.nonzero(answered)
    entries = pd.DataFrame(
        {
            "client_id": ci + 1,
            "date": dates[ti],
            "mood": _to_scale(mood[ci, ti]).astype(int),
            "fatigue": _to_scale(fatigue[ci, ti]).astype(int),
            "sleep_hours": np.round(np.clip(sleep[ci, ti], 2, 12), 1),
            "sleep_quality": _to_scale(sq[ci, ti]).astype(int),
            "wants_contact": False,
            "note": None,
        }
    )
    clients = pd.DataFrame(
        {
            "client_id": np.arange(n) + 1,
            "supporter_id": np.arange(n) // clients_per_supporter + 1,
            "stage": stage,
            "workdays": workdays,
            "active_from": active_from,
            "active_to": pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
            "habit": habit,
        }
    )
    truth = pd.DataFrame(truth_rows, columns=["client_id", "kind", "onset", "peak", "end"])
    truth["client_id"] += 1
    return Office(entries, clients, truth)


def stable_clients(
    n_clients: int, days: int, start: date, seed: int = 0, answer_rate: float = 0.9
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A large office with no events (benchmark load): fast, fully vectorised."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    answered = rng.random((n_clients, days)) < answer_rate
    ci, ti = np.nonzero(answered)
    k = len(ci)
    mu = rng.normal(3.7, 0.4, n_clients)[ci]
    entries = pd.DataFrame(
        {
            "client_id": ci + 1,
            "date": dates[ti],
            "mood": _to_scale(mu + rng.normal(0, 0.7, k)).astype(int),
            "fatigue": _to_scale(2.5 + rng.normal(0, 0.7, k)).astype(int),
            "sleep_hours": np.round(6.8 + rng.normal(0, 0.7, k), 1),
            "sleep_quality": _to_scale(3.5 + rng.normal(0, 0.7, k)).astype(int),
            "wants_contact": rng.random(k) < 0.002,
            "note": None,
        }
    )
    clients = pd.DataFrame(
        {
            "client_id": np.arange(n_clients) + 1,
            "stage": rng.choice(list(STAGES), n_clients),
            "workdays": "01234",
            "active_from": pd.NaT,
            "active_to": pd.NaT,
        }
    )
    clients["active_from"] = pd.to_datetime(clients["active_from"])
    clients["active_to"] = pd.to_datetime(clients["active_to"])
    return entries, clients
