"""An office's closed days are nobody's expected check-in day: silence over them is not
a missed entry."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from checkin.signals import compute_flags, compute_mornings
from checkin.signals.engine import detect


def _first_missing(flags_by_morning, client_id):
    for m in sorted(flags_by_morning):
        if any(f.client_id == client_id and f.kind == "missing" for f in flags_by_morning[m]):
            return m
    return None


def _closed(office_id, *days):
    return pd.DataFrame({"office_id": [office_id] * len(days), "date": pd.to_datetime(days)})


def test_closed_days_are_not_counted_as_missed(entries, clients, history, start):
    last = start + timedelta(days=53)  # a Friday; silent from Monday on
    assert last.weekday() == 4
    ent = pd.concat([history(1, 54, seed=3), history(2, 70, seed=4), history(3, 70, seed=5)])
    cl = clients((1, "adjustment"), (2, "adjustment"), (3, "adjustment")).assign(office_id=7)
    mornings = [last + timedelta(days=i) for i in range(1, 15)]
    mon, tue, wed = (last + timedelta(days=i) for i in (3, 4, 5))

    usual = compute_mornings(ent, cl, mornings)
    first = _first_missing(usual, 1)
    assert first is not None and first <= wed + timedelta(days=1)
    n = next(f for f in usual[first] if f.client_id == 1).reasons[0].values["expected_days_silent"]
    assert n == (first - mon).days  # every weekday from Monday on counted

    # The office was closed Monday to Wednesday (say, a holiday week): on that morning no
    # expected day has passed in silence, and the flag comes only after as many open days.
    closed = _closed(7, mon, tue, wed)
    holiday = compute_mornings(ent, cl, mornings, closed_days=closed)
    assert not any(f.client_id == 1 and f.kind == "missing" for f in holiday[first])
    later = _first_missing(holiday, 1)
    assert later == first + timedelta(days=3)  # Saturday: Thursday and Friday silent
    flag = next(f for f in holiday[later] if f.client_id == 1)
    assert flag.reasons[0].values["expected_days_silent"] == n
    assert compute_flags(ent, cl, later, closed_days=closed) == holiday[later]

    det = detect(ent, cl, [first], closed)
    assert dict(zip(det["client_id"], det["silent_days"], strict=True))[1] == 0
    det_open = detect(ent, cl, [first])
    assert dict(zip(det_open["client_id"], det_open["silent_days"], strict=True))[1] == n

    # Another office's closed days change nothing for this one.
    assert compute_mornings(ent, cl, mornings, closed_days=_closed(8, mon, tue, wed)) == usual
    assert compute_mornings(ent, cl, mornings, closed_days=_closed(7)) == usual
