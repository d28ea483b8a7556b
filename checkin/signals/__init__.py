"""Signals: pure functions that turn check-in frames into flags with plain reasons.

No Flask, no database session, no clock reads: the morning job, the backtest and the tests
all call :func:`compute_flags` with frames and the morning's date.
"""

from checkin.signals.rules import (
    compute_flags,
    contact_candidate,
    crisis_candidate,
    has_crisis_words,
)
from checkin.signals.types import CLIENT_COLUMNS, ENTRY_COLUMNS, FlagCandidate, Reason

__all__ = [
    "CLIENT_COLUMNS",
    "ENTRY_COLUMNS",
    "FlagCandidate",
    "Reason",
    "compute_flags",
    "contact_candidate",
    "crisis_candidate",
    "has_crisis_words",
]
