"""Backtest: replay every morning of a period with the morning job's own code.

Each morning sees only the entries dated before it (``compute_mornings`` computes all
mornings in one vectorised pass, which a test proves equal to ``compute_flags`` called
morning by morning), then the cooldown step (:mod:`checkin.signals.cooldown`) decides
which candidates are alarms. FLAGS.csv holds the alarms: new flags and flags that became
more severe, on the morning they would be shown.

File formats (UTF-8 CSV with a header line):

- ENTRIES.csv: ``client_id,date,mood,fatigue,sleep_hours,sleep_quality,wants_contact,note``;
  one row per answered day; an empty cell is an item not answered.
- CLIENTS.csv: ``client_id,supporter_id,stage,active_from,active_to,workdays`` and an
  optional ``answerable_from`` (the first day the client could answer: card or LINE);
  empty cells mean: no supporter, stage ``adjustment``, open-ended, workdays ``01234``,
  answerable as soon as active. Ids (client and supporter) are any text, e.g. ``A-012``;
  FLAGS.csv gives the client ids back as written.
- FLAGS.csv: ``client_id,date,score,severity,reasons`` (reasons joined by `` / ``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from checkin.signals.cooldown import cooldown_frame
from checkin.signals.engine import normalize_clients
from checkin.signals.flags import candidates_for_mornings, order, to_candidates
from checkin.signals.params import STAGES
from checkin.signals.types import ENTRY_COLUMNS

if TYPE_CHECKING:
    from checkin.signals.ranker import Ranker

CLIENT_FILE_COLUMNS = ["client_id", "supporter_id", "stage", "active_from", "active_to", "workdays"]
FLAG_FILE_COLUMNS = ["client_id", "date", "score", "severity", "reasons"]
TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f", ""}
MORNINGS_PER_PASS = 64  # bounds memory for big offices; mornings are independent


class InputError(ValueError):
    """A bad input file: the message names the file, the line and the column."""


@dataclass(frozen=True)
class _Table:
    path: Path
    frame: pd.DataFrame  # all cells as str, plus "_line"


def _read(path: Path, required: Sequence[str]) -> _Table:
    name = path.name
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{name}: cannot open the file ({exc.strerror})") from exc
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{name}, line 1: the file is empty (no header line)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{name}, line 1: unreadable header ({exc})") from None
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                f"{name}, line 1: missing column(s) {', '.join(repr(c) for c in missing)}"
                f" (expected: {','.join(required)})"
            )
        rows: list[list[str]] = []
        lines: list[int] = []
        start = 2
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                if len(row) != len(header):
                    raise InputError(
                        f"{name}, line {start}: {len(row)} cells, the header has {len(header)}"
                    )
                rows.append([cell.strip() for cell in row])
                lines.append(start)
                start = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{name}, line {start}: unreadable row ({exc})") from None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    if len(frame) == 0:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    frame["_line"] = np.asarray(lines, dtype=np.int64)
    return _Table(path, frame)


def _fail(table: _Table, bad: pd.Series, column: str, problem: str) -> None:
    """Raise for the first row where ``bad`` is true."""
    if not bad.any():
        return
    i = int(np.flatnonzero(bad.to_numpy())[0])
    value = table.frame[column].iloc[i]
    line = int(table.frame["_line"].iloc[i])
    n = int(bad.sum())
    raise InputError(
        f"{table.path.name}, line {line}, column {column!r}: {value!r} {problem}"
        f" ({n} bad row{'' if n == 1 else 's'} in this column)"
    )


def _int_col(table: _Table, col: str, lo: float, hi: float, required: bool) -> pd.Series:
    raw = table.frame[col]
    empty = raw == ""
    if required:
        _fail(table, empty, col, "is empty: a value is required")
    num = pd.to_numeric(raw.where(~empty), errors="coerce")
    _fail(table, ~empty & num.isna(), col, "is not a number")
    _fail(table, ~empty & (num != np.round(num)), col, "is not a whole number")
    _fail(table, ~empty & ((num < lo) | (num > hi)), col, f"is out of range ({lo:g}-{hi:g})")
    return num


def _date_col(table: _Table, col: str, required: bool) -> pd.Series:
    raw = table.frame[col]
    empty = raw == ""
    if required:
        _fail(table, empty, col, "is empty: a date is required")
    parsed = pd.to_datetime(raw.where(~empty), format="%Y-%m-%d", errors="coerce")
    _fail(table, ~empty & parsed.isna(), col, "is not a date (expected YYYY-MM-DD)")
    return parsed.astype("datetime64[ns]")


def _id_col(table: _Table, col: str, required: bool) -> pd.Series:
    """An id as the office wrote it (``A-012``, ``17``): any text, kept as text."""
    raw = table.frame[col].astype(str)
    if required:
        _fail(table, raw == "", col, "is empty: a value is required")
    return raw.where(raw != "", None)


def read_entries_csv(
    path: str | Path, *, with_lines: bool = False, text_ids: bool = False
) -> pd.DataFrame:
    """Entries frame (see :mod:`checkin.signals.types`) from ENTRIES.csv, validated.

    ``with_lines`` adds a ``line`` column (the row's line in the file) for callers that
    check more rules and must name the line, such as the history import. ``text_ids``
    keeps client ids as the text in the file (the backtest); else they must be numbers."""
    t = _read(Path(path), ENTRY_COLUMNS)
    cid = (
        _id_col(t, "client_id", True)
        if text_ids
        else _int_col(t, "client_id", 0, 2**62, True).astype("int64")
    )
    out = pd.DataFrame(
        {
            "client_id": cid,
            "date": _date_col(t, "date", True),
            "mood": _int_col(t, "mood", 1, 5, False),
            "fatigue": _int_col(t, "fatigue", 1, 5, False),
            "sleep_hours": pd.Series(np.nan, index=t.frame.index),
            "sleep_quality": _int_col(t, "sleep_quality", 1, 5, False),
        }
    )
    raw = t.frame["sleep_hours"]
    empty = raw == ""
    sh = pd.to_numeric(raw.where(~empty), errors="coerce")
    _fail(t, ~empty & sh.isna(), "sleep_hours", "is not a number")
    _fail(t, ~empty & ((sh < 0) | (sh > 24)), "sleep_hours", "is out of range (0-24 hours)")
    out["sleep_hours"] = sh
    wc = t.frame["wants_contact"].str.lower()
    _fail(t, ~wc.isin(TRUE_WORDS | FALSE_WORDS), "wants_contact", "is not true/false")
    out["wants_contact"] = wc.isin(TRUE_WORDS)
    out["note"] = t.frame["note"].where(t.frame["note"] != "", None)
    dup = out.duplicated(["client_id", "date"], keep="first")
    _fail(t, dup, "date", "is a second entry for the same client and date")
    if with_lines:
        out["line"] = t.frame["_line"].to_numpy()
    return out


def read_clients_csv(path: str | Path, *, text_ids: bool = False) -> pd.DataFrame:
    """Clients frame (+ supporter_id) from CLIENTS.csv, validated. ``text_ids`` keeps client
    and supporter ids as the text in the file; else they must be numbers. The optional
    column ``answerable_from`` (YYYY-MM-DD, empty: as soon as active) is the first day the
    client could answer (card or LINE): no day before it is an expected day."""
    t = _read(Path(path), CLIENT_FILE_COLUMNS)
    f = t.frame
    if text_ids:
        cid = _id_col(t, "client_id", True)
        sup = _id_col(t, "supporter_id", False)
    else:
        cid = _int_col(t, "client_id", 0, 2**62, True).astype("int64")
        sup = _int_col(t, "supporter_id", 0, 2**62, False)
    _fail(t, cid.duplicated(), "client_id", "appears twice")
    stage = f["stage"].str.lower()
    _fail(t, ~stage.isin([*STAGES, ""]), "stage", f"is not one of {', '.join(STAGES)}")
    wd = f["workdays"]
    bad_wd = ~wd.str.fullmatch(r"[0-6]{0,7}") | wd.apply(lambda s: len(set(s)) != len(s))
    _fail(t, bad_wd, "workdays", "is not weekday digits (Monday=0, e.g. 01234)")
    af = _date_col(t, "active_from", False)
    at = _date_col(t, "active_to", False)
    _fail(t, af.notna() & at.notna() & (at < af), "active_to", "is before active_from")
    answerable = (
        _date_col(t, "answerable_from", False)
        if "answerable_from" in f
        else pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
    )
    return pd.DataFrame(
        {
            "client_id": cid,
            "supporter_id": sup,
            "stage": stage.where(stage != "", "adjustment"),
            "workdays": wd.where(wd != "", "01234"),
            "active_from": af,
            "active_to": at,
            "answerable_from": answerable,
        }
    )


def replay(
    entries: pd.DataFrame,
    clients: pd.DataFrame | None,
    start: date,
    end: date,
    ranker: Ranker | None = None,
) -> pd.DataFrame:
    """Alarms of every morning from ``start`` to ``end`` (inclusive), after the cooldown.

    Columns: client_id, date, kind, severity, score, reasons (joined text), status.
    Client ids may be any text (``A-012``): the engine works on codes, the result carries
    the ids as given.
    """
    mornings = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    clients = normalize_clients(clients, entries)
    entries, clients, keys = _encode_ids(entries, clients)
    dets: list[pd.DataFrame] = []
    cands: list[pd.DataFrame] = []
    for i in range(0, len(mornings), MORNINGS_PER_PASS):
        det, cand = candidates_for_mornings(
            entries, clients, mornings[i : i + MORNINGS_PER_PASS], ranker
        )
        cands.append(cand.assign(chunk=len(dets)))
        dets.append(det)
    columns = ["client_id", "date", "kind", "severity", "score", "reasons", "status"]
    all_c = pd.concat(cands, ignore_index=True) if cands else pd.DataFrame()
    if len(all_c) == 0:
        return pd.DataFrame({c: [] for c in columns})
    all_c["morning"] = pd.to_datetime(all_c["morning"])
    cf = cooldown_frame(all_c)
    alarms = cf[cf["status"] != "ongoing"]
    rows = []
    for chunk, part in alarms.groupby("chunk", sort=True):
        ordered = order(part)
        flags = to_candidates(dets[int(str(chunk))], ordered)  # keeps this order
        for fc, m, st in zip(flags, ordered["morning"], ordered["status"], strict=True):
            text = " / ".join(r.text for r in fc.reasons)
            rows.append((fc.client_id, m.date(), fc.kind, fc.severity, fc.score, text, st))
    out = pd.DataFrame(rows, columns=columns)
    if keys is not None:
        out["client_id"] = keys[out["client_id"].to_numpy()]
    return order(out.rename(columns={"date": "morning"})).rename(columns={"morning": "date"})


def _encode_ids(
    entries: pd.DataFrame, clients: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
    """Text client ids as integer codes for the engine, and the ids by code (None when the
    ids are integers already)."""
    if all(pd.api.types.is_integer_dtype(f["client_id"]) for f in (entries, clients)):
        return entries, clients, None
    keys = pd.Index(pd.unique(pd.concat([clients["client_id"], entries["client_id"]]).astype(str)))
    entries = entries.assign(client_id=keys.get_indexer(entries["client_id"].astype(str)))
    clients = clients.assign(client_id=keys.get_indexer(clients["client_id"].astype(str)))
    return entries, clients, keys.to_numpy(dtype=object)


def write_flags_csv(flags: pd.DataFrame, path: str | Path) -> None:
    out = flags.copy()
    out["date"] = [str(d) for d in out["date"]]
    out["score"] = out["score"].round(1)
    out[FLAG_FILE_COLUMNS].to_csv(path, index=False)
