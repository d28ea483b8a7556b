"""The evaluation by answer-rate band: the rule, the synthetic mix, and that the bands add up."""

from __future__ import annotations

import pandas as pd
import pytest

from checkin.signals.commands import _mornings
from checkin.signals.evaluate import (
    BANDS,
    answer_rates,
    band_of,
    evaluate_by_band,
    evaluate_office,
    format_table,
)
from checkin.signals.synthetic import generate_office

# counts that must add up over disjoint bands
ADDITIVE = (
    "deteriorations",
    "before_peak_n",
    "dropouts",
    "dropout_3d_n",
    "alarms",
    "false_alarms",
    "client_days",
    "top3_shown",
    "top3_true",
)


def test_band_boundaries():
    assert band_of(0.0) == band_of(0.3999) == "< 40 %"
    assert band_of(0.40) == band_of(0.6) == band_of(0.80) == "40-80 %"
    assert band_of(0.8001) == band_of(1.0) == "> 80 %"


def test_answer_rate_counts_expected_days_in_the_period_without_dropout_days():
    d = pd.Timestamp
    clients = pd.DataFrame(
        {
            "client_id": [1, 2, 3],
            "workdays": ["01234", "0123456", "01234"],
            "active_from": [pd.NaT, d("2025-06-09"), pd.NaT],  # 2: Monday of the 2nd week
            "active_to": [pd.NaT, pd.NaT, pd.NaT],
        }
    )
    # mornings Tue 2025-06-03 .. Tue 2025-06-17: read days Mon 06-02 .. Mon 06-16
    mornings = list(pd.date_range("2025-06-03", "2025-06-17").date)
    entries = pd.DataFrame(
        {
            "client_id": [1, 1, 1, 1, 2, 2, 3, 3],
            "date": pd.to_datetime(
                [
                    "2025-06-02",  # Monday: expected, answered
                    "2025-06-07",  # Saturday: not an expected day for client 1
                    "2025-06-10",
                    "2025-06-17",  # after the period (the last morning's own day)
                    "2025-06-05",  # before client 2 was active
                    "2025-06-12",
                    "2025-06-02",
                    "2025-06-03",
                ]
            ),
        }
    )
    truth = pd.DataFrame(
        {
            "client_id": [3],
            "kind": ["dropout"],
            "onset": [d("2025-06-04")],
            "peak": [d("2025-06-04")],
            "end": [d("2025-06-30")],
        }
    )
    r = answer_rates(entries, clients, truth, mornings).set_index("client_id")
    assert (r.loc[1, "expected"], r.loc[1, "answered"]) == (11, 2)  # 11 workdays 06-02..06-16
    assert (r.loc[2, "expected"], r.loc[2, "answered"]) == (8, 1)  # 06-09..06-16, every day
    assert (r.loc[3, "expected"], r.loc[3, "answered"]) == (2, 2)  # silence left out
    assert list(r["band"]) == ["< 40 %", "< 40 %", "> 80 %"]


def test_wide_mix_keeps_the_events_and_fills_every_band():
    std = generate_office(n_clients=60, days=200, seed=7)
    wide = generate_office(n_clients=60, days=200, seed=7, answer_mix="wide")
    pd.testing.assert_frame_equal(std.truth, wide.truth)
    assert (wide.clients["habit"] == "sparse").sum() > 5
    m = _mornings(std.entries)
    std_bands = answer_rates(std.entries, std.clients, std.truth, m)["band"]
    wide_bands = answer_rates(wide.entries, wide.clients, wide.truth, m)["band"]
    assert "< 40 %" not in set(std_bands)  # the standard mix has no sparse answerer
    assert set(wide_bands) == set(BANDS)
    with pytest.raises(ValueError):
        generate_office(n_clients=5, days=30, answer_mix="nope")


def test_bands_add_up_to_the_overall_figures():
    o = generate_office(n_clients=60, days=200, seed=11, answer_mix="wide")
    mornings = _mornings(o.entries)
    overall, by_band = evaluate_by_band(o.entries, o.clients, o.truth, mornings)
    plain = evaluate_office(o.entries, o.clients, o.truth, mornings)
    assert list(overall.index) == list(plain.index)
    for col in ("before_peak", "median_delay", "false_per_client_month", "top3_precision"):
        pd.testing.assert_series_equal(overall[col], plain[col])
    assert overall.loc["engine (rules-3)", "deteriorations"] > 0
    assert overall.loc["engine (rules-3)", "dropouts"] > 0
    for method in overall.index:
        bands = by_band.xs(method, level=1)
        assert list(bands.index) == list(BANDS)
        assert bands["clients"].sum() == len(o.clients)
        for col in ADDITIVE:
            assert bands[col].sum() == overall.loc[method, col], (method, col)
        # the shares are the band's own: the overall share is their weighted mean
        n = bands["deteriorations"]
        assert (bands["before_peak"] * n).sum() == pytest.approx(
            overall.loc[method, "before_peak"] * n.sum()
        )
        fa = bands["false_per_client_month"] * bands["client_days"] / 30
        assert fa.sum() == pytest.approx(overall.loc[method, "false_alarms"])
    table = format_table(by_band)
    assert table.splitlines()[0].startswith("| band | method | clients |")
    assert "| < 40 % | engine (rules-3) |" in table


def test_evidence_ceiling_by_band_adds_up():
    from checkin.signals.evaluate import evidence_ceiling, format_ceiling_by_band

    o = generate_office(n_clients=60, days=200, seed=11, answer_mix="wide")
    mornings = _mornings(o.entries)
    table = format_ceiling_by_band(o.entries, o.clients, o.truth, mornings)
    rows = [r for r in table.splitlines()[2:] if "| all |" in r]
    assert [r.split("|")[1].strip() for r in rows] == list(BANDS)
    total = evidence_ceiling(o.entries, o.truth, mornings).loc["all", "events"]
    assert sum(int(r.split("|")[3]) for r in rows) == total > 0
