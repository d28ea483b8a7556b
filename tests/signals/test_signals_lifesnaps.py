"""The engine on real LifeSnaps trajectories with injected deteriorations and dropouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from checkin.signals.evaluate import evaluate_office
from checkin.signals.lifesnaps import inject, load_lifesnaps

# The LifeSnaps daily file ships in the repository (data/lifesnaps, MIT licence).
DATA = Path(__file__).resolve().parents[2] / "data" / "lifesnaps"


@pytest.fixture(scope="module")
def lifesnaps():
    return load_lifesnaps(DATA, seed=7)


def test_mapping_of_feelings_and_missed_entries(lifesnaps):
    entries, clients = lifesnaps
    raw = pd.read_csv(DATA / "daily_fitbit_sema_df_unprocessed.csv", dtype={"id": str})
    feelings = ["ALERT", "HAPPY", "NEUTRAL", "RESTED/RELAXED", "SAD", "TENSE/ANXIOUS", "TIRED"]
    answered = (raw[feelings].fillna(0) > 0).any(axis=1)
    assert len(entries) == raw[answered].drop_duplicates(["id", "date"]).shape[0]
    assert entries["mood"].between(1, 5).all() and entries["fatigue"].between(1, 5).all()
    happy_only = raw[answered & (raw["HAPPY"] == 1) & (raw[feelings].fillna(0).sum(axis=1) == 1)]
    assert len(happy_only) > 0
    assert clients["workdays"].eq("0123456").all()
    assert entries["sleep_hours"].dropna().between(0, 24).all()


def test_injected_events_are_found_and_silence_is_judged_by_habit(lifesnaps):
    entries, clients = lifesnaps
    injected, truth = inject(entries, clients, seed=7)
    assert (truth["kind"] == "dropout").sum() >= 10
    assert truth["kind"].isin(["slow", "sudden"]).sum() >= 10
    mornings = pd.date_range(
        injected["date"].min() + pd.Timedelta(days=21), injected["date"].max(), freq="D"
    ).date
    table = evaluate_office(injected, clients, truth, list(mornings))
    engine = table.loc["engine (rules-3)"]
    assert engine["before_peak"] >= 0.85
    assert engine["dropout_flagged"] >= 0.85
    for baseline in ("yesterday mood <= 2", "days since entry >= 3", "mood z-score <= -2"):
        assert engine["top3_precision"] > table.loc[baseline, "top3_precision"]
