"""Several offices in one pass give each office exactly its own flags.

The morning job computes many offices at once for speed; office-wide values (the fallback
usual, the weekday effect, the answer rate) must still come from each office alone.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from checkin.signals import compute_flags
from checkin.signals.synthetic import generate_office


def _key(flags: list) -> list[tuple[int, str, str, float]]:  # type: ignore[type-arg]
    return sorted((f.client_id, f.kind, f.severity, round(f.score, 6)) for f in flags)


@pytest.mark.parametrize("offset_days", [120, 200, 300])
def test_offices_together_equal_offices_alone(offset_days: int) -> None:
    # Two offices of different habits (different seeds and sizes), ids kept apart.
    a = generate_office(n_clients=60, days=365, seed=11)
    b = generate_office(n_clients=40, days=365, seed=29)
    b_entries = b.entries.assign(client_id=b.entries["client_id"] + 10_000)
    b_clients = b.clients.assign(client_id=b.clients["client_id"] + 10_000)
    morning = date(2025, 4, 1) + timedelta(days=offset_days)

    alone = compute_flags(a.entries, a.clients, morning) + compute_flags(
        b_entries, b_clients, morning
    )
    together = compute_flags(
        pd.concat([a.entries, b_entries], ignore_index=True),
        pd.concat(
            [a.clients.assign(office_id=1), b_clients.assign(office_id=2)], ignore_index=True
        ),
        morning,
    )
    assert len(alone) > 0
    assert _key(together) == _key(alone)
    # Without the office column the two would be pooled, which changes the answer: the
    # grouping is what keeps them apart (so this test can fail).
    pooled = compute_flags(
        pd.concat([a.entries, b_entries], ignore_index=True),
        pd.concat([a.clients, b_clients], ignore_index=True),
        morning,
    )
    assert _key(pooled) != _key(alone)
