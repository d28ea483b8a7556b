"""The frontier (research): a learned detector OR the rules, swept over thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from checkin.signals.evaluate import score_method
from checkin.signals.frontier import (
    combined_candidates,
    cross_fitted,
    det_fold,
    format_frontier,
    frontier_labels,
    frontier_table,
    predict,
    synthetic_set,
    train_detector,
)


def test_labels_are_onset_to_peak_and_the_rest_of_a_true_window_is_unknown():
    d = pd.Timestamp
    mornings = pd.date_range("2025-05-01", "2025-05-25")
    det = pd.DataFrame(
        {
            "client_id": np.repeat([1, 2], len(mornings)),
            "morning": np.tile(mornings.to_numpy(), 2),
        }
    )
    truth = pd.DataFrame(
        {
            "client_id": [1],
            "kind": ["sudden"],
            "onset": [d("2025-05-05")],
            "peak": [d("2025-05-09")],
            "end": [d("2025-05-12")],
        }
    )
    y = frontier_labels(det, truth)
    one = pd.Series(y[:25].to_numpy(), index=mornings)
    assert one[d("2025-05-05")] == 0.0  # the onset morning sees nothing of the event yet
    assert (one[d("2025-05-06") : d("2025-05-09")] == 1.0).all()
    # after the peak, up to 3 days after the end: neither to find nor a false alert
    assert one[d("2025-05-10") : d("2025-05-16")].isna().all()
    assert one[d("2025-05-17")] == 0.0
    assert (y[25:] == 0.0).all()  # no event: every morning a negative


def test_frontier_runs_on_tiny_data_and_a_lower_threshold_never_gives_fewer_flags():
    train = synthetic_set((3,), 40, days=240)
    report = synthetic_set((4,), 30, days=240)
    cross_fitted(train, det_fold(train))
    assert train.proba is not None and ((train.proba >= 0) & (train.proba <= 1)).all()
    report.proba = predict(train_detector(train.det, train.truth), report.det)
    thresholds = (None, 0.6, 0.3, 0.1, 0.0)
    table = frontier_table({"tiny": (train, report)}, thresholds)
    for col in (
        "set",
        "threshold",
        "chosen",
        "train_before_peak",
        "train_false",
        "before_peak",
        "before_peak_sudden",
        "median_delay",
        "false_per_client_month",
        "top3_precision",
        "flags",
    ):
        assert col in table
    flags = table["flags"].to_numpy()
    assert (np.diff(flags) >= 0).all()  # lower threshold: never fewer flags
    assert flags[-1] > flags[0]
    assert table["before_peak"].is_monotonic_increasing
    # threshold 0: every active client-morning without a rules trend gets a model flag
    n_trend = int((report.rules["kind"] == "trend").sum())
    n_other = len(report.rules) - n_trend
    assert flags[-1] == len(report.det) + n_other
    # "rules alone" is exactly the rules' evaluation
    sup = report.clients.set_index("client_id")["supporter_id"]
    rules = score_method(report.rules, report.truth, report.clients, report.mornings, sup)
    assert table.loc[0, "before_peak"] == rules["before_peak"]
    assert table.loc[0, "false_per_client_month"] == rules["false_per_client_month"]
    text = format_frontier(table)
    assert "| tiny | rules alone |" in text and "| tiny | 0.3 |" in text.replace("**", "")


def test_model_flags_are_added_as_trend_watches_only_where_the_rules_have_no_trend():
    det = pd.DataFrame(
        {
            "client_id": [1, 1, 2],
            "morning": pd.to_datetime(["2025-05-01", "2025-05-02"] * 1 + ["2025-05-01"]),
        }
    )
    rules = pd.DataFrame(
        {
            "client_id": [1, 2],
            "morning": pd.to_datetime(["2025-05-01", "2025-05-01"]),
            "kind": ["trend", "missing"],
            "severity": ["high", "watch"],
            "score": [80.0, 50.0],
            "det_row": [0, 2],
        }
    )
    proba = np.array([0.9, 0.5, 0.7])
    assert combined_candidates(det, rules, proba, None) is rules
    c = combined_candidates(det, rules, proba, 0.6)
    added = c.iloc[len(rules) :]
    assert added["det_row"].tolist() == [2]  # row 0 already a rules trend, row 1 below 0.6
    assert added["kind"].tolist() == ["trend"] and added["severity"].tolist() == ["watch"]
    assert len(combined_candidates(det, rules, proba, 0.5)) == 4


def test_frontier_command_prints_the_table_and_is_on_the_checkin_cli():
    from checkin.cli import main
    from checkin.signals.commands import frontier

    assert main.commands["frontier"] is frontier
    result = CliRunner().invoke(
        frontier,
        [
            "--offices",
            "1",
            "--office-size",
            "30",
            "--reps",
            "0",
            "--train-size",
            "40",
            "--more-offices",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| data (model trained on) | rules OR p ≥ |" in result.output
    assert "| synthetic (synthetic seeds 1-2) | rules alone |" in result.output
    assert "| synthetic (synthetic seeds 1-3) | rules alone |" in result.output
    bad = CliRunner().invoke(frontier, ["--offices", "0"])
    assert bad.exit_code != 0 and "must be >= 1" in bad.output


def test_the_chosen_threshold_is_the_lowest_within_the_false_alert_budget_on_training_data():
    from checkin.signals.frontier import chosen

    train = pd.DataFrame(
        {"threshold": [None, 0.5, 0.2, 0.1], "false_per_client_month": [0.5, 0.7, 0.95, 1.2]}
    )
    assert chosen(train) == 0.5  # 0.9 by default
    assert chosen(train, 1.0) == 0.2
    assert chosen(train, 0.4) is None  # not even the rules alone: nothing to choose
