"""The evidence ceiling: what any method could have seen before a deterioration's peak."""

from __future__ import annotations

import pandas as pd

from checkin.signals.evaluate import evidence_ceiling, format_ceiling


def test_evidence_ceiling_counts_answers_from_onset_to_the_day_before_the_peak():
    d = pd.Timestamp
    truth = pd.DataFrame(
        {
            "client_id": [1, 2, 3, 4],
            "kind": ["sudden", "sudden", "slow", "dropout"],
            "onset": [d("2025-05-01"), d("2025-05-01"), d("2025-05-01"), d("2025-05-01")],
            "peak": [d("2025-05-05"), d("2025-05-05"), d("2025-05-20"), d("2025-05-01")],
            "end": [d("2025-05-15"), d("2025-05-15"), d("2025-05-30"), d("2025-06-01")],
        }
    )
    entries = pd.DataFrame(
        {
            # client 1: onset day and the day before the peak count, the peak day does not
            "client_id": [1, 1, 1, 2, 2, 3, 3, 3, 4],
            "date": pd.to_datetime(
                [
                    "2025-05-01",
                    "2025-05-04",
                    "2025-05-05",
                    "2025-04-30",
                    "2025-05-03",
                    "2025-05-02",
                    "2025-05-10",
                    "2025-05-19",
                    "2025-05-02",
                ]
            ),
        }
    )
    mornings = list(pd.date_range("2025-04-01", "2025-06-30").date)
    c = evidence_ceiling(entries, truth, mornings)
    assert c.loc["sudden", "events"] == 2 and c.loc["slow", "events"] == 1
    assert c.loc["sudden", "at_least_1"] == 1.0
    assert c.loc["sudden", "at_least_2"] == 0.5  # client 2 has one answer in the span
    assert c.loc["slow", "at_least_3"] == 1.0
    assert c.loc["all", "events"] == 3 and c.loc["all", "at_least_2"] == 2 / 3
    table = format_ceiling(c)
    assert "| sudden | 2 | 1.5 | 100.0% | 50.0% | 0.0% |" in table


def test_tradeoff_variants_are_applied_and_restored():
    from checkin.signals import flags, params
    from checkin.signals.commands import _mornings
    from checkin.signals.synthetic import generate_office
    from checkin.signals.tradeoff import Variant, patched, tradeoff_table

    h = params.STAGE_PARAMS["adjustment"].h
    drop_z = flags.DROP_Z
    with patched(Variant("x", {"DROP_Z": float("inf")}, stage_scale=0.5)):
        assert float("inf") == flags.DROP_Z
        assert params.STAGE_PARAMS["adjustment"].h == h * 0.5
    assert drop_z == flags.DROP_Z and params.STAGE_PARAMS["adjustment"].h == h

    o = generate_office(n_clients=40, days=150, seed=3)
    sets = {"synthetic": (o.entries, o.clients, o.truth, _mornings(o.entries))}
    table = tradeoff_table(
        sets,
        [
            Variant("shipped"),
            Variant(
                "no missing",
                {"MISS_FAST_ALPHA": 0.0, "MISS_FAST_SILENT": 99, "UNKNOWN_HABIT_EXTRA": 99},
            ),
        ],
    )
    assert list(table["variant"]) == ["shipped", "no missing"]
    assert table.loc[0, "alarms"] > table.loc[1, "alarms"]
