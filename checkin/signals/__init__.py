"""Signals: pure functions that turn check-in frames into flags with plain reasons.

No Flask, no database session, no clock reads: the morning job, the backtest and the tests
all call :func:`compute_flags` with frames and the morning's date. See docs/signals.md.
"""

from checkin.signals.cooldown import FlagEvent, OpenFlag, apply_cooldown
from checkin.signals.flags import compute_flags, compute_mornings
from checkin.signals.params import RULES_VERSION, STAGE_PARAMS
from checkin.signals.rules import contact_candidate, crisis_candidate, has_crisis_words
from checkin.signals.types import CLIENT_COLUMNS, ENTRY_COLUMNS, FlagCandidate, Reason

__all__ = [
    "CLIENT_COLUMNS",
    "ENTRY_COLUMNS",
    "RULES_VERSION",
    "STAGE_PARAMS",
    "FlagCandidate",
    "FlagEvent",
    "OpenFlag",
    "Reason",
    "apply_cooldown",
    "compute_flags",
    "compute_mornings",
    "contact_candidate",
    "crisis_candidate",
    "has_crisis_words",
]
