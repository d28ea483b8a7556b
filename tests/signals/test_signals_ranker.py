"""The learned ranking: trains on outcomes, records its version, falls back when labels are few."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from checkin.signals import RULES_VERSION, compute_flags
from checkin.signals.engine import detect
from checkin.signals.evaluate import outcomes_from_truth
from checkin.signals.ranker import Ranker, build_labels, train_ranker
from checkin.signals.synthetic import generate_office

START = date(2025, 4, 1)


@pytest.fixture(scope="module")
def office():
    return generate_office(n_clients=80, days=240, seed=31)


@pytest.fixture(scope="module")
def det(office):
    mornings = [START + timedelta(days=i) for i in range(56, 240)]
    return detect(office.entries, office.clients, mornings)


def test_labels_follow_outcomes_and_feedback(det):
    cid = int(det["client_id"].iloc[0])
    day = pd.Timestamp(det["morning"].iloc[100])
    outcomes = pd.DataFrame({"client_id": [cid], "date": [day], "kind": ["sick_leave"]})
    feedback = pd.DataFrame(
        {"client_id": [cid], "date": [day - pd.Timedelta(days=2)], "useful": [False]}
    )
    y = build_labels(det, outcomes, feedback, horizon_days=5)
    mine = det["client_id"] == cid
    m = pd.to_datetime(det["morning"])
    assert y[mine & (m == day - pd.Timedelta(days=5))].eq(1.0).all()
    assert y[mine & (m == day - pd.Timedelta(days=6))].eq(0.0).all()
    assert y[mine & (m == day - pd.Timedelta(days=2))].eq(0.0).all()  # feedback wins
    assert y[mine & (m == day)].eq(1.0).all()


def test_few_labels_fall_back_to_the_rules(office, det):
    some = outcomes_from_truth(office.truth).head(2)
    ranker = train_ranker(det, build_labels(det, some))
    assert ranker.is_fallback
    assert ranker.version == RULES_VERSION
    assert "too few labels" in (ranker.fallback_reason or "")
    today = START + timedelta(days=200)
    with_r = compute_flags(office.entries, office.clients, today, ranker=ranker)
    without = compute_flags(office.entries, office.clients, today)
    assert with_r == without
    assert all(f.model_version == RULES_VERSION for f in with_r)


def test_trained_ranker_records_its_version_and_survives_save_load(office, det, tmp_path: Path):
    labels = build_labels(det, outcomes_from_truth(office.truth))
    ranker = train_ranker(det, labels)
    assert not ranker.is_fallback, ranker.fallback_reason
    assert ranker.version.startswith("ranker-") and ranker.version != RULES_VERSION
    assert 0.5 < ranker.metrics["test_auc"] <= 1.0
    path = tmp_path / "ranker.pkl"
    ranker.save(path)
    loaded = Ranker.load(path)
    rows = det.sample(50, random_state=0)
    np.testing.assert_allclose(loaded.predict_proba(rows), ranker.predict_proba(rows))

    ent = office.entries.copy()
    today = START + timedelta(days=200)
    yesterday = pd.Timestamp(today - timedelta(days=1))
    ent.loc[ent["date"] == yesterday, "wants_contact"] = True
    flags = compute_flags(ent, office.clients, today, ranker=loaded)
    assert flags and all(f.model_version == ranker.version for f in flags)
    soft = [f for f in flags if f.severity != "urgent"]
    urgent = [f for f in flags if f.severity == "urgent"]
    assert urgent and all(f.score >= 100 for f in urgent)
    assert all(0 <= f.score < 100 for f in soft)
    rules = {(f.client_id, f.kind) for f in compute_flags(ent, office.clients, today)}
    assert {(f.client_id, f.kind) for f in flags} == rules  # re-ranks, never adds or drops
