"""Click commands of the signals: ``checkin backtest``, ``evaluate``, ``tradeoff`` and
``frontier``.

Register them on the ``checkin`` group with ``cli.add_command(backtest)`` etc.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import pandas as pd

from checkin.signals.backtest import (
    InputError,
    read_clients_csv,
    read_entries_csv,
    replay,
    write_flags_csv,
)
from checkin.signals.evaluate import (
    evaluate_by_band,
    evidence_ceiling,
    format_ceiling,
    format_ceiling_by_band,
    format_table,
    pool,
    ranked_method,
)
from checkin.signals.params import LOOKBACK_DAYS

WARMUP_DAYS = 28  # default --start: four weeks after the first entry, once usuals exist
_DATE = click.DateTime(formats=["%Y-%m-%d"])
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


@click.command("backtest")
@click.option("--entries", "entries_path", type=_FILE, required=True, help="ENTRIES.csv")
@click.option("--clients", "clients_path", type=_FILE, default=None, help="CLIENTS.csv")
@click.option(
    "--start",
    type=_DATE,
    default=None,
    help="first morning (default: 28 days after the first entry)",
)
@click.option(
    "--end", type=_DATE, default=None, help="last morning (default: day after the last entry)"
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="FLAGS.csv to write",
)
@click.option(
    "--model",
    "model_path",
    type=_FILE,
    default=None,
    help="a learned ranker saved with Ranker.save",
)
def backtest(
    entries_path: Path,
    clients_path: Path | None,
    start: datetime | None,
    end: datetime | None,
    out_path: Path,
    model_path: Path | None,
) -> None:
    """Replay every morning from START to END and write the flags raised to FLAGS.csv."""
    t0 = time.perf_counter()
    try:
        entries = read_entries_csv(entries_path, text_ids=True)
        clients = read_clients_csv(clients_path, text_ids=True) if clients_path else None
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    if len(entries) == 0:
        raise click.ClickException(f"{entries_path.name}: no entries to replay")
    last = _day(end) or (entries["date"].max() + timedelta(days=1)).date()
    warmup = (entries["date"].min() + timedelta(days=WARMUP_DAYS)).date()
    first = _day(start) or min(warmup, last)
    if last < first:
        raise click.UsageError(f"--end {last} is before --start {first}")
    ranker = None
    if model_path is not None:
        from checkin.signals.ranker import Ranker

        ranker = Ranker.load(model_path)
    flags = replay(entries, clients, first, last, ranker)
    write_flags_csv(flags, out_path)
    n_clients = entries["client_id"].nunique() if clients is None else len(clients)
    counts = flags["severity"].value_counts()
    click.echo(
        f"Replayed {(last - first).days + 1} mornings ({first}..{last}) for {n_clients} clients:"
        f" {len(flags)} flags raised (urgent {counts.get('urgent', 0)},"
        f" high {counts.get('high', 0)}, watch {counts.get('watch', 0)})"
        f" -> {out_path} in {time.perf_counter() - t0:.2f} s"
    )


def _mornings(entries: pd.DataFrame, warmup: int = LOOKBACK_DAYS) -> list[date]:
    first = entries["date"].min() + timedelta(days=warmup)
    last = entries["date"].max() + timedelta(days=1)
    return [d.date() for d in pd.date_range(first, last, freq="D")]


@click.command("evaluate")
@click.option(
    "--data",
    type=click.Choice(["synthetic", "lifesnaps", "all"]),
    default="all",
    show_default=True,
)
@click.option("--offices", default=5, show_default=True, help="synthetic offices")
@click.option("--office-size", default=100, show_default=True, help="clients per synthetic office")
@click.option("--days", default=365, show_default=True, help="days per synthetic office")
@click.option("--seed", default=100, show_default=True, help="first seed")
@click.option("--reps", default=20, show_default=True, help="LifeSnaps injection replications")
@click.option(
    "--answer-mix",
    type=click.Choice(["standard", "wide"]),
    default="standard",
    show_default=True,
    help="synthetic answer habits; wide: also 30 % sparse answerers (15-40 % of workdays)",
)
@click.option(
    "--lifesnaps-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="default: <repo>/data/lifesnaps",
)
@click.option(
    "--ranker/--no-ranker",
    default=True,
    show_default=True,
    help="also evaluate the learned ranking",
)
def evaluate(
    data: str,
    offices: int,
    office_size: int,
    days: int,
    seed: int,
    reps: int,
    answer_mix: str,
    lifesnaps_dir: Path | None,
    ranker: bool,
) -> None:
    """Compare the engine with simple baselines on data with known ground truth."""
    from checkin.signals.synthetic import generate_office

    if data in ("synthetic", "all"):
        t0 = time.perf_counter()
        parts = []
        for i in range(offices):
            o = generate_office(
                n_clients=office_size, days=days, seed=seed + i, answer_mix=answer_mix
            )
            parts.append((o.entries, o.clients, o.truth))
        entries, clients, truth = pool(parts)
        mornings = _mornings(entries)
        extra = {}
        if ranker:
            train_parts = []
            for i in range(offices):
                o = generate_office(
                    n_clients=office_size, days=days, seed=seed + 1000 + i, answer_mix=answer_mix
                )
                train_parts.append((o.entries, o.clients, o.truth))
            train = pool(train_parts)
            cand, version, metrics = ranked_method(
                train, entries, clients, mornings, _mornings(train[0])
            )
            extra["engine + learned ranking"] = cand
            click.echo(
                f"learned ranking {version}, trained on seeds {seed + 1000}-"
                f"{seed + 1000 + offices - 1}: "
                + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())
            )
        table, by_band = evaluate_by_band(entries, clients, truth, mornings, extra)
        click.echo(
            f"\n### Synthetic: {offices} offices x {office_size} clients x {days} days"
            f" (seeds {seed}-{seed + offices - 1}, answer mix {answer_mix}); {_counts(truth)}\n"
        )
        click.echo(format_table(table))
        click.echo("\nBy answer-rate band (answered / expected days of each client):\n")
        click.echo(format_table(by_band))
        click.echo("\nEvidence before the peak (what any method could see):\n")
        click.echo(format_ceiling(evidence_ceiling(entries, truth, mornings)))
        click.echo("\nBy answer-rate band:\n")
        click.echo(format_ceiling_by_band(entries, clients, truth, mornings))
        click.echo(f"\n({time.perf_counter() - t0:.1f} s)")
    if data in ("lifesnaps", "all"):
        from checkin.signals.lifesnaps import default_data_dir, inject, load_lifesnaps

        t0 = time.perf_counter()
        directory = lifesnaps_dir or default_data_dir()
        if not directory.exists():
            raise click.ClickException(f"LifeSnaps data not found in {directory}")
        parts = []
        for r in range(reps):
            base_e, base_c = load_lifesnaps(directory, seed=seed + r)
            e, t = inject(base_e, base_c, seed=seed + r)
            parts.append((e, base_c, t))
        entries, clients, truth = pool(parts)
        ls_mornings = _mornings(entries, 21)
        table, by_band = evaluate_by_band(entries, clients, truth, ls_mornings)
        click.echo(
            f"\n### LifeSnaps: {reps} injection replications (seeds {seed}-{seed + reps - 1})"
            f" of 71 people; {_counts(truth)}\n"
        )
        click.echo(format_table(table))
        click.echo("\nBy answer-rate band (answered / expected days of each client):\n")
        click.echo(format_table(by_band))
        click.echo("\nEvidence before the peak (what any method could see):\n")
        click.echo(format_ceiling(evidence_ceiling(entries, truth, ls_mornings)))
        click.echo("\nBy answer-rate band:\n")
        click.echo(format_ceiling_by_band(entries, clients, truth, ls_mornings))
        click.echo(f"\n({time.perf_counter() - t0:.1f} s)")


@click.command("tradeoff")
@click.option(
    "--lifesnaps-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="default: <repo>/data/lifesnaps (skipped when absent)",
)
def tradeoff(lifesnaps_dir: Path | None) -> None:
    """What each step of sensitivity costs, on the training data (not the reported seeds)."""
    from checkin.signals.lifesnaps import default_data_dir
    from checkin.signals.tradeoff import format_tradeoff, tradeoff_table, training_sets

    t0 = time.perf_counter()
    sets = training_sets(lifesnaps_dir or default_data_dir())
    click.echo(format_tradeoff(tradeoff_table(sets)))
    click.echo(f"\n({time.perf_counter() - t0:.1f} s)")


@click.command("frontier")
@click.option("--seed", default=100, show_default=True, help="first reported seed")
@click.option("--offices", default=5, show_default=True, help="reported synthetic offices")
@click.option("--office-size", default=100, show_default=True, help="clients per office")
@click.option("--reps", default=20, show_default=True, help="reported LifeSnaps replications")
@click.option(
    "--train-size",
    default=200,
    show_default=True,
    help="clients per synthetic training office (seeds 1-2)",
)
@click.option(
    "--more-offices",
    default=10,
    show_default=True,
    help="also train on synthetic seeds 1..N (a learning curve; 0: skip)",
)
@click.option(
    "--lifesnaps-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="default: <repo>/data/lifesnaps (skipped when absent or --reps 0)",
)
def frontier(
    seed: int,
    offices: int,
    office_size: int,
    reps: int,
    train_size: int,
    more_offices: int,
    lifesnaps_dir: Path | None,
) -> None:
    """What any detector on these signals can reach: the rules OR a learned detector (trained
    on the training data's ground truth) at a sweep of thresholds. Research only."""
    from checkin.signals.frontier import FA_TARGET, format_frontier, frontier_sets, frontier_table
    from checkin.signals.lifesnaps import default_data_dir

    if min(offices, office_size, train_size) < 1 or min(reps, more_offices) < 0:
        raise click.UsageError(
            "--offices, --office-size and --train-size must be >= 1, --reps and --more-offices >= 0"
        )
    t0 = time.perf_counter()
    sets = frontier_sets(
        seed=seed,
        offices=offices,
        office_size=office_size,
        reps=reps,
        train_size=train_size,
        more_offices=more_offices,
        lifesnaps_dir=lifesnaps_dir or default_data_dir(),
        log=click.echo,
    )
    click.echo(
        f"\nTraining: synthetic seeds 1-2 and 1-{more_offices} ({train_size} clients each,"
        " cross-fitted by client),"
        f" LifeSnaps seeds 1-10; reported: synthetic seeds {seed}-{seed + offices - 1},"
        f" LifeSnaps seeds {seed}-{seed + reps - 1}. (chosen: FA ≤ x): the lowest threshold"
        f" whose false alerts per client-month on the training data stay ≤ x ({FA_TARGET} for a"
        f" margin, or 1).\n"
    )
    click.echo(format_frontier(frontier_table(sets)))
    click.echo(f"\n({time.perf_counter() - t0:.1f} s)")


def _counts(truth: pd.DataFrame) -> str:
    c = truth["kind"].value_counts()
    return ", ".join(f"{c.get(k, 0)} {k}" for k in ("slow", "sudden", "dropout"))


@click.group()
def main() -> None:
    """The signals' commands; ``python -m checkin.signals.commands`` runs them standalone."""


main.add_command(backtest)
main.add_command(evaluate)
main.add_command(tradeoff)
main.add_command(frontier)

if __name__ == "__main__":
    main()
