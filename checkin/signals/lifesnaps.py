"""LifeSnaps (real daily self-reports) mapped to check-ins, with injected ground truth.

Mapping (one check-in per person-day where at least one feeling was selected; a day with
no feeling selected is a missed entry):

- mood = 3 + (HAPPY + RESTED/RELAXED + ALERT) - (SAD + TENSE/ANXIOUS), clipped to 1-5
  (NEUTRAL alone = 3);
- fatigue = 2 + 2 x TIRED - RESTED/RELAXED, clipped to 1-5 (TIRED alone = 4);
- sleep_hours = minutesAsleep / 60 (empty when the watch recorded no sleep);
- sleep_quality: empty (LifeSnaps has no self-rated sleep quality);
- wants_contact false, no note; every day is an expected day (workdays ``0123456``: the
  study asked for daily reports); stages drawn at random (seeded); a person is active from
  their first to the day after their last self-report.

Injection (per replication, seeded): each person with enough answers gets one event,
alternating between a deterioration (60 % slow: linear over 10-24 days; 40 % sudden: 4-7
days; then recovery over 7-14 days; at the peak mood -2, fatigue +2, sleep -1.5 h, applied
to the real answers and re-clipped) and a silent dropout (every entry from the onset on is
removed). Onsets are placed where the person answered at least 8 times in the 21 days
before (most people reported for only ~60 days, so baselines are short and the office-wide
fallback matters), and deteriorations only where at least 2 real answers fall between onset and peak
(otherwise nobody could see it). Real answers, real gaps and real noise stay as they are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from checkin.signals.params import STAGES

FEELINGS = ["ALERT", "HAPPY", "NEUTRAL", "RESTED/RELAXED", "SAD", "TENSE/ANXIOUS", "TIRED"]
FILE = "daily_fitbit_sema_df_unprocessed.csv"


def default_data_dir() -> Path:
    """``<repo>/data/lifesnaps`` (shipped with the repository, MIT licence)."""
    return Path(__file__).resolve().parents[2] / "data" / "lifesnaps"


def load_lifesnaps(
    data_dir: str | Path | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries, clients) from the LifeSnaps daily file."""
    path = Path(data_dir or default_data_dir()) / FILE
    raw = pd.read_csv(path, usecols=["id", "date", "minutesAsleep", *FEELINGS], dtype={"id": str})
    f = raw[FEELINGS].fillna(0.0)
    answered = raw[FEELINGS].notna().any(axis=1) & (f.sum(axis=1) > 0)
    ids = {pid: i + 1 for i, pid in enumerate(sorted(raw["id"].unique()))}
    pos = f["HAPPY"] + f["RESTED/RELAXED"] + f["ALERT"]
    neg = f["SAD"] + f["TENSE/ANXIOUS"]
    sleep = raw["minutesAsleep"].where(raw["minutesAsleep"] > 0) / 60.0
    entries = pd.DataFrame(
        {
            "client_id": raw["id"].map(ids).astype("int64"),
            "date": pd.to_datetime(raw["date"]).astype("datetime64[ns]"),
            "mood": np.clip(3 + pos - neg, 1, 5),
            "fatigue": np.clip(2 + 2 * f["TIRED"] - f["RESTED/RELAXED"], 1, 5),
            "sleep_hours": sleep.round(1),
            "sleep_quality": np.nan,
            "wants_contact": False,
            "note": None,
        }
    )[answered.to_numpy()]
    entries = entries.drop_duplicates(["client_id", "date"]).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    # A person is "active" over their own reporting period (the study ran in two cohorts).
    span = entries.groupby("client_id")["date"].agg(["min", "max"])
    ids_present = span.index.to_numpy()
    n = len(ids_present)
    clients = pd.DataFrame(
        {
            "client_id": ids_present,
            "supporter_id": (np.arange(n) // 20) + 1,
            "stage": rng.choice(list(STAGES), n),
            "workdays": "0123456",
            "active_from": span["min"].to_numpy(),
            "active_to": span["max"].to_numpy() + np.timedelta64(1, "D"),
        }
    )
    return entries, clients


def inject(
    entries: pd.DataFrame, clients: pd.DataFrame, seed: int = 0, min_history: int = 21
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries with injected events, truth frame: client_id, kind, onset, peak, end)."""
    rng = np.random.default_rng(seed)
    out = entries.copy()
    out["mood"] = out["mood"].astype(float)
    out["fatigue"] = out["fatigue"].astype(float)
    truth = []
    drop_mask = np.zeros(len(out), dtype=bool)
    people = clients["client_id"].to_numpy().copy()
    rng.shuffle(people)
    kind_turn = 0
    for cid in people:
        sel = np.flatnonzero(out["client_id"].to_numpy() == cid)
        dates = pd.DatetimeIndex(out["date"].to_numpy()[sel])
        if len(dates) < 20:
            continue
        first, last = dates.min(), dates.max()
        # candidate onsets: after min_history days, >= 8 answers in the 3 weeks before
        cands = []
        for d in dates:
            if d < first + pd.Timedelta(days=min_history) or d > last - pd.Timedelta(days=10):
                continue
            n_prev = ((dates >= d - pd.Timedelta(days=min_history)) & (dates < d)).sum()
            if n_prev >= 8:
                cands.append(d)
        if not cands:
            continue
        onset = cands[int(rng.integers(len(cands)))]
        if kind_turn % 2 == 1:
            drop_mask[sel[dates >= onset]] = True
            truth.append((cid, "dropout", onset, onset, last))
            kind_turn += 1
            continue
        slow = rng.random() < 0.6
        ramp = int(rng.integers(10, 25) if slow else rng.integers(4, 8))
        rec = int(rng.integers(7, 15))
        peak = onset + pd.Timedelta(days=ramp - 1)
        if ((dates >= onset) & (dates <= peak)).sum() < 2:
            continue
        j = np.asarray((dates - onset).days)
        v = np.where(
            (j >= 0) & (j < ramp),
            (j + 1) / ramp,
            np.where((j >= ramp) & (j < ramp + rec), 1 - (j - ramp + 1) / (rec + 1), 0.0),
        )
        amp = rng.uniform(0.8, 1.0) * v
        idx = out.index[sel]
        out.loc[idx, "mood"] = np.clip(np.rint(out.loc[idx, "mood"] - 2.0 * amp), 1, 5)
        out.loc[idx, "fatigue"] = np.clip(np.rint(out.loc[idx, "fatigue"] + 2.0 * amp), 1, 5)
        out.loc[idx, "sleep_hours"] = (out.loc[idx, "sleep_hours"] - 1.5 * amp).round(1)
        truth.append(
            (
                cid,
                "slow" if slow else "sudden",
                onset,
                peak,
                onset + pd.Timedelta(days=ramp + rec - 1),
            )
        )
        kind_turn += 1
    out = out[~drop_mask].reset_index(drop=True)
    tf = pd.DataFrame(truth, columns=["client_id", "kind", "onset", "peak", "end"])
    return out, tf
