"""The tuning table of docs/signals.md "Irregular answerers (rules-3.2)": the steps from
rules-3.1 to rules-3.2, by answer-rate band, on the tuning data only (synthetic seeds 1-2,
200 clients, 365 days, answer mix wide; LifeSnaps injection seeds 1-10).

    .venv/bin/python bench/irregular_tuning.py      # about a minute

rules-3.1's missed-entries rule (the fast watch tested over the whole silence, high during
the warm-up) is re-created here by a stand-in of ``flags.missing_rules``; the other steps
are constants of ``flags``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from checkin.signals import engine, flags
from checkin.signals.commands import _mornings
from checkin.signals.evaluate import BANDS, answer_rates, pool, score_parts, summarize
from checkin.signals.lifesnaps import default_data_dir, inject, load_lifesnaps
from checkin.signals.synthetic import generate_office


def missing_rules_31(det: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """rules-3.1's missed-entries rule, as it ran (for the first row only)."""
    alpha = flags._stage_col(det, "miss_alpha")
    known = det["habit_expected"].to_numpy() >= flags.UNKNOWN_HABIT_DAYS
    min_silent = flags._stage_col(det, "min_silent") + np.where(known, 0, 3)
    silent = det["silent_days"].to_numpy()
    prob = det["silence_prob"].to_numpy()
    with np.errstate(divide="ignore"):
        sur = np.log(np.maximum(prob, 1e-12)) / np.log(alpha)
    high = (prob <= alpha**2) & (silent >= 2 * min_silent)
    fast = known & (silent >= flags.MISS_FAST_SILENT) & (prob <= flags.MISS_FAST_ALPHA)
    return ((silent >= min_silent) & (prob <= alpha)) | fast, flags.soft_score(sur), high


def missing_rules_fast_fixed(det: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """rules-3.2's fast watch with rules-3.1's warm-up (3 more days, high allowed)."""
    _on, score, high = missing_rules_31(det)
    known = det["habit_expected"].to_numpy() >= flags.UNKNOWN_HABIT_DAYS
    alpha = flags._stage_col(det, "miss_alpha")
    min_silent = flags._stage_col(det, "min_silent") + np.where(known, 0, 3)
    silent = det["silent_days"].to_numpy()
    rate = det["answer_rate"].to_numpy(dtype=np.float64)
    plain = (silent >= min_silent) & (det["silence_prob"].to_numpy() <= alpha)
    fast = known & (silent >= 3) & ((1.0 - rate) ** 3 <= flags.MISS_FAST_ALPHA)
    return plain | fast, score, high


OFF = float("inf")
STEPS: list[tuple[str, dict[str, Any], Callable[..., Any] | None]] = [
    ("rules-3.1", {"SPARSE_Z": OFF, "PART_Z": OFF}, missing_rules_31),
    ("fast watch judged on its 3 days", {"SPARSE_Z": OFF, "PART_Z": OFF}, missing_rules_fast_fixed),
    ("+ one answer alone, < 40 %", {"PART_Z": OFF}, missing_rules_fast_fixed),
    ("+ warm-up 5 more days, never high", {"PART_Z": OFF}, None),
    ("+ one answer alone, 40-80 % = rules-3.2", {}, None),
]


@contextmanager
def patched(values: dict[str, Any], missing: Callable[..., Any] | None) -> Iterator[None]:
    saved = {k: getattr(flags, k) for k in [*values, "missing_rules"]}
    for k, v in values.items():
        setattr(flags, k, v)
    if missing is not None:
        flags.missing_rules = missing
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(flags, k, v)


def main() -> None:
    parts = []
    for s in (1, 2):
        o = generate_office(n_clients=200, days=365, seed=s, answer_mix="wide")
        parts.append((o.entries, o.clients, o.truth))
    e, c, t = pool(parts)
    sets = {"synthetic": (e, c, t, _mornings(e))}
    parts = []
    for r in range(1, 11):
        be, bc = load_lifesnaps(default_data_dir(), seed=r)
        ie, it = inject(be, bc, seed=r)
        parts.append((ie, bc, it))
    e, c, t = pool(parts)
    sets["LifeSnaps"] = (e, c, t, _mornings(e, 21))
    dets = {n: engine.detect(e, c, ms) for n, (e, c, t, ms) in sets.items()}
    rates = {n: answer_rates(e, c, t, ms) for n, (e, c, t, ms) in sets.items()}
    header = [f"{n} {b}" for n in sets for b in BANDS]
    print("| step | " + " | ".join(header) + " |")
    print("|---|" + "---|" * len(header))
    for label, values, missing in STEPS:
        cells = []
        with patched(values, missing):
            for n, (e, c, t, ms) in sets.items():
                sup = c.set_index("client_id")["supporter_id"]
                p = score_parts(flags.decide(dets[n]), t, c, ms, sup, e)
                for band in BANDS:
                    r = summarize(p, rates[n].loc[rates[n]["band"] == band, "client_id"])
                    d3 = "–" if pd.isna(r["dropout_3d"]) else f"{r['dropout_3d']:.1%}"
                    cells.append(
                        f"{r['before_peak']:.1%} / {d3} / {r['false_per_client_month']:.3f}"
                    )
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
