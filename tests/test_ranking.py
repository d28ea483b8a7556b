"""The learned ranking in the product (#4): trained weekly per office from the outcome labels
in the database, stored safely, used by the morning job, its version on the flags."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from click.testing import CliRunner
from flask.testing import FlaskClient
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from checkin.cli import main
from checkin.models import (
    Channel,
    CheckIn,
    Client,
    Flag,
    Office,
    Outcome,
    OutcomeKind,
    RankerModel,
    Stage,
)
from checkin.services import ranking
from checkin.services.morning import load_frames, run_all_offices, run_office_morning
from checkin.services.ranking import RankerRefused, active_rankers, dump_model, train_office
from checkin.signals import RULES_VERSION, compute_flags
from checkin.signals.engine import detect
from checkin.signals.evaluate import outcomes_from_truth
from checkin.signals.ranker import NUMERIC_FEATURES, build_features
from checkin.signals.synthetic import generate_office
from jobs.base import JobContext
from jobs.morning import morning_signals
from jobs.retrain import JOB_ID, retrain_rankers, retrain_slot
from tests.conftest import NOW, TODAY, AuthActions, World
from tests.jobs.conftest import done_runs

SUNDAY = date(2026, 6, 7)  # the Sunday before TODAY (a Wednesday)


@pytest.fixture
def make_ctx(factory: sessionmaker[Session]) -> Callable[..., JobContext]:
    return lambda now: JobContext(factory=factory, now=now, holder="test")


def tokyo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def load_synthetic(
    db: Session, office: Office, *, n_clients: int, days: int, seed: int, n_outcomes: int | None
) -> dict[int, int]:
    """A synthetic office's history (ending yesterday) as clients, check-ins and the outcomes
    a supporter would have recorded; returns synthetic id -> client id."""
    start = TODAY - timedelta(days=days)
    syn = generate_office(n_clients=n_clients, days=days, start=start, seed=seed)
    ids: dict[int, int] = {}
    row: Any
    r: Any
    for row in syn.clients.itertuples():
        c = Client(
            office=office,
            name=f"利用者{row.client_id}",
            stage=Stage(row.stage),
            checkin_weekdays=row.workdays,
            service_start=start,
        )
        db.add(c)
        db.flush()
        ids[int(row.client_id)] = c.id
    e = syn.entries
    rows = [
        {
            "client_id": ids[int(r.client_id)],
            "local_date": r.date.date(),
            "mood": int(r.mood),
            "fatigue": int(r.fatigue),
            "sleep_hours": None if pd.isna(r.sleep_hours) else float(r.sleep_hours),
            "sleep_quality": None if pd.isna(r.sleep_quality) else int(r.sleep_quality),
            "wants_contact": bool(r.wants_contact),
            "channel": Channel.IMPORT,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for r in e.itertuples()
    ]
    db.execute(insert(CheckIn), rows)
    out = outcomes_from_truth(syn.truth)
    out = out[out["date"] < pd.Timestamp(TODAY)]
    if n_outcomes is not None:
        out = out.head(n_outcomes)
    staff = office.staff[0]
    for r in out.itertuples():
        db.add(
            Outcome(
                office_id=office.id,
                client_id=ids[int(r.client_id)],
                kind=OutcomeKind(r.kind),
                occurred_on=r.date.date(),
                recorded_by_id=staff.id,
                recorded_at=NOW,
            )
        )
    db.commit()
    return ids


def test_the_retrain_slot_is_the_last_sunday_night(db: Session, world: World) -> None:
    office = world.office
    assert retrain_slot(db, office, tokyo(SUNDAY, 21, 59)) == "2026-05-31"
    assert retrain_slot(db, office, tokyo(SUNDAY, 22)) == "2026-06-07"
    assert retrain_slot(db, office, tokyo(TODAY, 9)) == "2026-06-07"  # caught up on Wednesday
    assert retrain_slot(db, office, tokyo(date(2026, 6, 14), 23)) == "2026-06-14"


def test_weekly_retraining_activates_a_model_and_the_morning_uses_it_for_that_office_only(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    load_synthetic(db, world.office, n_clients=70, days=220, seed=31, n_outcomes=None)
    load_synthetic(db, world.other_office, n_clients=15, days=120, seed=5, n_outcomes=2)

    res = retrain_rankers(make_ctx(tokyo(SUNDAY, 22, 30)))
    assert not res.errors, res.errors
    assert res.counts["trained"] == 1 and res.counts["stayed_on_rules"] == 1
    db.expire_all()
    [model] = db.scalars(select(RankerModel).where(RankerModel.office_id == world.office.id))
    assert model.active and model.version.startswith("ranker-") and model.fallback_reason is None
    assert model.trained_through == SUNDAY
    assert model.n_positive >= 20 and model.n_negative >= 20
    assert model.metrics is not None
    assert 0.5 < model.metrics["test_auc"] <= 1.0 and 0.0 < model.metrics["test_brier"] < 0.25
    assert model.model_blob and model.blob_sha256 == hashlib.sha256(model.model_blob).hexdigest()
    assert model.model_blob[:2] == b"PK"  # a skops (zip) file, not a pickle
    [rules] = db.scalars(select(RankerModel).where(RankerModel.office_id == world.other_office.id))
    assert not rules.active and rules.version == RULES_VERSION and rules.model_blob is None
    assert "too few labels" in (rules.fallback_reason or "")

    # the job is idempotent: the same week again does nothing
    again = retrain_rankers(make_ctx(tokyo(TODAY, 9)))
    assert again.counts["already_done"] == 2 and again.counts["trained"] == 0
    assert done_runs(db, JOB_ID) == [
        (world.office.id, "2026-06-07"),
        (world.other_office.id, "2026-06-07"),
    ]
    assert len(db.scalars(select(RankerModel)).all()) == 2

    # the morning: office A re-ranked by its model, office B on the rules, in one pass
    results = {r.office_id: r for r in run_all_offices(db, now=NOW, morning=TODAY)}
    db.commit()
    assert results[world.office.id].model_version == model.version
    assert results[world.other_office.id].model_version == RULES_VERSION
    # the scheduler's morning job says so per office (its flags were just written: updates)
    morning = morning_signals(make_ctx(tokyo(TODAY, 6, 30)))
    assert morning.counts["units_done"] == 2 and morning.counts["ranked_by_model"] == 1
    db.expire_all()
    mine = db.scalars(select(Flag).where(Flag.office_id == world.office.id)).all()
    theirs = db.scalars(select(Flag).where(Flag.office_id == world.other_office.id)).all()
    assert mine and theirs
    assert {f.model_version for f in mine} == {model.version}
    assert {f.model_version for f in theirs} == {RULES_VERSION}
    # the scores are the model's calibrated risk, not the rules'
    entries, clients = load_frames(db, [world.office.id], TODAY)
    rules_scores = {(c.client_id, c.kind): c.score for c in compute_flags(entries, clients, TODAY)}
    ranker = active_rankers(db, [world.office.id])[world.office.id]
    ranked = compute_flags(entries, clients, TODAY, ranker=ranker)
    soft = [f for f in mine if f.severity.value != "urgent"]
    assert soft
    assert {(f.client_id, f.kind): f.score for f in soft} == {
        (c.client_id, c.kind): c.score for c in ranked if c.severity != "urgent"
    }
    assert any(f.score != rules_scores[(f.client_id, f.kind)] for f in soft)


def test_an_office_without_check_ins_stays_on_the_rules(db: Session, world: World) -> None:
    res = train_office(db, world.office, TODAY, now=NOW)
    assert not res.trained and res.version == RULES_VERSION
    assert res.row is not None and res.row.fallback_reason == "no check-ins yet"
    assert active_rankers(db, [world.office.id]) == {}


def _small_model() -> tuple[object, list[str]]:
    """A real calibrated HistGradientBoosting model on random data (fast to fit)."""
    rng = np.random.default_rng(0)
    features = list(NUMERIC_FEATURES)
    x = rng.normal(size=(200, len(features)))
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
    base = HistGradientBoostingClassifier(max_iter=10).fit(x[:100], y[:100])
    model = CalibratedClassifierCV(FrozenEstimator(base), method="sigmoid").fit(x[100:], y[100:])
    return model, features


def _store(db: Session, office: Office, blob: bytes, sha: str, features: list[str]) -> RankerModel:
    row = RankerModel(
        office_id=office.id,
        version="ranker-test-1",
        trained_at=NOW,
        trained_through=TODAY,
        n_positive=30,
        n_negative=70,
        metrics={"test_auc": 0.8},
        features=features,
        model_blob=blob,
        blob_sha256=sha,
        active=True,
    )
    db.add(row)
    db.commit()
    return row


def test_a_stored_model_loads_only_unaltered_and_with_trusted_types(
    db: Session, world: World
) -> None:
    model, features = _small_model()
    blob = dump_model(model)
    row = _store(db, world.office, blob, hashlib.sha256(blob).hexdigest(), features)
    ranker = active_rankers(db, [world.office.id])[world.office.id]
    assert ranker.version == "ranker-test-1" and ranker.features == features

    # one byte changed: the hash no longer matches
    tampered = bytearray(blob)
    tampered[len(tampered) // 2] ^= 0xFF
    with pytest.raises(RankerRefused, match="SHA-256"):
        ranking.load_model(bytes(tampered), row.blob_sha256)
    # a blob with a type outside the trusted list, even with a matching hash
    evil = sio.dumps({"model": model, "extra": pd.Timestamp("2026-01-01")})
    with pytest.raises(RankerRefused, match="untrusted types"):
        ranking.load_model(evil, hashlib.sha256(evil).hexdigest())
    # not a skops file at all (e.g. a pickle)
    junk = b"\x80\x05junk"
    with pytest.raises(RankerRefused, match="not a readable skops model"):
        ranking.load_model(junk, hashlib.sha256(junk).hexdigest())

    # an altered stored model is refused in the morning: that office stays on the rules
    row.model_blob = bytes(tampered)
    db.commit()
    ranking._cache.clear()
    assert active_rankers(db, [world.office.id]) == {}


# The features of the models trained before the rules-3 state was added (2026-11): such a
# stored model lists exactly these, and must keep loading and predicting.
RULES2_FEATURES = [
    *NUMERIC_FEATURES,
    "mood_shift",
    "fatigue_shift",
    "sleep_quality_shift",
    "sleep_hours_shift",
    "log_silence_prob",
    "stage_exploration",
    "stage_adjustment",
    "stage_stability",
    "stage_self_driving",
]


def test_a_model_trained_on_the_old_feature_list_still_ranks_the_morning(
    db: Session, world: World
) -> None:
    load_synthetic(db, world.office, n_clients=25, days=120, seed=12, n_outcomes=0)
    entries, clients = load_frames(db, [world.office.id], TODAY)
    det = detect(entries, clients, [TODAY])
    new = build_features(det)
    assert set(RULES2_FEATURES) < set(new.columns)  # only ever added to
    assert {"drop2_comp", "fatigue_streak_shift", "sleep_hours_streak", "habit_expected"} <= set(
        new.columns
    )
    # a model fitted on the old columns only, stored as the office's active model
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, len(RULES2_FEATURES)))
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
    base = HistGradientBoostingClassifier(max_iter=10).fit(x[:100], y[:100])
    model = CalibratedClassifierCV(FrozenEstimator(base), method="sigmoid").fit(x[100:], y[100:])
    blob = dump_model(model)
    _store(db, world.office, blob, hashlib.sha256(blob).hexdigest(), RULES2_FEATURES)
    ranking._cache.clear()
    ranker = active_rankers(db, [world.office.id])[world.office.id]
    assert ranker.features == RULES2_FEATURES
    # it predicts from its own columns, in its own order
    expected = model.predict_proba(new[RULES2_FEATURES].to_numpy(dtype=float))[:, 1]
    np.testing.assert_allclose(ranker.predict_proba(det), expected)
    # and the morning job uses it
    res = run_office_morning(db, world.office, TODAY, now=NOW)
    db.commit()
    assert res.model_version == "ranker-test-1"
    stored = db.scalars(select(Flag).where(Flag.office_id == world.office.id)).all()
    assert stored and {f.model_version for f in stored} == {"ranker-test-1"}


def test_new_features_are_nan_where_the_rules_3_state_is_unknown() -> None:
    syn = generate_office(n_clients=20, days=100, seed=4)
    mornings = pd.date_range(syn.entries["date"].min() + pd.Timedelta(days=56), periods=30)
    det = detect(syn.entries, syn.clients, mornings)
    f = build_features(det)
    few = det["drop2_age"] == 99  # fewer than two answers in the recent window
    assert f.loc[few, ["drop2_comp", "drop2_items", "drop2_age"]].isna().all().all()
    assert f.loc[~few, "drop2_comp"].notna().all()
    none = det["fatigue_streak"] == 0
    assert f.loc[none, "fatigue_streak_shift"].isna().all()
    assert (f.loc[~none, "fatigue_streak_shift"] > 0).all()  # worse than usual, in spreads
    # sleep: shorter than usual is positive
    some = det["sleep_hours_streak"] > 0
    assert some.any()
    assert (det.loc[some, "sleep_hours_streak_mean"] < det.loc[some, "sleep_hours_usual"]).all()
    assert (f.loc[some, "sleep_hours_streak_shift"] > 0).all()


def test_train_ranker_command_reports_each_office(
    db: Session, world: World, database_url: str
) -> None:
    result = CliRunner().invoke(
        main,
        ["train-ranker", "--office", str(world.office.id)],
        env={"CHECKIN_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert f"office {world.office.id}: stays on the rules (no check-ins yet)" in result.output
    db.expire_all()
    assert [r.office_id for r in db.scalars(select(RankerModel))] == [world.office.id]
    result = CliRunner().invoke(
        main, ["train-ranker", "--office", "9999"], env={"CHECKIN_DATABASE_URL": database_url}
    )
    assert result.exit_code != 0 and "office 9999 does not exist" in result.output


def test_the_ops_page_shows_the_offices_trainings(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    train_office(db, world.office, TODAY - timedelta(days=7), now=NOW - timedelta(days=7))
    _store(db, world.office, b"PK-not-loaded-here", "0" * 64, ["cusum"])
    db.add(
        RankerModel(
            office_id=world.other_office.id,
            version="ranker-other-office",
            trained_at=NOW,
            trained_through=TODAY,
            n_positive=1,
            n_negative=1,
            active=True,
        )
    )
    db.commit()
    auth.login("kanri")
    html = client.get("/ops/jobs").get_data(as_text=True)
    assert "アラートの並び順の学習" in html and "並び順の再学習" in html
    assert '使用中: <code translate="no">ranker-test-1</code>' in html and "0.800" in html
    assert "ルールのまま: まだ記録がありません" in html and "no check-ins yet" not in html
    assert "ranker-other-office" not in html
