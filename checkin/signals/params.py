"""Tunable parameters of the rule engine, by support stage.

Exploration (模索期) is the most sensitive stage, self-driving (自走期) the least: the
accumulating detector needs more evidence (a higher threshold ``h``, a larger allowance
``k``, more bad days) and the missed-entry detector a rarer silence (a smaller
``miss_alpha``, more silent days) as the stage advances.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_VERSION = "rules-3.2"

LOOKBACK_DAYS = 56  # each morning looks at the 8 weeks before it, never further
RECENT_DAYS = 14  # the accumulating detector works on the last 2 weeks ...
# ... and the client's usual comes from the 6 weeks before those.
PRIOR_ENTRIES = 6  # entries after which a client's own usual weighs as much as the office's

# Composite "worse than usual" score: weights of the per-item robust z-scores.
WEIGHTS = {"mood": 0.40, "fatigue": 0.25, "sleep_quality": 0.15, "sleep_hours": 0.20}
# Floors of the robust spread: on 1-5 answers a client's spread is often tiny.
SCALE_FLOOR = {"mood": 0.7, "fatigue": 0.7, "sleep_quality": 0.7, "sleep_hours": 0.75}
Z_CLIP = (-2.0, 3.0)  # per item: one extreme answer cannot decide alone
# One day's contribution to the accumulated evidence is capped at this share of the stage
# threshold h, so a single bad day (a bad Monday) can never raise a flag on its own ...
DAY_CAP_FACTOR = 0.6
# ... and without its single worst day a run must still hold this share of h.
WITHOUT_WORST_FACTOR = 0.5
BAD_DAY_Z = 0.5  # a "bad day": composite at least half a usual spread worse than usual
EWMA_DECAY = 0.7  # weight of an answer one answered day older
MISS_PRIOR = 4.0  # pseudo expected days of the office's answer rate in a client's habit
WEEKDAY_PRIOR = 30.0  # answers after which an office-wide weekday effect is half trusted
NEW_CLIENT_FACTOR = 1.5  # threshold x (1 + this) for a client with no own usual yet
HIGH_FACTOR = 4.0  # a trend is "high" once the accumulated evidence is 4 x the threshold

# A sharp drop: the last DROP_DAYS answered days each clearly worse than usual (a composite
# of at least DROP_Z usual spreads, raised for new clients like h), the older of them at most
# DROP_SPAN days before the morning. No per-day cap: two clearly bad days in a row are
# enough, one is never (the older day must reach DROP_Z too).
DROP_DAYS = 2
DROP_Z = 0.55
DROP_SPAN = 4
DROP_ITEM_Z = 1.0  # an item is "clearly worse" on a day at this many usual spreads ...
DROP_MIN_ITEMS = 1  # ... and each of those days has at least this many such items
LAST_ANSWERS = 3  # the detector reports the composite of each of the last 3 answered days
# A sharp drop that keeps falling: a lower threshold (DROP_SLOPE_Z, raised for new clients
# like h) when the latest answer is worse than the one before, and that one worse than the
# answer before it (if any). Off (inf) unless tuned in.
DROP_SLOPE_Z = float("inf")
# A bad answer, then silence (new in rules-3.1): the latest answer at least BAD_SILENT_Z
# usual spreads worse than usual (raised for new clients like h), at most BAD_SILENT_AGE
# days ago, followed by at least BAD_SILENT_DAYS expected days without an answer that are
# unusual for the client ((1 - answer rate) ** days <= BAD_SILENT_ALPHA: an answer rate of
# 50 % or more for one day), once the habit is known. The silence is the second piece of
# evidence: a bad Monday followed by a usual Tuesday answer is still no alarm.
BAD_SILENT_Z = 0.7
BAD_SILENT_DAYS = 1
BAD_SILENT_AGE = 5
BAD_SILENT_ALPHA = 0.5
# One answer judged alone (new in rules-3.2): a client who does not answer every expected
# day gives a supporter one answer where others give several, and may not give the next
# one. Their latest answer, at most SPARSE_AGE days old, is a watch on its own when it is
# at least SPARSE_Z usual spreads worse than usual (raised for new clients like h); the
# threshold depends on the client's answer rate (habit known): under SPARSE_RATE, SPARSE_Z;
# from SPARSE_RATE to under PART_RATE, PART_Z within PART_AGE days; above, never (one bad
# day of a regular answerer is still no alarm). Chosen on the wide-mix synthetic offices of
# seeds 1-2 and LifeSnaps seeds 1-10 (docs/signals.md, "Irregular answerers").
SPARSE_RATE = 0.40
SPARSE_Z = 0.4
SPARSE_AGE = 7
PART_RATE = 0.80
PART_Z = 1.3
PART_AGE = 5
# One item on its own: answers in a row worse than usual by this many spreads.
STREAK_ITEMS = ("fatigue", "sleep_hours")
STREAK_Z = 1.0
STREAK_MIN = 4  # answers in a row
STREAK_AGE = 2  # the latest of them at most this many days before the morning
STREAK_SHIFT = 2.0  # their mean, in usual spreads worse than usual

# A habit is unknown until this many expected days have been seen; until then every
# missed-entries rule needs UNKNOWN_HABIT_EXTRA more silent days.
UNKNOWN_HABIT_DAYS = 14
UNKNOWN_HABIT_EXTRA = 5  # rules-3.1: 3
# A faster missed-entries watch, whatever the stage: MISS_FAST_SILENT silent expected days
# that are already rare for the client ((1 - answer rate) ** MISS_FAST_SILENT <=
# MISS_FAST_ALPHA, i.e. an answer rate of about 47 % or more), once the habit is known.
# (Up to rules-3.1 the test used the whole silence, so a client answering a third of their
# days was "fast-flagged" after 5 silent days: an ordinary week for them.)
MISS_FAST_SILENT = 3
MISS_FAST_ALPHA = 0.15


@dataclass(frozen=True)
class StageParams:
    """Sensitivity of one support stage."""

    k: float  # CUSUM allowance: composite z per day that counts as "normal noise"
    h: float  # CUSUM decision threshold (watch); HIGH_FACTOR x h is "high"
    min_bad_days: int  # bad days needed in the accumulated run
    miss_alpha: float  # flag silence when (1 - answer rate) ** silent_days falls below this
    min_silent: int  # never flag fewer silent expected days than this


# Tuned on synthetic offices (seeds 1-2; the evaluation in docs/signals.md uses others).
STAGE_PARAMS: dict[str, StageParams] = {
    "exploration": StageParams(k=0.12, h=0.85, min_bad_days=2, miss_alpha=0.05, min_silent=2),
    "adjustment": StageParams(k=0.15, h=1.00, min_bad_days=2, miss_alpha=0.03, min_silent=2),
    "stability": StageParams(k=0.16, h=1.15, min_bad_days=2, miss_alpha=0.02, min_silent=3),
    "self_driving": StageParams(k=0.2, h=1.6, min_bad_days=3, miss_alpha=0.01, min_silent=4),
}
DEFAULT_STAGE = "adjustment"
STAGES = tuple(STAGE_PARAMS)


def stage_params(stage: str | None) -> StageParams:
    return STAGE_PARAMS.get(str(stage), STAGE_PARAMS[DEFAULT_STAGE])
