"""No nagging: the flag-state step shared by the backtest and (later) the morning job.

An ongoing issue is one flag. Each morning :func:`apply_cooldown` takes the open flags
(one per client and kind) and that morning's candidates and says, for each candidate,
whether it is a **new** alarm, an **escalated** one (more severe than the open flag: shown
again as an alarm) or an **ongoing** update of the open flag (no new alarm). Open flags not
seen for more than ``RESOLVE_AFTER[kind]`` mornings are closed, so a later recurrence is a
new alarm. Hard triggers (contact, crisis) are always new: every request is answered.

Pure: the state is passed in and returned, the date is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from checkin.signals.types import FlagCandidate

SEVERITY_RANK = {"urgent": 0, "high": 1, "watch": 2}
# Mornings an issue may disappear and come back while still being the same issue.
RESOLVE_AFTER = {"trend": 7, "missing": 2}
DEFAULT_RESOLVE_AFTER = 3
ALWAYS_NEW = frozenset({"contact", "crisis"})

Key = tuple[int, str]


@dataclass(frozen=True)
class OpenFlag:
    client_id: int
    kind: str
    severity: str
    score: float
    first_date: date
    last_date: date


@dataclass(frozen=True)
class FlagEvent:
    candidate: FlagCandidate
    status: str  # new, escalated, ongoing
    first_date: date

    @property
    def is_alarm(self) -> bool:
        return self.status != "ongoing"


def _step(
    state: dict[Key, OpenFlag], key: Key, severity: str, score: float, today: date
) -> tuple[str, date]:
    """Update ``state`` in place with one candidate; return (status, first_date)."""
    prev = state.get(key)
    kind = key[1]
    if (
        prev is None
        or kind in ALWAYS_NEW
        or (today - prev.last_date).days > RESOLVE_AFTER.get(kind, DEFAULT_RESOLVE_AFTER)
    ):
        state[key] = OpenFlag(key[0], kind, severity, score, today, today)
        return "new", today
    worse = SEVERITY_RANK.get(severity, 9) < SEVERITY_RANK.get(prev.severity, 9)
    sev = severity if worse else prev.severity
    state[key] = replace(prev, severity=sev, score=score, last_date=today)
    return ("escalated" if worse else "ongoing"), prev.first_date


def _expire(state: dict[Key, OpenFlag], today: date) -> None:
    for key in [
        k
        for k, f in state.items()
        if (today - f.last_date).days > RESOLVE_AFTER.get(f.kind, DEFAULT_RESOLVE_AFTER)
    ]:
        del state[key]


def apply_cooldown(
    open_flags: Mapping[Key, OpenFlag] | Iterable[OpenFlag],
    candidates: Iterable[FlagCandidate],
    today: date,
) -> tuple[dict[Key, OpenFlag], list[FlagEvent]]:
    """One morning of flag state: (new open flags, events for today's candidates).

    ``open_flags`` is not modified. Events with ``is_alarm`` are the ones to notify.
    """
    if isinstance(open_flags, Mapping):
        state = dict(open_flags)
    else:
        state = {(f.client_id, f.kind): f for f in open_flags}
    events = []
    for c in candidates:
        status, first = _step(state, (c.client_id, c.kind), c.severity, c.score, today)
        events.append(FlagEvent(c, status, first))
    _expire(state, today)
    return state, events


def cooldown_frame(cand: pd.DataFrame) -> pd.DataFrame:
    """The same state machine over a candidates frame of many mornings.

    ``cand`` has client_id, morning, kind, severity, score; returns it sorted by morning with
    ``status`` and ``first_date`` columns added.
    """
    cand = cand.sort_values(["morning", "client_id", "kind"], kind="stable").reset_index(drop=True)
    state: dict[Key, OpenFlag] = {}
    status: list[str] = []
    first: list[date] = []
    current: date | None = None
    for cid, morning, kind, sev, score in zip(
        cand["client_id"].to_numpy(),
        cand["morning"].to_numpy(),
        cand["kind"].to_numpy(),
        cand["severity"].to_numpy(),
        cand["score"].to_numpy(),
        strict=True,
    ):
        today = pd.Timestamp(morning).date()
        if current is not None and today != current:
            _expire(state, current)
        current = today
        s, f = _step(state, (int(cid), str(kind)), str(sev), float(score), today)
        status.append(s)
        first.append(f)
    return cand.assign(status=status, first_date=first)
