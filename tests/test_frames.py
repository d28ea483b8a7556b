"""The morning job's frames come straight from the driver's tuples with fixed types; they
must hold exactly what pandas' own inference gives (the old way), on both databases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn
from checkin.services.frames import ENTRY_DTYPES, fetch_entries, fetch_frame
from checkin.services.morning import load_frames
from checkin.signals import ENTRY_COLUMNS
from tests.conftest import TODAY, World


def add(db: Session, client_id: int, days_ago: int, **answers: object) -> None:
    values: dict[str, object] = {"mood": 3, "fatigue": 2, "wants_contact": False}
    values.update(answers)
    db.add(
        CheckIn(
            client_id=client_id,
            local_date=TODAY - timedelta(days=days_ago),
            channel=Channel.WEB,
            **values,
        )
    )


def test_entries_have_the_signals_types_and_missing_answers_are_nan(
    db: Session, world: World
) -> None:
    a, b = world.client_a.id, world.client_c.id
    add(db, a, 1, mood=1, fatigue=5, sleep_hours=Decimal("6.5"), sleep_quality=2, note="つらい")
    add(db, a, 2, mood=4, wants_contact=True)  # sleep not answered
    add(db, b, 1, mood=5, fatigue=1, sleep_hours=Decimal("0"), sleep_quality=None)
    db.commit()
    entries, clients = load_frames(db, [world.office.id], TODAY)
    assert list(entries.columns) == ENTRY_COLUMNS
    for name, dtype in ENTRY_DTYPES.items():
        assert entries[name].dtype == np.dtype(dtype), name
    assert entries["date"].dtype.kind == "M"
    assert clients["client_id"].dtype == np.int64 and clients["office_id"].dtype == np.int64
    got = entries.sort_values(["client_id", "date"]).reset_index(drop=True)
    rows = [
        (a, TODAY - timedelta(days=2), 4.0, 2.0, np.nan, np.nan, True),
        (a, TODAY - timedelta(days=1), 1.0, 5.0, 6.5, 2.0, False),
        (b, TODAY - timedelta(days=1), 5.0, 1.0, 0.0, np.nan, False),
    ]
    want = pd.DataFrame(rows, columns=ENTRY_COLUMNS[:-1]).sort_values(["client_id", "date"])
    want["date"] = pd.to_datetime(want["date"])
    pd.testing.assert_frame_equal(
        got[ENTRY_COLUMNS[:-1]], want.reset_index(drop=True), check_dtype=False
    )
    assert got["note"].isna().tolist() == [True, False, True] and got["note"][1] == "つらい"


def test_the_same_frame_as_pandas_inference_and_an_empty_result(db: Session, world: World) -> None:
    for day in range(1, 30):
        add(db, world.client_a.id, day, mood=1 + day % 5, sleep_quality=None if day % 3 else 4)
    db.commit()
    stmt = select(
        CheckIn.client_id,
        CheckIn.local_date,
        CheckIn.mood,
        CheckIn.fatigue,
        CheckIn.sleep_hours,
        CheckIn.sleep_quality,
        CheckIn.wants_contact,
        CheckIn.note,
    ).order_by(CheckIn.local_date)
    fast = fetch_entries(db, stmt)
    rows = db.connection().execute(stmt).cursor.fetchall()
    slow = pd.DataFrame.from_records(rows, columns=ENTRY_COLUMNS)
    slow["date"] = pd.to_datetime(slow["date"])
    slow["sleep_hours"] = pd.to_numeric(slow["sleep_hours"], errors="coerce")
    slow["wants_contact"] = slow["wants_contact"].astype(bool)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    assert fast["sleep_quality"].isna().sum() == 20
    empty = fetch_entries(db, stmt.where(CheckIn.mood > 5))
    assert list(empty.columns) == ENTRY_COLUMNS and len(empty) == 0


def test_a_select_with_other_columns_than_named_is_refused(db: Session, world: World) -> None:
    add(db, world.client_a.id, 1)
    db.commit()
    with pytest.raises(ValueError, match="expected 3 columns"):
        fetch_frame(db, select(CheckIn.client_id, CheckIn.mood), ["a", "b", "c"])
