"""The rule engine: robust per-client baselines, an accumulating detector, habit-aware
missed-entry detection and hard triggers, computed for many clients and mornings at once.

Everything is array arithmetic on a dense client x day grid (no Python loop per client or
per morning). Morning ``m`` only ever sees the ``LOOKBACK_DAYS`` days before it, so the
flags of a morning do not depend on how much older history the caller loads, and
:func:`detect` gives the same answer for one morning as for a whole year of mornings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from checkin.signals.params import (
    BAD_DAY_Z,
    DAY_CAP_FACTOR,
    DEFAULT_STAGE,
    DROP_DAYS,
    DROP_ITEM_Z,
    EWMA_DECAY,
    LAST_ANSWERS,
    LOOKBACK_DAYS,
    MISS_PRIOR,
    PRIOR_ENTRIES,
    RECENT_DAYS,
    SCALE_FLOOR,
    STAGE_PARAMS,
    STREAK_ITEMS,
    STREAK_Z,
    WEEKDAY_PRIOR,
    WEIGHTS,
    Z_CLIP,
)
from checkin.signals.rules import CRISIS_PATTERN

ITEMS = ("mood", "fatigue", "sleep_quality", "sleep_hours")
# +1: a higher value is worse (fatigue); -1: a lower value is worse.
DIRECTION = {"mood": -1.0, "fatigue": 1.0, "sleep_quality": -1.0, "sleep_hours": -1.0}
DEFAULT_USUAL = {"mood": 3.5, "fatigue": 2.5, "sleep_quality": 3.5, "sleep_hours": 6.5}
DEFAULT_SPREAD = {"mood": 0.7, "fatigue": 0.7, "sleep_quality": 0.7, "sleep_hours": 0.75}
DEFAULT_ANSWER_RATE = 0.7
CELLS_PER_PASS = 4_000_000  # client-morning-days per vectorised pass (a few hundred MiB)


def normalize_clients(clients: pd.DataFrame | None, entries: pd.DataFrame) -> pd.DataFrame:
    """Clients frame with every expected column; derived from the entries when absent."""
    if clients is None or len(clients) == 0:
        ids = pd.unique(entries["client_id"])
        clients = pd.DataFrame({"client_id": ids})
    c = clients.drop_duplicates("client_id", keep="last").reset_index(drop=True).copy()
    if "stage" not in c:
        c["stage"] = DEFAULT_STAGE
    c["stage"] = c["stage"].astype(object).where(c["stage"].isin(list(STAGE_PARAMS)), DEFAULT_STAGE)
    if "workdays" not in c:
        c["workdays"] = "01234"
    c["workdays"] = c["workdays"].astype(object).where(c["workdays"].notna(), "01234").astype(str)
    for col in ("active_from", "active_to", "answerable_from"):
        if col not in c:
            c[col] = pd.NaT
        c[col] = pd.to_datetime(c[col])
    if "office_id" not in c:
        c["office_id"] = 0  # one office: office-wide values over every client given
    return c


def _office_codes(clients: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Each client's office as 0..G-1, so that several offices can share one pass while
    every office-wide value (fallback usual, weekday effect, answer rate) stays per office."""
    codes, uniques = pd.factorize(clients["office_id"])
    return codes.astype(np.intp), max(len(uniques), 1)


def _group_nanmedian(
    values: np.ndarray, codes: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per office (rows of the result), the median over its clients of ``values``
    (clients, mornings), ignoring NaN, and the count of values; returned per client."""
    if n_groups == 1:
        med, n = _nanmedian(values.T)
        return np.broadcast_to(med, values.shape), np.broadcast_to(n, values.shape)
    frame = pd.DataFrame(values)
    grouped = frame.groupby(codes)
    med = grouped.median().reindex(range(n_groups)).to_numpy(dtype=np.float64)
    n = grouped.count().reindex(range(n_groups), fill_value=0).to_numpy()
    return med[codes], n[codes]


def _group_sum(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per client, the sum of ``values`` (clients, mornings) over the clients of its office."""
    if n_groups == 1:
        return np.broadcast_to(values.sum(0), values.shape)
    total = np.zeros((n_groups, *values.shape[1:]), dtype=np.float64)
    np.add.at(total, codes, values)
    return total[codes]


def _nanmedian(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median over the last axis ignoring NaN, and the count of values (no warnings)."""
    n = np.sum(~np.isnan(x), axis=-1)
    s = np.sort(x, axis=-1)  # NaN sort last
    lo = np.maximum((n - 1) // 2, 0)[..., None]
    hi = np.maximum(n // 2, 0)[..., None]
    med = (np.take_along_axis(s, lo, -1)[..., 0] + np.take_along_axis(s, hi, -1)[..., 0]) / 2
    return np.where(n > 0, med, np.nan), n


def robust_usual(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(location, spread, count) over the last axis, ignoring NaN.

    Location: the interquartile mean (mean of the middle half), which is as robust as the
    median to a few extreme days but does not jump between 2 and 3 on 1-5 answers.
    Spread: 1.2533 x the mean absolute deviation from the median (equals the standard
    deviation for normal data; the MAD itself is 0 or 1 on 1-5 answers).
    """
    n = np.sum(~np.isnan(x), axis=-1)
    s = np.sort(x, axis=-1).astype(np.float64)
    cs = np.concatenate([np.zeros((*s.shape[:-1], 1)), np.cumsum(np.nan_to_num(s), -1)], -1)
    lo = (n // 4)[..., None]
    hi = (n - n // 4)[..., None]
    part = np.take_along_axis(cs, hi, -1)[..., 0] - np.take_along_axis(cs, lo, -1)[..., 0]
    loc = np.where(n > 0, part / np.maximum(hi - lo, 1)[..., 0], np.nan)
    med, _ = _nanmedian(x)
    dev = np.abs(x - med[..., None])
    spread = np.where(n > 0, 1.2533 * np.nansum(dev, -1) / np.maximum(n, 1), np.nan)
    return loc, spread, n


def _rev_cum_at(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over the last ``idx + 1`` positions of the last axis."""
    cs = np.cumsum(values[..., ::-1], axis=-1)
    return np.take_along_axis(cs, idx[..., None], -1)[..., 0]


class Grid:
    """Entries on a dense client x day grid covering every morning's look-back window."""

    def __init__(
        self, entries: pd.DataFrame, clients: pd.DataFrame, mornings: Sequence[date]
    ) -> None:
        self.clients = clients
        self.mornings = pd.DatetimeIndex(sorted({pd.Timestamp(m).normalize() for m in mornings}))
        self.day0 = self.mornings[0] - pd.Timedelta(days=LOOKBACK_DAYS)
        last = self.mornings[-1]
        self.n_days = int((last - self.day0).days)
        self.morning_col = np.asarray((self.mornings - self.day0).days, dtype=np.int64)
        n = len(clients)
        # Select with numpy masks, column by column: copying the whole frame (notes and
        # all) is the slowest part for 100,000 clients.
        dates = entries["date"].to_numpy()
        in_range = (dates >= self.day0.to_datetime64()) & (dates < last.to_datetime64())
        rows_all = pd.Index(clients["client_id"]).get_indexer(entries["client_id"].to_numpy())
        sel = np.flatnonzero(in_range & (rows_all >= 0))
        rows = rows_all[sel]
        cols = ((dates[sel] - self.day0.to_datetime64()) // np.timedelta64(1, "D")).astype(np.int64)
        shape = (n, self.n_days)
        self.answered = np.zeros(shape, dtype=bool)
        self.answered[rows, cols] = True
        self.values: dict[str, np.ndarray] = {}
        for item in ITEMS:
            arr = np.full(shape, np.nan, dtype=np.float32)
            if item in entries:
                col = entries[item].to_numpy()[sel]
                if col.dtype.kind not in "fiub":
                    col = pd.to_numeric(pd.Series(col), errors="coerce").to_numpy()
                arr[rows, cols] = col.astype(np.float64)
            self.values[item] = arr
        self.contact = np.zeros(shape, dtype=bool)
        if "wants_contact" in entries:
            wc = entries["wants_contact"].to_numpy()[sel]
            wc = pd.Series(wc).fillna(False).astype(bool).to_numpy()
            self.contact[rows, cols] = wc
        # Crisis words only matter on the day before a morning: scan just those notes.
        self.crisis = np.zeros(shape, dtype=bool)
        if "note" in entries:
            yest = np.isin(cols, self.morning_col - 1)
            notes = entries["note"].to_numpy()[sel[yest]]
            if len(notes):
                hit = (
                    pd.Series(notes, dtype=object)
                    .fillna("")
                    .astype(str)
                    .str.contains(CRISIS_PATTERN, regex=True)
                    .to_numpy(dtype=bool)
                )
                self.crisis[rows[yest][hit], cols[yest][hit]] = True

    def windows(self, arr: np.ndarray) -> np.ndarray:
        """(clients, mornings, LOOKBACK_DAYS) view: the days before each morning."""
        return sliding_window_view(arr, LOOKBACK_DAYS, axis=1)[:, self.morning_col - LOOKBACK_DAYS]


def _weekday_offsets(
    dev: np.ndarray, wk: np.ndarray, codes: np.ndarray, n_groups: int
) -> np.ndarray:
    """(clients, mornings, 7): the office-wide mean deviation from the usual by weekday
    (of each client's office), shrunk to 0 when a weekday has few answers. ``dev``:
    (clients, mornings, days), ``wk``: (mornings, days)."""
    ok = ~np.isnan(dev)
    d0 = np.where(ok, dev, 0.0)
    out = np.zeros((dev.shape[0], dev.shape[1], 7))
    for w in range(7):
        mask = (wk == w)[None, :, :]
        total = _group_sum((d0 * mask).sum(axis=2), codes, n_groups)
        count = _group_sum((ok & mask).sum(axis=2).astype(np.float64), codes, n_groups)
        out[:, :, w] = total / (count + WEEKDAY_PRIOR)
    return out


def _stage_array(clients: pd.DataFrame, attr: str) -> np.ndarray:
    table = {s: getattr(p, attr) for s, p in STAGE_PARAMS.items()}
    return clients["stage"].map(table).to_numpy(dtype=np.float64)


def _expected_days(grid: Grid, closed_days: pd.DataFrame | None = None) -> np.ndarray:
    """Days each client is expected to answer: a workday within the active period, and not
    a day their office is closed (``closed_days``: ``office_id, date`` rows; without an
    ``office_id`` column a day is closed for every client)."""
    c = grid.clients
    codes, uniques = pd.factorize(c["workdays"])
    table = np.array([[str(d) in str(u) for d in range(7)] for u in uniques], dtype=bool)
    wd = table[codes] if len(uniques) else np.zeros((len(c), 7), dtype=bool)
    days = grid.day0 + pd.to_timedelta(np.arange(grid.n_days), unit="D")
    exp = wd[:, np.asarray(days.day_of_week)]
    day_vals = days.to_numpy()
    af = c["active_from"].to_numpy()
    at = c["active_to"].to_numpy()
    exp &= ~(day_vals[None, :] < af[:, None])  # NaT compares False: open-ended
    exp &= ~(day_vals[None, :] > at[:, None])
    if closed_days is not None and len(closed_days):
        exp &= ~_closed_mask(c, closed_days, days)
    # No expected day before the client could answer (first card or LINE link, or first
    # answer); NaT: as soon as active.
    exp &= ~(day_vals[None, :] < c["answerable_from"].to_numpy()[:, None])
    return exp


def _closed_mask(
    clients: pd.DataFrame, closed_days: pd.DataFrame, days: pd.DatetimeIndex
) -> np.ndarray:
    """(clients, days): True where the client's office is closed that day."""
    col = days.get_indexer(pd.DatetimeIndex(pd.to_datetime(closed_days["date"])).normalize())
    offices = pd.Index(pd.unique(clients["office_id"]))
    if "office_id" in closed_days:
        grp = offices.get_indexer(pd.Index(closed_days["office_id"]))
    else:
        grp = np.zeros(len(closed_days), dtype=np.intp)
        offices = pd.Index([0])
    ok = (col >= 0) & (grp >= 0)
    table = np.zeros((max(len(offices), 1), len(days)), dtype=bool)
    table[grp[ok], col[ok]] = True
    if "office_id" not in closed_days:
        return np.broadcast_to(table[0], (len(clients), len(days)))
    return table[offices.get_indexer(pd.Index(clients["office_id"]))]


def detect(
    entries: pd.DataFrame,
    clients: pd.DataFrame | None,
    mornings: Iterable[date],
    closed_days: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-client, per-morning detector state for every active client.

    One row per (client, morning) where the client is active that morning; the columns
    are the numbers behind every rule (and the features of the learned ranking).
    ``closed_days`` (``office_id, date``): days the office is closed, never expected days.
    """
    days = sorted({pd.Timestamp(m).normalize() for m in mornings})
    clients = normalize_clients(clients, entries)
    if not days or len(clients) == 0:
        return pd.DataFrame()
    # Bound memory: the window arrays are clients x mornings x 56 days.
    per_pass = max(1, CELLS_PER_PASS // (len(clients) * LOOKBACK_DAYS))
    if len(days) > per_pass:
        parts = [
            _detect(entries, clients, days[i : i + per_pass], closed_days)
            for i in range(0, len(days), per_pass)
        ]
        return pd.concat(parts, ignore_index=True)
    return _detect(entries, clients, days, closed_days)


def _usual(
    item: str, base: np.ndarray, codes: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(usual, spread, own count) per client and morning of one item from the base window
    (clients, mornings, days): the client's robust usual, shrunk towards the office's while
    the client has few entries (the office median over clients with enough of their own)."""
    med_c, spread_c, n_c = robust_usual(base)
    trusted = n_c >= PRIOR_ENTRIES
    office_med, n_off = _group_nanmedian(np.where(trusted, med_c, np.nan), codes, n_groups)
    office_spread, _ = _group_nanmedian(np.where(trusted, spread_c, np.nan), codes, n_groups)
    office_med = np.where(n_off > 0, office_med, DEFAULT_USUAL[item])
    office_spread = np.where(n_off > 0, office_spread, DEFAULT_SPREAD[item])
    w = n_c / (n_c + PRIOR_ENTRIES)
    usual = np.where(n_c > 0, w * np.nan_to_num(med_c) + (1 - w) * office_med, office_med)
    spread = np.where(n_c > 0, w * np.nan_to_num(spread_c) + (1 - w) * office_spread, office_spread)
    return usual, np.maximum(spread, SCALE_FLOOR[item]), n_c


def usual_on(entries: pd.DataFrame, clients: pd.DataFrame | None, morning: date) -> pd.DataFrame:
    """Each client's usual and spread per item as :func:`detect` sees them on ``morning``.

    One row per client and item (``client_id, item, usual, spread, n``): the same numbers
    the flags of that morning were judged against (``n``: the client's own entries in the
    base window). Office-wide fallbacks come from the clients given, so pass the office's
    active clients' entries of the 8 weeks before ``morning``, as the morning job does.
    """
    # Only who the clients are and their office matter here (not stage, workdays...).
    if clients is None or len(clients) == 0:
        clients = pd.DataFrame({"client_id": pd.unique(entries["client_id"])})
    clients = clients.drop_duplicates("client_id", keep="last").reset_index(drop=True)
    if "office_id" not in clients:
        clients = clients.assign(office_id=0)
    grid = Grid(entries, clients, [morning])
    codes, n_groups = _office_codes(clients)
    L, R = LOOKBACK_DAYS, RECENT_DAYS
    cols: dict[str, list[np.ndarray]] = {"usual": [], "spread": [], "n": []}
    for item in ITEMS:
        base = grid.windows(grid.values[item])[..., : L - R]
        usual, spread, n_c = _usual(item, base, codes, n_groups)
        cols["usual"].append(usual[:, 0])
        cols["spread"].append(spread[:, 0])
        cols["n"].append(n_c[:, 0])
    ids = clients["client_id"].to_numpy()
    return pd.DataFrame(
        {
            "client_id": np.tile(ids, len(ITEMS)),
            "item": np.repeat(np.array(ITEMS, dtype=object), len(ids)),
            **{k: np.concatenate(v) for k, v in cols.items()},
        }
    )


def _detect(
    entries: pd.DataFrame,
    clients: pd.DataFrame,
    mornings: Sequence[date],
    closed_days: pd.DataFrame | None = None,
) -> pd.DataFrame:
    grid = Grid(entries, clients, mornings)
    n, m = len(clients), len(grid.mornings)
    codes, n_groups = _office_codes(clients)
    L, R = LOOKBACK_DAYS, RECENT_DAYS
    out: dict[str, np.ndarray] = {}

    # --- robust usual per item over the 6 weeks before the recent 2 ---
    z_sum = np.zeros((n, m, R), dtype=np.float64)
    w_sum = np.zeros((n, m, R), dtype=np.float64)
    recent_vals: dict[str, np.ndarray] = {}
    recent_z: dict[str, np.ndarray] = {}  # per item, signed so that positive is worse
    # weekday (Monday=0) of each window position, per morning: (mornings, L)
    wk = (grid.day0.day_of_week + grid.morning_col[:, None] - L + np.arange(L)[None, :]) % 7
    for item in ITEMS:
        win = grid.windows(grid.values[item])
        base, recent = win[..., : L - R], win[..., L - R :]
        usual, spread, n_c = _usual(item, base, codes, n_groups)
        # office-wide weekday effect (heavier Mondays...), so a usual Monday dip is not news
        offset = _weekday_offsets(base - usual[..., None], wk[:, : L - R], codes, n_groups)
        recent_wk = np.broadcast_to(wk[None, :, L - R :], (n, m, R))
        recent_adj = recent - np.take_along_axis(offset, recent_wk, axis=2)
        z = DIRECTION[item] * (recent_adj - usual[..., None]) / spread[..., None]
        z = np.clip(z, *Z_CLIP)
        ok = ~np.isnan(z)
        z_sum += WEIGHTS[item] * np.where(ok, z, 0.0)
        w_sum += WEIGHTS[item] * ok
        out[f"{item}_usual"] = usual
        out[f"{item}_spread"] = spread
        out[f"{item}_n_usual"] = n_c
        recent_vals[item] = recent
        recent_z[item] = z
    answered_r = grid.windows(grid.answered)[..., L - R :] & (w_sum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        comp = np.where(answered_r, z_sum / np.where(w_sum > 0, w_sum, 1.0), np.nan)

    # --- accumulating detector: one-sided CUSUM over the last 2 weeks (missing days add 0)
    k = _stage_array(clients, "k")[:, None, None]
    cap = DAY_CAP_FACTOR * _stage_array(clients, "h")[:, None, None]
    x = np.where(answered_r, np.minimum(comp - k, cap), 0.0)
    cs = np.cumsum(x[..., ::-1], axis=-1)
    run_idx = np.argmax(cs, axis=-1)  # the run of days (ending yesterday) adding up most
    cusum = np.maximum(np.take_along_axis(cs, run_idx[..., None], -1)[..., 0], 0.0)
    # The same without the per-day cap: how bad the run really is (scores and severity of
    # a raised flag, never the decision to raise it).
    raw = np.cumsum(np.where(answered_r, comp - k, 0.0)[..., ::-1], axis=-1)
    out["cusum_raw"] = np.maximum(raw.max(axis=-1), 0.0)
    out["cusum"] = cusum
    out["run_days"] = np.where(cusum > 0, run_idx + 1, 0)
    worst = np.maximum.accumulate(np.where(answered_r, x, -np.inf)[..., ::-1], axis=-1)
    worst = np.take_along_axis(worst, run_idx[..., None], -1)[..., 0]
    out["cusum_without_worst"] = np.where(cusum > 0, cusum - np.maximum(worst, 0.0), 0.0)
    in_run_ans = answered_r.astype(np.float64)
    out["run_answers"] = _rev_cum_at(in_run_ans, run_idx)
    bad = answered_r & (comp > BAD_DAY_Z)
    out["run_bad_days"] = np.where(cusum > 0, _rev_cum_at(bad.astype(np.float64), run_idx), 0)
    for item in ITEMS:
        v = recent_vals[item]
        ok = ~np.isnan(v) & answered_r
        s = _rev_cum_at(np.where(ok, v, 0.0), run_idx)
        c = _rev_cum_at(ok.astype(np.float64), run_idx)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{item}_run_mean"] = np.where(c > 0, s / np.where(c > 0, c, 1), np.nan)
        worse = ok & (DIRECTION[item] * (v - out[f"{item}_usual"][..., None]) > 0)
        out[f"{item}_run_worse_days"] = _rev_cum_at(worse.astype(np.float64), run_idx)

    # --- EWMA of the composite over answered days, and the 2-week trend (OLS slope)
    ans_rev = answered_r[..., ::-1]
    rank = np.cumsum(ans_rev, axis=-1) - 1
    wts = np.where(ans_rev, EWMA_DECAY ** np.maximum(rank, 0), 0.0)
    comp_rev = np.nan_to_num(comp[..., ::-1])
    wsum = wts.sum(-1)
    out["ewma"] = np.where(wsum > 0, (wts * comp_rev).sum(-1) / np.where(wsum > 0, wsum, 1), 0.0)
    t = np.arange(R, dtype=np.float64)
    cnt = answered_r.sum(-1)
    a = answered_r.astype(np.float64)
    cz = np.nan_to_num(comp)
    st, sz = (a * t).sum(-1), (a * cz).sum(-1)
    stt, stz = (a * t * t).sum(-1), (a * t * cz).sum(-1)
    den = cnt * stt - st * st
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((cnt >= 4) & (den > 0), (cnt * stz - st * sz) / den, 0.0)
    out["slope"] = slope
    out["recent_answers"] = cnt
    out["last_comp"] = _last_valid(comp)
    # the composites of the last LAST_ANSWERS answered days (1 = the latest) and how many
    # days before the morning each was: the shape of the latest answers
    order = rank + 1  # 1 = the latest answer, 2 = the one before ...
    for j in range(1, LAST_ANSWERS + 1):
        at = ans_rev & (order == j)
        has = at.any(-1)
        pos_j = np.argmax(at, axis=-1)
        val = np.take_along_axis(comp_rev, pos_j[..., None], -1)[..., 0]
        out[f"comp_last{j}"] = np.where(has, val, np.nan)
        out[f"age_last{j}"] = np.where(has, pos_j + 1, 99)

    # --- a sharp drop: the last answered days, each clearly worse than usual
    items_bad = np.zeros((n, m, R), dtype=np.float64)
    for item in ITEMS:
        items_bad += np.nan_to_num(recent_z[item]) >= DROP_ITEM_Z
    _sharp_drop(out, answered_r, comp, items_bad)

    # --- one item on its own: a sustained run of answers worse than usual (fatigue, sleep)
    for item in STREAK_ITEMS:
        _item_streak(out, item, recent_z[item], recent_vals[item], answered_r)

    # --- missed entries against the client's own habit
    exp_w = grid.windows(_expected_days(grid, closed_days))
    ans_w = grid.windows(grid.answered)
    any_ans = ans_w.any(-1)
    last_pos = L - 1 - np.argmax(ans_w[..., ::-1], axis=-1)
    last_pos = np.where(any_ans, last_pos, -1)
    pos = np.arange(L)
    after = pos[None, None, :] > last_pos[..., None]
    silent = (exp_w & after).sum(-1)
    before = ~after
    hab_exp = (exp_w & before).sum(-1)
    hab_ans = (exp_w & ans_w & before).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tot_e = _group_sum(hab_exp.astype(np.float64), codes, n_groups)
        tot_a = _group_sum(hab_ans.astype(np.float64), codes, n_groups)
        office_rate = np.where(tot_e > 0, tot_a / np.maximum(tot_e, 1), np.nan)
    office_rate = np.where(np.isnan(office_rate), DEFAULT_ANSWER_RATE, office_rate)
    rate = (hab_ans + MISS_PRIOR * office_rate) / (hab_exp + MISS_PRIOR)
    rate = np.clip(rate, 0.02, 0.98)
    out["silent_days"] = silent
    out["answer_rate"] = rate
    out["habit_expected"] = hab_exp
    out["habit_answered"] = hab_ans
    out["silence_prob"] = (1.0 - rate) ** silent
    out["days_since_entry"] = np.where(any_ans, L - last_pos, L + 1)
    out["last_entry_offset"] = np.where(any_ans, L - last_pos, -1)
    out["entries_in_window"] = ans_w.sum(-1)

    # --- hard triggers: yesterday's answers
    yest = grid.morning_col - 1
    out["wants_contact"] = grid.contact[:, yest]
    out["crisis"] = grid.crisis[:, yest]
    out["yesterday_mood"] = grid.values["mood"][:, yest]

    det = pd.DataFrame({k_: v.reshape(-1) for k_, v in out.items()})
    det.insert(0, "morning", np.tile(grid.mornings.to_numpy(), n))
    det.insert(0, "client_id", np.repeat(clients["client_id"].to_numpy(), m))
    det.insert(2, "stage", np.repeat(clients["stage"].to_numpy(dtype=object), m))
    af = np.repeat(clients["active_from"].to_numpy(), m)
    at = np.repeat(clients["active_to"].to_numpy(), m)
    mo = det["morning"].to_numpy()
    det["answerable_from"] = np.repeat(clients["answerable_from"].to_numpy(), m)
    active = ~(mo < af) & ~(mo > at)
    return det[active].reset_index(drop=True)


def _sharp_drop(
    out: dict[str, np.ndarray], answered_r: np.ndarray, comp: np.ndarray, items_bad: np.ndarray
) -> None:
    """Over the last ``DROP_DAYS`` answered days of the recent window: the least bad
    composite among them (``dropK_comp``, -9 when there are fewer answers), the fewest items
    clearly worse on any of them (``dropK_items``) and how many days before the morning the
    oldest of them was (``dropK_age``, 99 when there are fewer answers)."""
    ans_rev = answered_r[..., ::-1]  # position 0 = yesterday
    rank = np.cumsum(ans_rev, axis=-1) - 1  # 0 = the latest answer, 1 = the one before ...
    last_k = ans_rev & (rank < DROP_DAYS)
    enough = ans_rev.sum(-1) >= DROP_DAYS
    comp_rev = comp[..., ::-1]
    c = np.min(np.where(last_k, np.nan_to_num(comp_rev, nan=np.inf), np.inf), axis=-1)
    it = np.min(np.where(last_k, items_bad[..., ::-1], np.inf), axis=-1)
    oldest = np.argmax(ans_rev & (rank == DROP_DAYS - 1), axis=-1)
    out[f"drop{DROP_DAYS}_comp"] = np.where(enough, c, -9.0)
    out[f"drop{DROP_DAYS}_items"] = np.where(enough, it, 0.0)
    out[f"drop{DROP_DAYS}_age"] = np.where(enough, oldest + 1, 99)


def _item_streak(
    out: dict[str, np.ndarray],
    item: str,
    z: np.ndarray,
    values: np.ndarray,
    answered_r: np.ndarray,
) -> None:
    """The item's most recent answers in a row (skipping days it was not answered) that are
    worse than the client's usual by at least ``STREAK_Z`` spreads: how many, their mean,
    and how many days ago the latest answer of the item was."""
    has = answered_r & ~np.isnan(z)
    bad = has & (z >= STREAK_Z)
    broken_rev = (has & ~bad)[..., ::-1]
    R = z.shape[-1]
    first_break = np.where(broken_rev.any(-1), np.argmax(broken_rev, axis=-1), R)
    in_streak = bad[..., ::-1] & (np.arange(R)[None, None, :] < first_break[..., None])
    count = in_streak.sum(-1)
    total = np.where(in_streak, values[..., ::-1], 0.0).sum(-1)
    has_rev = has[..., ::-1]
    out[f"{item}_streak"] = count
    with np.errstate(invalid="ignore", divide="ignore"):
        out[f"{item}_streak_mean"] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    out[f"{item}_streak_age"] = np.where(has_rev.any(-1), np.argmax(has_rev, axis=-1) + 1, 99)


def _last_valid(a: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(a)
    idx = a.shape[-1] - 1 - np.argmax(ok[..., ::-1], axis=-1)
    val = np.take_along_axis(a, idx[..., None], -1)[..., 0]
    return np.where(ok.any(-1), val, np.nan)
