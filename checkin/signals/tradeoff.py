"""Trade-off curves on the *training* data: what each step of sensitivity costs.

The numbers behind the "targets missed" section of docs/signals.md: the engine as shipped
and variants of it (a rule switched off, thresholds lowered), each scored with the same
metrics as ``checkin evaluate`` on the data the parameters were tuned on (synthetic seeds
1-2 with 200 clients each, LifeSnaps injection seeds 1-10), never on the reported
evaluation seeds. Run: ``python -m checkin.signals.commands tradeoff``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from checkin.signals import engine, flags, params
from checkin.signals.evaluate import pool, score_method

TRAIN_SYNTHETIC_SEEDS = (1, 2)
TRAIN_SYNTHETIC_SIZE = 200
TRAIN_LIFESNAPS_SEEDS = tuple(range(1, 11))


@dataclass(frozen=True)
class Variant:
    label: str
    decide: dict[str, Any] = field(default_factory=dict)  # flags-module constants
    detect: dict[str, Any] = field(default_factory=dict)  # engine-module constants
    stage_scale: float = 1.0  # every stage's k and h multiplied by this


VARIANTS = (
    Variant(f"{params.RULES_VERSION} as shipped"),
    Variant("- bad answer then silence (rules-3.0)", {"BAD_SILENT_Z": float("inf")}),
    Variant("- sharp-drop rule", {"DROP_Z": float("inf")}),
    Variant("- per-item streak rule", {"STREAK_MIN": 10_000}),
    Variant("- fast missed-entries watch", {"MISS_FAST_ALPHA": 0.0}),
    Variant("high at 3 x threshold (rules-2)", {"HIGH_FACTOR": 3.0}),
    Variant("sharp drop at 0.45 spreads", {"DROP_Z": 0.45}),
    Variant("sharp drop at 0.35 spreads", {"DROP_Z": 0.35}),
    Variant("bad answer then silence at 0.6 spreads", {"BAD_SILENT_Z": 0.6}),
    Variant("bad answer then silence at 1.0 spreads", {"BAD_SILENT_Z": 1.0}),
    Variant("bad answer then silence at α 0.3 (rate ≥ 70 %)", {"BAD_SILENT_ALPHA": 0.3}),
    Variant("bad answer then silence at α 0.7 (rate ≥ 30 %)", {"BAD_SILENT_ALPHA": 0.7}),
    Variant("bad answer then 2 silent days", {"BAD_SILENT_DAYS": 2}),
    Variant("+ falling drop at 0.45 spreads", {"DROP_SLOPE_Z": 0.45}),
    Variant("+ falling drop at 0.35 spreads", {"DROP_SLOPE_Z": 0.35}),
    Variant("+ falling drop at 0.25 spreads", {"DROP_SLOPE_Z": 0.25}),
    Variant("fast missing watch at α 0.07", {"MISS_FAST_ALPHA": 0.07}),
    Variant("fast missing watch at α 0.30", {"MISS_FAST_ALPHA": 0.30}),
    Variant("k, h x 0.7", stage_scale=0.7),
    Variant("k, h x 0.5, bad day at 0.1 spreads", detect={"BAD_DAY_Z": 0.1}, stage_scale=0.5),
)


@contextmanager
def patched(variant: Variant) -> Iterator[None]:
    """Temporarily apply a variant's constants (restored afterwards)."""
    saved: list[tuple[Any, str, Any]] = []
    for module, values in ((flags, variant.decide), (engine, variant.detect)):
        for name, value in values.items():
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)
    stages = dict(params.STAGE_PARAMS)
    if variant.stage_scale != 1.0:
        for s, p in stages.items():
            params.STAGE_PARAMS[s] = dataclasses.replace(
                p, k=p.k * variant.stage_scale, h=p.h * variant.stage_scale
            )
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
        params.STAGE_PARAMS.update(stages)


def training_sets(
    lifesnaps_dir: Path | None,
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[date]]]:
    from checkin.signals.commands import _mornings
    from checkin.signals.synthetic import generate_office

    parts = []
    for s in TRAIN_SYNTHETIC_SEEDS:
        o = generate_office(n_clients=TRAIN_SYNTHETIC_SIZE, days=365, seed=s)
        parts.append((o.entries, o.clients, o.truth))
    e, c, t = pool(parts)
    sets = {"synthetic": (e, c, t, _mornings(e))}
    if lifesnaps_dir is not None and lifesnaps_dir.exists():
        from checkin.signals.lifesnaps import inject, load_lifesnaps

        parts = []
        for r in TRAIN_LIFESNAPS_SEEDS:
            be, bc = load_lifesnaps(lifesnaps_dir, seed=r)
            ie, it = inject(be, bc, seed=r)
            parts.append((ie, bc, it))
        e, c, t = pool(parts)
        sets["LifeSnaps"] = (e, c, t, _mornings(e, 21))
    return sets


def tradeoff_table(
    sets: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[date]]],
    variants: Sequence[Variant] = VARIANTS,
) -> pd.DataFrame:
    """One row per (data set, variant) with the main metrics."""
    rows = []
    cache: dict[tuple[str, tuple[Any, ...], float], pd.DataFrame] = {}
    for name, (e, c, t, mornings) in sets.items():
        sup = c.set_index("client_id")["supporter_id"] if "supporter_id" in c else None
        for v in variants:
            with patched(v):
                key = (name, tuple(sorted(v.detect.items())), v.stage_scale)
                if key not in cache:
                    cache[key] = engine.detect(e, c, mornings)
                cand = flags.decide(cache[key])
                r = score_method(cand, t, c, mornings, sup)
            rows.append({"data": name, "variant": v.label, **r})
    return pd.DataFrame(rows)


def format_tradeoff(table: pd.DataFrame) -> str:
    cols = [
        ("before_peak", "before peak", "{:.1%}"),
        ("before_peak_sudden", "sudden", "{:.1%}"),
        ("median_delay", "median delay", "{:.1f}"),
        ("dropout_3d", "dropouts ≤3 exp. days", "{:.1%}"),
        ("false_per_client_month", "false alerts / client-month", "{:.3f}"),
        ("top3_precision", "top-3 precision", "{:.1%}"),
    ]
    lines = [
        "| data | variant | " + " | ".join(c[1] for c in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for _, r in table.iterrows():
        cells = [fmt.format(r[k]) if pd.notna(r[k]) else "n/a" for k, _, fmt in cols]
        lines.append(f"| {r['data']} | {r['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
