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
