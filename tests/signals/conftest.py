"""Builders for small, readable check-in histories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

START = date(2026, 1, 5)  # a Monday


def _entries(
    client_id: int,
    days: Sequence[date],
    mood: Any = 4,
    fatigue: Any = 2,
    sleep_hours: Any = 7.0,
    sleep_quality: Any = 4,
    wants_contact: Any = False,
    note: Any = None,
) -> pd.DataFrame:
    n = len(days)

    def col(v: object) -> list[object]:
        return list(v) if isinstance(v, list | tuple | np.ndarray) else [v] * n

    return pd.DataFrame(
        {
            "client_id": client_id,
            "date": pd.to_datetime(list(days)),
            "mood": col(mood),
            "fatigue": col(fatigue),
            "sleep_hours": col(sleep_hours),
            "sleep_quality": col(sleep_quality),
            "wants_contact": col(wants_contact),
            "note": col(note),
        }
    )


def _clients(*rows: tuple[int, str] | tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": [r[0] for r in rows],
            "stage": [r[1] for r in rows],
            "workdays": [r[2] if len(r) > 2 else "01234" for r in rows],
            "active_from": pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]"),
            "active_to": pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]"),
        }
    )


def _noisy_history(client_id: int, n_days: int, seed: int, weekdays_only: bool = True):
    """A stable client: mood 3-5 around 4, fatigue 1-3 around 2, every workday."""
    rng = np.random.default_rng(seed)
    days = [START + timedelta(days=i) for i in range(n_days)]
    if weekdays_only:
        days = [d for d in days if d.weekday() < 5]
    k = len(days)
    return _entries(
        client_id,
        days,
        mood=np.clip(np.rint(4 + rng.normal(0, 0.6, k)), 1, 5),
        fatigue=np.clip(np.rint(2 + rng.normal(0, 0.6, k)), 1, 5),
        sleep_hours=np.round(7 + rng.normal(0, 0.5, k), 1),
        sleep_quality=np.clip(np.rint(4 + rng.normal(0, 0.6, k)), 1, 5),
    )


@pytest.fixture
def entries() -> Callable[..., pd.DataFrame]:
    return _entries


@pytest.fixture
def clients() -> Callable[..., pd.DataFrame]:
    return _clients


@pytest.fixture
def history() -> Callable[..., pd.DataFrame]:
    return _noisy_history


@pytest.fixture
def start() -> date:
    return START
