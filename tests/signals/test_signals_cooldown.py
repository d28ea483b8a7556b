"""No nagging: an ongoing issue is one flag, not a new alarm each morning."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from checkin.signals import FlagCandidate, apply_cooldown
from checkin.signals.cooldown import RESOLVE_AFTER, cooldown_frame

D0 = date(2026, 3, 2)


def cand(cid: int, kind: str = "trend", severity: str = "watch", score: float = 50.0):
    return FlagCandidate(cid, kind, severity, score, ())


def run(days: list[list[FlagCandidate]]):
    state: dict = {}
    statuses = []
    for i, cands in enumerate(days):
        state, events = apply_cooldown(state, cands, D0 + timedelta(days=i))
        statuses.append([(e.candidate.client_id, e.candidate.kind, e.status) for e in events])
    return state, statuses


def test_an_ongoing_issue_raises_one_alarm():
    _, statuses = run([[cand(1)] for _ in range(10)])
    flat = [s for day in statuses for s in day]
    assert [s[2] for s in flat].count("new") == 1
    assert all(s[2] == "ongoing" for s in flat[1:])


def test_a_worse_severity_is_shown_again_once():
    days = [[cand(1)]] * 3 + [[cand(1, severity="high")]] * 3 + [[cand(1)]] * 2
    _, statuses = run(days)
    flat = [s[2] for day in statuses for s in day]
    assert (
        flat == ["new", "ongoing", "ongoing", "escalated", "ongoing", "ongoing"] + ["ongoing"] * 2
    )


def test_a_short_gap_is_the_same_issue_a_long_one_a_new_one():
    gap = RESOLVE_AFTER["trend"]
    # seen again `gap` mornings later: the same issue; `gap + 1` mornings later: a new one
    days = [[cand(1)], *([[]] * (gap - 1)), [cand(1)], *([[]] * gap), [cand(1)]]
    state, statuses = run(days)
    flat = [s[2] for day in statuses for s in day]
    assert flat == ["new", "ongoing", "new"]
    assert (1, "trend") in state


def test_requests_for_contact_are_always_new_and_state_is_not_mutated():
    state0, _ = run([[cand(1, "contact", "urgent", 100.0)]])
    frozen = dict(state0)
    state1, events = apply_cooldown(
        state0, [cand(1, "contact", "urgent", 100.0)], D0 + timedelta(1)
    )
    assert [e.status for e in events] == ["new"]
    assert state0 == frozen
    assert state1[(1, "contact")].first_date == D0 + timedelta(1)


def test_frame_version_equals_the_step_function():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(60):
        for cid in range(1, 6):
            for kind in ("trend", "missing", "contact"):
                if rng.random() < 0.35:
                    sev = "urgent" if kind == "contact" else str(rng.choice(["watch", "high"]))
                    rows.append((cid, pd.Timestamp(D0 + timedelta(i)), kind, sev, float(i)))
    frame = pd.DataFrame(rows, columns=["client_id", "morning", "kind", "severity", "score"])
    out = cooldown_frame(frame)
    state: dict = {}
    expected = []
    for m, part in frame.groupby("morning", sort=True):
        p = part.sort_values(["client_id", "kind"])
        cands = [
            cand(int(c), str(k), str(sv), float(sc))
            for c, k, sv, sc in zip(
                p["client_id"], p["kind"], p["severity"], p["score"], strict=True
            )
        ]
        state, events = apply_cooldown(state, cands, pd.Timestamp(str(m)).date())
        expected += [(e.candidate.client_id, e.candidate.kind, e.status) for e in events]
    got = list(zip(out["client_id"], out["kind"], out["status"], strict=True))
    assert got == expected
    assert {"new", "ongoing", "escalated"} <= set(out["status"])
