"""Evaluation against ground truth: the engine and simple baselines on the same mornings.

Every method's per-morning candidates go through the same cooldown
(:func:`checkin.signals.cooldown.cooldown_frame`), so "false alerts" counts alarms (new or
escalated flags), not mornings a flag stays open. Hard triggers (contact, crisis) are the
same for every method and are left out of the metrics.

Metrics (see docs/signals.md):

- ``before_peak``: share of deteriorations with a flag on the morning list (raised or still
  open) on a morning after onset and no later than the peak day; ``before_peak_alarm``
  counts only flags newly raised (or escalated) in that span;
- ``median_delay``: median days from onset to the first such morning (detected events
  only; ``detected`` is the share detected at all before the event ends);
- ``dropout_3d``: share of dropouts flagged within 3 expected days (the client's
  workdays) of the first missed one; ``dropout_median_exp_days``: median expected days;
  ``dropout_3_missed_answers``: share flagged before the client missed more than 3 of the
  answers their habit (answer rate on workdays in the 8 weeks before) would have given;
- ``false_per_client_month``: alarms outside every true event window, per 30 client-days;
- ``top3_precision``: per supporter and morning, the top 3 open flags in list order
  (urgent first, then score); share that fall in a true event window
  (``top1_precision``: the first only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from checkin.signals.cooldown import cooldown_frame
from checkin.signals.engine import Grid, detect, normalize_clients
from checkin.signals.flags import decide
from checkin.signals.params import LOOKBACK_DAYS

HARD = ("contact", "crisis")
TRUE_AFTER_END = 3  # a flag up to 3 days after an event ends still concerns it
DROPOUT_WINDOW = 30
ENGINE_NAME = "engine (rules-3)"

Method = Callable[[pd.DataFrame, pd.DataFrame, Sequence[date]], pd.DataFrame]


def engine_method(
    entries: pd.DataFrame, clients: pd.DataFrame, mornings: Sequence[date]
) -> pd.DataFrame:
    return decide(detect(entries, clients, mornings))


def _plain_mood_stats(
    entries: pd.DataFrame, clients: pd.DataFrame, mornings: Sequence[date]
) -> pd.DataFrame:
    """Yesterday's mood, its plain z-score against the last 28 days, days since an entry."""
    clients = normalize_clients(clients, entries)
    grid = Grid(entries, clients, mornings)
    mood = grid.windows(grid.values["mood"]).astype(np.float64)
    hist = mood[..., -29:-1]
    n = np.sum(~np.isnan(hist), -1)
    s = np.nansum(hist, -1)
    mean = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    dev = np.where(np.isnan(hist), 0.0, hist - mean[..., None])
    var = np.sum(dev * dev, -1) / np.maximum(n - 1, 1)
    sd = np.maximum(np.sqrt(var), 0.3)
    y = mood[..., -1]
    ans = grid.windows(grid.answered)
    last = np.where(ans.any(-1), LOOKBACK_DAYS - 1 - np.argmax(ans[..., ::-1], -1), -1)
    m = len(grid.mornings)
    frame = pd.DataFrame(
        {
            "client_id": np.repeat(clients["client_id"].to_numpy(), m),
            "morning": np.tile(grid.mornings.to_numpy(), len(clients)),
            "yesterday_mood": y.reshape(-1),
            "z": np.where(n >= 5, (y - mean) / sd, np.nan).reshape(-1),
            "days_since": (LOOKBACK_DAYS - last).reshape(-1),
        }
    )
    af = np.repeat(clients["active_from"].to_numpy(), m)
    mo = frame["morning"].to_numpy()
    return frame[~(mo < af)].reset_index(drop=True)


def _baseline(frame: pd.DataFrame, on: pd.Series, score: pd.Series, kind: str) -> pd.DataFrame:
    f = frame[on.to_numpy()]
    return pd.DataFrame(
        {
            "client_id": f["client_id"].to_numpy(),
            "morning": f["morning"].to_numpy(),
            "kind": kind,
            "severity": "watch",
            "score": score[on.to_numpy()].to_numpy(),
        }
    )


def baseline_methods(
    entries: pd.DataFrame, clients: pd.DataFrame, mornings: Sequence[date]
) -> dict[str, pd.DataFrame]:
    f = _plain_mood_stats(entries, clients, mornings)
    return {
        "yesterday mood <= 2": _baseline(
            f, f["yesterday_mood"] <= 2, 5 - f["yesterday_mood"], "trend"
        ),
        "days since entry >= 3": _baseline(
            f, f["days_since"] >= 3, f["days_since"].astype(float), "missing"
        ),
        "mood z-score <= -2": _baseline(f, f["z"] <= -2, -f["z"], "trend"),
    }


def _windows(truth: pd.DataFrame) -> pd.DataFrame:
    w = truth.copy()
    w["w_start"] = w["onset"] + pd.Timedelta(days=1)
    w["w_end"] = w["end"] + pd.Timedelta(days=TRUE_AFTER_END + 1)
    return w


def _is_true(flags: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """Whether each (client_id, morning) lies in some true event window of its client."""
    if len(flags) == 0:
        return np.zeros(0, dtype=bool)
    w = _windows(truth)
    f = flags[["client_id", "morning"]].reset_index(drop=True).reset_index()
    j = f.merge(w[["client_id", "w_start", "w_end"]], on="client_id", how="inner")
    hit = j[(j["morning"] >= j["w_start"]) & (j["morning"] <= j["w_end"])]["index"].unique()
    out = np.zeros(len(flags), dtype=bool)
    out[hit] = True
    return out


def score_parts(
    cand: pd.DataFrame,
    truth: pd.DataFrame,
    clients: pd.DataFrame,
    mornings: Sequence[date],
    supporter: pd.Series | None = None,
    entries: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """One method's scoring units, each with its ``client_id``: deteriorations (``det``:
    first flag / first alarm after onset), dropouts (``drop``: expected days to the first
    flag), alarms (``alarms``: in a true window or not), active client-days (``days``) and
    the flags shown in the top 3 / top 1 of each supporter-morning (``top3``, ``top1``).
    :func:`summarize` turns them (or the rows of some clients) into the metrics."""
    cand = cand[~cand["kind"].isin(HARD)].copy()
    cand["morning"] = pd.to_datetime(cand["morning"])
    cand_entries = entries if entries is not None else pd.DataFrame({"client_id": [], "date": []})
    cf = cooldown_frame(cand) if len(cand) else cand.assign(status=[], first_date=[])
    alarms = cf[cf["status"] != "ongoing"]
    mstart, mend = pd.Timestamp(min(mornings)), pd.Timestamp(max(mornings))

    # deteriorations
    det_t = truth[truth["kind"] != "dropout"]
    det_t = det_t[(det_t["onset"] >= mstart) & (det_t["peak"] <= mend)]

    def first_after_onset(flags: pd.DataFrame) -> pd.Series:
        j = det_t.reset_index().merge(flags[["client_id", "morning"]], on="client_id")
        j = j[(j["morning"] > j["onset"]) & (j["morning"] <= j["end"] + pd.Timedelta(days=1))]
        return j.groupby("index")["morning"].min().reindex(det_t.index)

    det = det_t[["client_id", "kind", "onset", "peak"]].assign(
        first=first_after_onset(cf),  # on the morning list (new or still open)
        first_alarm=first_after_onset(alarms),  # raised as a new/escalated alarm
    )

    # dropouts, delay in expected days (the client's workdays from the first silent day)
    drop = truth[(truth["kind"] == "dropout") & (truth["onset"] >= mstart)]
    drop = drop[drop["onset"] <= mend - pd.Timedelta(days=10)]
    j = drop.reset_index().merge(cf[["client_id", "morning"]], on="client_id")
    j = j[
        (j["morning"] > j["onset"])
        & (j["morning"] <= j["onset"] + pd.Timedelta(days=DROPOUT_WINDOW))
    ]
    first_d = j.groupby("index")["morning"].min().reindex(drop.index)
    wd = normalize_clients(clients, cand).set_index("client_id")["workdays"]
    exp_days: list[float] = []
    firsts = first_d.to_numpy()
    answered = set(zip(cand_entries["client_id"], cand_entries["date"], strict=True))
    habit_days: list[float] = []
    for i, row in enumerate(drop.itertuples(index=False)):  # one per dropout event
        w = [int(c) for c in str(wd.get(row.client_id, "01234"))]
        onset = pd.Timestamp(str(row.onset))
        before = pd.date_range(onset - pd.Timedelta(days=LOOKBACK_DAYS), onset, inclusive="left")
        before = before[np.isin(before.day_of_week, w)]
        rate = (
            sum((row.client_id, d) in answered for d in before) / len(before)
            if len(before)
            else 1.0
        )
        f = pd.Timestamp(firsts[i])
        if pd.isna(f):
            exp_days.append(np.nan)
            habit_days.append(np.nan)
            continue
        days = pd.date_range(onset, f - pd.Timedelta(days=1))
        n = float(np.isin(days.day_of_week, w).sum())
        exp_days.append(n)
        habit_days.append(n * rate)
    drops = pd.DataFrame(
        {
            "client_id": drop["client_id"].to_numpy(),
            "exp": pd.Series(exp_days, dtype=float).to_numpy(),
            "habit": pd.Series(habit_days, dtype=float).to_numpy(),
        }
    )

    # false alerts per client-month of active mornings
    cl = normalize_clients(clients, cand)
    ms = pd.DatetimeIndex(pd.to_datetime(list(mornings)))
    af = cl["active_from"].fillna(mstart).to_numpy()
    at = cl["active_to"].fillna(mend).to_numpy()
    msv = ms.to_numpy()
    per_client = ((msv[None, :] >= af[:, None]) & (msv[None, :] <= at[:, None])).sum(1)
    days_f = pd.DataFrame({"client_id": cl["client_id"].to_numpy(), "days": per_client})
    al = pd.DataFrame(
        {"client_id": alarms["client_id"].to_numpy(), "true": _is_true(alarms, truth)}
    )

    # top-3 precision per supporter-morning over open flags (cf: all candidates)
    cols: dict[str, list[Any]] = {"client_id": [], "morning": [], "supporter": [], "true": []}
    top3, top1 = pd.DataFrame(cols), pd.DataFrame(cols)
    if len(cf):
        sup = supporter if supporter is not None else pd.Series(1, index=cl["client_id"].to_numpy())
        lst = cf.assign(
            supporter=cf["client_id"].map(sup).fillna(0).to_numpy(),
            _r=(cf["severity"] != "urgent").astype(int),
        )
        lst = lst.sort_values(
            ["morning", "supporter", "_r", "score"], ascending=[True, True, True, False]
        )
        for k, name in ((3, "top3"), (1, "top1")):
            top = lst.groupby(["morning", "supporter"], sort=False).head(k)
            frame = top[["client_id", "morning", "supporter"]].assign(true=_is_true(top, truth))
            if name == "top3":
                top3 = frame.reset_index(drop=True)
            else:
                top1 = frame.reset_index(drop=True)
    return {"det": det, "drop": drops, "alarms": al, "days": days_f, "top3": top3, "top1": top1}


def summarize(
    parts: dict[str, pd.DataFrame],
    client_ids: Sequence[int] | pd.Index | pd.Series | None = None,
) -> dict[str, float]:
    """The metrics of :func:`score_parts`, over every client or only ``client_ids``. The
    counts (``deteriorations``, ``before_peak_n``, ``dropouts``, ``dropout_3d_n``,
    ``alarms``, ``false_alarms``, ``client_days``, ``top3_shown``, ``top3_true``…) add up
    over disjoint sets of clients; the shares and medians are computed from them."""
    if client_ids is not None:
        keep = set(client_ids)
        parts = {k: v[v["client_id"].isin(keep)] for k, v in parts.items()}
    res = _summary(parts)
    if client_ids is not None:  # a band without events or clients has no share, not 0 %
        none = float("nan")
        if res["deteriorations"] == 0:
            for k in ("before_peak", "before_peak_alarm", "detected"):
                res[k] = none
        for kind in ("slow", "sudden"):
            if not (parts["det"]["kind"] == kind).any():
                res[f"before_peak_{kind}"] = none
        if res["client_days"] == 0:
            res["false_per_client_month"] = none
    return res


def _summary(parts: dict[str, pd.DataFrame]) -> dict[str, float]:
    det, exp_habit, al = parts["det"], parts["drop"], parts["alarms"]
    res: dict[str, float] = {}
    first, first_alarm = det["first"], det["first_alarm"]
    delay = (first - det["onset"]).dt.days
    n_ev = max(len(det), 1)
    res["deteriorations"] = float(len(det))
    res["before_peak_n"] = float((first <= det["peak"]).sum())
    res["before_peak"] = res["before_peak_n"] / n_ev
    res["before_peak_alarm"] = float((first_alarm <= det["peak"]).sum()) / n_ev
    res["detected"] = float(first.notna().sum()) / n_ev
    res["median_delay"] = float(delay.median()) if delay.notna().any() else float("nan")
    for kind in ("slow", "sudden"):
        sel = det["kind"] == kind
        res[f"before_peak_{kind}"] = float((first[sel] <= det["peak"][sel]).sum()) / max(
            int(sel.sum()), 1
        )

    exp, habit = exp_habit["exp"], exp_habit["habit"]
    res["dropouts"] = float(len(exp))
    res["dropout_3d_n"] = float((exp <= 3).sum())
    res["dropout_flagged"] = float(exp.notna().mean()) if len(exp) else float("nan")
    res["dropout_3d"] = float((exp <= 3).mean()) if len(exp) else float("nan")
    res["dropout_median_exp_days"] = float(exp.median()) if exp.notna().any() else float("nan")
    res["dropout_3_missed_answers"] = float((habit <= 3).mean()) if len(habit) else float("nan")

    client_days = int(parts["days"]["days"].sum())
    res["client_days"] = float(client_days)
    res["alarms"] = float(len(al))
    res["false_alarms"] = float((~al["true"].astype(bool)).sum())
    res["false_per_client_month"] = res["false_alarms"] / max(client_days / 30.0, 1e-9)

    top, t1 = parts["top3"], parts["top1"]
    res["top3_shown"] = float(len(top))
    res["top3_true"] = float(top["true"].astype(bool).sum())
    res["top3_precision"] = res["top3_true"] / len(top) if len(top) else float("nan")
    res["top1_precision"] = float(t1["true"].astype(bool).mean()) if len(t1) else float("nan")
    groups = top.groupby(["morning", "supporter"]).ngroups if len(top) else 0
    res["shown_per_supporter_morning"] = float(len(top) / max(groups, 1))
    return res


def score_method(
    cand: pd.DataFrame,
    truth: pd.DataFrame,
    clients: pd.DataFrame,
    mornings: Sequence[date],
    supporter: pd.Series | None = None,
    entries: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Metrics of one method's candidates (client_id, morning, kind, severity, score)."""
    return summarize(score_parts(cand, truth, clients, mornings, supporter, entries))


# Answer-rate bands (fixed before any result was looked at; docs/signals.md "By answer rate")
BANDS = ("< 40 %", "40-80 %", "> 80 %")
BAND_LOW, BAND_HIGH = 0.40, 0.80


def band_of(rate: float) -> str:
    """``< 40 %`` below 0.40, ``> 80 %`` above 0.80, ``40-80 %`` in between (both ends)."""
    if rate < BAND_LOW:
        return BANDS[0]
    return BANDS[2] if rate > BAND_HIGH else BANDS[1]


def answer_rates(
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    truth: pd.DataFrame,
    mornings: Sequence[date],
) -> pd.DataFrame:
    """Each client's answered / expected days over the evaluated period, and their band.

    Expected days: the client's workdays dated from the day before the first morning to the
    day before the last one (the days the evaluated mornings read), within the client's
    active span (``active_from`` … the day before ``active_to``), leaving out the days of
    their ground-truth dropouts (a silence is the event, not the habit). Answered: those
    expected days with an entry. A client with no expected day gets no band."""
    cl = normalize_clients(clients, entries)
    p0 = pd.Timestamp(min(mornings)) - pd.Timedelta(days=1)
    p1 = pd.Timestamp(max(mornings)) - pd.Timedelta(days=1)
    drop = truth[truth["kind"] == "dropout"]
    silent = {
        cid: list(zip(g["onset"], g["end"], strict=True)) for cid, g in drop.groupby("client_id")
    }
    by_client = {
        cid: pd.DatetimeIndex(g.to_numpy()) for cid, g in entries.groupby("client_id")["date"]
    }
    rows = []
    cols: list[list[Any]] = [
        cl[k].tolist() for k in ("client_id", "active_from", "active_to", "workdays")
    ]
    for cid, af, at, wd in zip(*cols, strict=True):
        a = p0 if pd.isna(af) else max(p0, pd.Timestamp(af))
        last = p1 if pd.isna(at) else pd.Timestamp(at) - pd.Timedelta(days=1)
        b = min(p1, last)
        days = pd.date_range(a, b) if a <= b else pd.DatetimeIndex([])
        days = days[np.isin(days.day_of_week, [int(ch) for ch in str(wd)])]
        for on, end in silent.get(cid, []):
            days = days[(days < on) | (days > end)]
        got = by_client.get(cid, pd.DatetimeIndex([]))
        n_ans = int(days.isin(got.normalize()).sum())
        rate = n_ans / len(days) if len(days) else float("nan")
        rows.append((cid, len(days), n_ans, rate, band_of(rate) if len(days) else None))
    return pd.DataFrame(rows, columns=["client_id", "expected", "answered", "rate", "band"])


def evaluate_by_band(
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    truth: pd.DataFrame,
    mornings: Sequence[date],
    extra: dict[str, pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(overall table, table by answer-rate band): the rows of :func:`evaluate_office`, and
    the same metrics over the clients of each band (index: band, method). Each method is
    scored once on the whole office; a band's rows are the scoring units of its clients
    (events, alarms, client-days, and the flags of theirs shown in the office's top 3).
    Unlike :func:`evaluate_office`, the entries go to the scoring, so "dropouts ≤ 3 missed
    usual answers" uses each client's real habit (without them every habit read as 0)."""
    sup = clients.set_index("client_id")["supporter_id"] if "supporter_id" in clients else None
    methods = {ENGINE_NAME: engine_method(entries, clients, mornings)}
    methods.update(extra or {})
    methods.update(baseline_methods(entries, clients, mornings))
    rates = answer_rates(entries, clients, truth, mornings)
    overall, banded = {}, {}
    for name, c in methods.items():
        parts = score_parts(c, truth, clients, mornings, sup, entries)
        overall[name] = summarize(parts)
        for band in BANDS:
            ids = rates.loc[rates["band"] == band, "client_id"]
            banded[(band, name)] = {
                **summarize(parts, ids),
                "clients": float(len(ids)),
                "answer_rate": float(rates.loc[ids.index, "rate"].mean()) if len(ids) else np.nan,
            }
    order = [(band, name) for band in BANDS for name in methods]
    return pd.DataFrame(overall).T, pd.DataFrame(banded).T.loc[order]


def evidence_ceiling(
    entries: pd.DataFrame, truth: pd.DataFrame, mornings: Sequence[date]
) -> pd.DataFrame:
    """What any method could have seen before each deterioration's peak: per kind (slow,
    sudden, all), the events scored (as in :func:`score_method`) and the share with at
    least 1, 2 and 3 answered days dated from the onset to the day before the peak (the
    entries the peak morning sees). A rule that never raises a flag on a single answered
    day cannot flag more than the "≥ 2" share before the peak."""
    mstart, mend = pd.Timestamp(min(mornings)), pd.Timestamp(max(mornings))
    ev = truth[truth["kind"] != "dropout"]
    ev = ev[(ev["onset"] >= mstart) & (ev["peak"] <= mend)].reset_index(drop=True)
    j = ev.reset_index().merge(entries[["client_id", "date"]], on="client_id")
    j = j[(j["date"] >= j["onset"]) & (j["date"] < j["peak"])]
    n = j.groupby("index").size().reindex(ev.index, fill_value=0)
    rows = {}
    for kind, sel in (
        ("slow", ev["kind"] == "slow"),
        ("sudden", ev["kind"] == "sudden"),
        ("all", ev["kind"] != ""),
    ):
        k = n[sel.to_numpy()]
        rows[kind] = {
            "events": float(len(k)),
            "median_answered": float(k.median()) if len(k) else float("nan"),
            **{
                f"at_least_{i}": float((k >= i).mean()) if len(k) else float("nan")
                for i in (1, 2, 3)
            },
        }
    return pd.DataFrame(rows).T


def format_ceiling(c: pd.DataFrame) -> str:
    """Markdown table of :func:`evidence_ceiling`."""
    lines = [
        "| deteriorations | events | answered days onset…peak-1 (median) | ≥ 1 | ≥ 2 | ≥ 3 |",
        "|---|---|---|---|---|---|",
    ]
    for kind, r in c.iterrows():
        lines.append(
            f"| {kind} | {int(r['events'])} | {r['median_answered']:g} | {r['at_least_1']:.1%}"
            f" | {r['at_least_2']:.1%} | {r['at_least_3']:.1%} |"
        )
    return "\n".join(lines)


def format_ceiling_by_band(
    entries: pd.DataFrame, clients: pd.DataFrame, truth: pd.DataFrame, mornings: Sequence[date]
) -> str:
    """:func:`format_ceiling` per answer-rate band (the events of each band's clients)."""
    rates = answer_rates(entries, clients, truth, mornings)
    lines: list[str] = []
    for band in BANDS:
        ids = set(rates.loc[rates["band"] == band, "client_id"])
        c = evidence_ceiling(entries, truth[truth["client_id"].isin(ids)], mornings)
        rows = format_ceiling(c).splitlines()
        if not lines:
            lines = ["| band " + rows[0], "|---" + rows[1]]
        lines += [f"| {band} " + r for r in rows[2:]]
    return "\n".join(lines)


def evaluate_office(
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    truth: pd.DataFrame,
    mornings: Sequence[date],
    extra: dict[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row of metrics per method (the engine first, then the baselines)."""
    sup = clients.set_index("client_id")["supporter_id"] if "supporter_id" in clients else None
    methods = {ENGINE_NAME: engine_method(entries, clients, mornings)}
    methods.update(extra or {})
    methods.update(baseline_methods(entries, clients, mornings))
    rows = {name: score_method(c, truth, clients, mornings, sup) for name, c in methods.items()}
    return pd.DataFrame(rows).T


def format_table(table: pd.DataFrame) -> str:
    """Markdown table of the main metrics."""
    cols = [
        ("before_peak", "flagged before peak", "{:.1%}"),
        ("before_peak_alarm", "… by a new alarm", "{:.1%}"),
        ("before_peak_slow", "slow", "{:.1%}"),
        ("before_peak_sudden", "sudden", "{:.1%}"),
        ("median_delay", "median delay (days)", "{:.1f}"),
        ("dropout_3d", "dropouts ≤3 exp. days", "{:.1%}"),
        ("dropout_median_exp_days", "dropout median exp. days", "{:.1f}"),
        ("dropout_3_missed_answers", "dropouts ≤3 missed usual answers", "{:.1%}"),
        ("false_per_client_month", "false alerts / client-month", "{:.2f}"),
        ("top3_precision", "top-3 precision", "{:.1%}"),
        ("top1_precision", "top-1 precision", "{:.1%}"),
    ]
    banded = isinstance(table.index, pd.MultiIndex)
    if banded:  # (band, method) rows: the band's clients, events and dropouts first
        cols = [
            ("clients", "clients", "{:.0f}"),
            ("answer_rate", "mean answer rate", "{:.0%}"),
            ("deteriorations", "deteriorations", "{:.0f}"),
            ("dropouts", "dropouts", "{:.0f}"),
            *cols,
        ]
    first = "| band | method | " if banded else "| method | "
    head = first + " | ".join(c[1] for c in cols) + " |"
    sep = ("|---|---|" if banded else "|---|") + "---|" * len(cols)
    lines = [head, sep]
    for name, row in table.iterrows():
        cells = []
        for key, _, fmt in cols:
            v = row.get(key, np.nan)
            cells.append("n/a" if pd.isna(v) else fmt.format(v))
        label = " | ".join(str(x) for x in cast(tuple[Any, ...], name)) if banded else str(name)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pool(
    parts: Sequence[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Several (entries, clients, truth) as one office set with distinct client/supporter ids."""
    es, cs, ts = [], [], []
    offset, sup_offset = 0, 0
    for entries, clients, truth in parts:
        es.append(entries.assign(client_id=entries["client_id"] + offset))
        c = clients.assign(client_id=clients["client_id"] + offset)
        if "supporter_id" in c:
            c["supporter_id"] = c["supporter_id"] + sup_offset
            sup_offset = int(c["supporter_id"].max())
        cs.append(c)
        ts.append(truth.assign(client_id=truth["client_id"] + offset))
        offset = int(c["client_id"].max())
    return (
        pd.concat(es, ignore_index=True),
        pd.concat(cs, ignore_index=True),
        pd.concat(ts, ignore_index=True),
    )


def outcomes_from_truth(truth: pd.DataFrame) -> pd.DataFrame:
    """Outcome labels a supporter would record: sick leave 3 days after a deterioration's
    peak, "quit" a week into a dropout."""
    det = truth[truth["kind"] != "dropout"]
    drop = truth[truth["kind"] == "dropout"]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "client_id": det["client_id"],
                    "date": det["peak"] + pd.Timedelta(days=3),
                    "kind": "sick_leave",
                }
            ),
            pd.DataFrame(
                {
                    "client_id": drop["client_id"],
                    "date": drop["onset"] + pd.Timedelta(days=7),
                    "kind": "quit",
                }
            ),
        ],
        ignore_index=True,
    )


def ranked_method(
    train: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    mornings: Sequence[date],
    train_mornings: Sequence[date],
) -> tuple[pd.DataFrame, str, dict[str, float]]:
    """Candidates re-ranked by a ranker trained on other offices' outcomes."""
    from checkin.signals.flags import candidates_for_mornings
    from checkin.signals.ranker import build_labels, train_ranker

    te, tc, tt = train
    det_tr = detect(te, tc, train_mornings)
    cand_tr = decide(det_tr)
    cand_tr = cand_tr[cand_tr["kind"].isin(["trend", "missing"])]
    # what supporters would record: outcomes, and each shown flag marked useful or not
    feedback = pd.DataFrame(
        {
            "client_id": cand_tr["client_id"].to_numpy(),
            "date": pd.to_datetime(cand_tr["morning"]).to_numpy(),
            "useful": _is_true(cand_tr, tt),
        }
    )
    labels = build_labels(det_tr, outcomes_from_truth(tt), feedback)
    ranker = train_ranker(det_tr, labels)
    _, cand = candidates_for_mornings(entries, clients, mornings, ranker)
    return cand, ranker.version, ranker.metrics
