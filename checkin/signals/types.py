"""The signals' inputs and outputs: plain data, no database or web types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Frames the engine takes (one row each):
# entries: client_id, date (datetime64[ns], local date), mood, fatigue, sleep_hours,
#          sleep_quality, wants_contact (bool), note (str or None)
# clients: client_id, stage (str), workdays (digits Monday=0, e.g. "01234"),
#          active_from (datetime64 or NaT), active_to (datetime64 or NaT),
#          optional answerable_from (datetime64 or NaT: the first day the client could
#          answer, card or LINE; no day before it is expected; NaT: as soon as active)
ENTRY_COLUMNS = [
    "client_id",
    "date",
    "mood",
    "fatigue",
    "sleep_hours",
    "sleep_quality",
    "wants_contact",
    "note",
]
CLIENT_COLUMNS = ["client_id", "stage", "workdays", "active_from", "active_to"]

SEVERITIES = ("urgent", "high", "watch")


@dataclass(frozen=True)
class Reason:
    code: str
    text: str  # plain Japanese, with the numbers behind it
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "values": self.values}


@dataclass(frozen=True)
class FlagCandidate:
    client_id: int
    kind: str  # contact, crisis, trend, missing
    severity: str  # urgent, high, watch
    score: float  # higher is more urgent
    reasons: tuple[Reason, ...]
    model_version: str | None = None
