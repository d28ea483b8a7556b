"""Hard triggers raised at once when an entry is saved: a request for contact and crisis words.

The app calls :func:`contact_candidate` / :func:`crisis_candidate` at save time; the morning
engine (:mod:`checkin.signals.flags`) raises the same flags for yesterday's answers.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from checkin.signals.params import RULES_VERSION
from checkin.signals.types import FlagCandidate, Reason

CRISIS_WORDS = ("死にたい", "しにたい", "消えたい", "きえたい", "自殺", "死のう", "いなくなりたい")
CRISIS_PATTERN = "|".join(re.escape(w) for w in CRISIS_WORDS)

CONTACT_SCORE = 100.0
CRISIS_SCORE = 120.0


def jp_date(d: date | pd.Timestamp) -> str:
    return f"{d.month}月{d.day}日"


def has_crisis_words(note: str | None) -> bool:
    return bool(note) and any(w in str(note) for w in CRISIS_WORDS)


def contact_candidate(client_id: int, day: date) -> FlagCandidate:
    return FlagCandidate(
        client_id,
        "contact",
        "urgent",
        CONTACT_SCORE,
        (
            Reason(
                "wants_contact", f"{jp_date(day)}に「相談したい」と答えました", {"date": str(day)}
            ),
        ),
        RULES_VERSION,
    )


def crisis_candidate(client_id: int, day: date) -> FlagCandidate:
    return FlagCandidate(
        client_id,
        "crisis",
        "urgent",
        CRISIS_SCORE,
        (
            Reason(
                "crisis_words",
                f"{jp_date(day)}のメモに、つらい気持ちを表すことばがあります。すぐに連絡してください",
                {"date": str(day)},
            ),
        ),
        RULES_VERSION,
    )
