"""The backtest command: happy path, equality with the morning job, and bad files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from checkin.signals import apply_cooldown, compute_flags
from checkin.signals.backtest import read_clients_csv, read_entries_csv, replay
from checkin.signals.commands import backtest
from checkin.signals.synthetic import generate_office

ENTRIES_HEADER = "client_id,date,mood,fatigue,sleep_hours,sleep_quality,wants_contact,note"
CLIENTS_HEADER = "client_id,supporter_id,stage,active_from,active_to,workdays"


@pytest.fixture
def office_files(tmp_path: Path) -> tuple[Path, Path]:
    o = generate_office(n_clients=30, days=120, seed=21)
    e = o.entries.copy()
    e["date"] = e["date"].dt.strftime("%Y-%m-%d")
    e.loc[e.index[100], "wants_contact"] = True
    e.loc[e.index[200], "note"] = "仕事がつらくて消えたい"
    ep = tmp_path / "entries.csv"
    e.to_csv(ep, index=False)
    c = o.clients.drop(columns="habit")
    for col in ("active_from", "active_to"):
        c[col] = c[col].dt.strftime("%Y-%m-%d")
    cp = tmp_path / "clients.csv"
    c.to_csv(cp, index=False)
    return ep, cp


def test_backtest_happy_path(office_files: tuple[Path, Path], tmp_path: Path) -> None:
    ep, cp = office_files
    out = tmp_path / "flags.csv"
    args = ["--entries", str(ep), "--clients", str(cp), "--out", str(out)]
    res = CliRunner().invoke(backtest, [*args, "--start", "2025-06-01", "--end", "2025-07-31"])
    assert res.exit_code == 0, res.output
    assert "mornings (2025-06-01..2025-07-31)" in res.output
    flags = pd.read_csv(out)
    assert list(flags.columns) == ["client_id", "date", "score", "severity", "reasons"]
    assert len(flags) > 0
    assert flags["date"].between("2025-06-01", "2025-07-31").all()
    assert set(flags["severity"]) <= {"urgent", "high", "watch"}
    assert flags["reasons"].str.len().min() > 5
    # the request for contact on entry row 100 is raised the morning after
    e = pd.read_csv(ep)
    req = e.iloc[100]
    morning = str((pd.Timestamp(req["date"]) + timedelta(days=1)).date())
    if "2025-06-01" <= morning <= "2025-07-31":
        hit = flags[(flags["client_id"] == req["client_id"]) & (flags["date"] == morning)]
        assert (hit["severity"] == "urgent").any()


def test_replay_equals_the_morning_job_with_cooldown(office_files: tuple[Path, Path]) -> None:
    ep, cp = office_files
    entries, clients = read_entries_csv(ep), read_clients_csv(cp)
    start, end = date(2025, 6, 1), date(2025, 6, 30)
    got = replay(entries, clients, start, end)
    state: dict = {}
    expected = []
    day = start
    while day <= end:
        state, events = apply_cooldown(state, compute_flags(entries, clients, day), day)
        for ev in events:
            if ev.is_alarm:
                c = ev.candidate
                expected.append((c.client_id, day, c.kind, c.severity, c.score))
        day += timedelta(days=1)
    rows = list(
        zip(got["client_id"], got["date"], got["kind"], got["severity"], got["score"], strict=True)
    )
    assert len(expected) > 10
    assert sorted(rows) == sorted(expected)


def _run(tmp_path: Path, entries: str, clients: str | None = None):
    ep = tmp_path / "ENTRIES.csv"
    ep.write_text(entries, encoding="utf-8")
    args = ["--entries", str(ep), "--out", str(tmp_path / "f.csv")]
    if clients is not None:
        cp = tmp_path / "CLIENTS.csv"
        cp.write_text(clients, encoding="utf-8")
        args += ["--clients", str(cp)]
    return CliRunner().invoke(backtest, args)


GOOD_ROW = "1,2026-01-05,4,2,7.0,4,false,"


@pytest.mark.parametrize(
    ("entries", "clients", "expected"),
    [
        (
            "client_id,date,mood,sleep_hours,sleep_quality,wants_contact,note\n",
            None,
            ["ENTRIES.csv", "line 1", "'fatigue'"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n1,2026-01-06,4,2,7.0,4,false,\n1,06/01/2026,4,2,7,4,,\n",
            None,
            ["ENTRIES.csv", "line 4", "column 'date'", "06/01/2026"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n1,2026-01-06,7,2,7.0,4,false,\n",
            None,
            ["ENTRIES.csv", "line 3", "column 'mood'", "out of range"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n1,2026-01-06,4,2,25,4,false,\n",
            None,
            ["ENTRIES.csv", "line 3", "column 'sleep_hours'", "out of range"],
        ),
        (
            f'{ENTRIES_HEADER}\n1,2026-01-04,4,2,7.0,4,false,"two\nlines"\n1,2026-01-06,4,x,7,4,,\n',
            None,
            ["ENTRIES.csv", "line 4", "column 'fatigue'", "not a number"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n1,2026-01-06,4,2,7.0,4,maybe,\n",
            None,
            ["ENTRIES.csv", "line 3", "column 'wants_contact'"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n",
            None,
            ["ENTRIES.csv", "line 3", "column 'date'", "same client and date"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n",
            "client_id,stage,workdays\n1,exploration,01234\n",
            ["CLIENTS.csv", "line 1", "'supporter_id'"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n",
            f"{CLIENTS_HEADER}\n1,1,exploration,,,01234\n2,1,sleeping,,,01234\n",
            ["CLIENTS.csv", "line 3", "column 'stage'", "sleeping"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n",
            f"{CLIENTS_HEADER}\n1,1,exploration,2026-13-01,,01234\n",
            ["CLIENTS.csv", "line 2", "column 'active_from'", "not a date"],
        ),
        (
            f"{ENTRIES_HEADER}\n{GOOD_ROW}\n",
            f"{CLIENTS_HEADER}\n1,1,exploration,,,0178\n",
            ["CLIENTS.csv", "line 2", "column 'workdays'"],
        ),
    ],
)
def test_bad_files_name_the_file_line_and_column(
    tmp_path: Path, entries: str, clients: str | None, expected: list[str]
) -> None:
    res = _run(tmp_path, entries, clients)
    assert res.exit_code != 0
    assert isinstance(res.exception, SystemExit)  # a clean message, no traceback
    assert "Traceback" not in res.output
    for part in expected:
        assert part in res.output, (part, res.output)


def test_backtest_with_a_saved_ranker_and_the_evaluate_command(
    office_files: tuple[Path, Path], tmp_path: Path
) -> None:
    from checkin.signals.commands import evaluate
    from checkin.signals.ranker import fallback

    ep, cp = office_files
    model = tmp_path / "ranker.pkl"
    fallback("no labels yet").save(model)
    out = tmp_path / "flags.csv"
    args = ["--entries", str(ep), "--clients", str(cp), "--out", str(out), "--model", str(model)]
    res = CliRunner().invoke(backtest, [*args, "--start", "2025-06-01", "--end", "2025-06-30"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) > 0

    small = ["--data", "synthetic", "--offices", "1", "--office-size", "40", "--days", "150"]
    res = CliRunner().invoke(
        evaluate,
        [*small, "--no-ranker"],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    for method in ("engine (rules-3)", "yesterday mood <= 2", "days since entry >= 3"):
        assert f"| {method} |" in res.output


def _text_id(cid: int) -> str:
    # ids as offices export them: letters, dashes, leading zeros, Japanese
    return ["A-{:03d}", "c{}", "利用者-{}", "{:05d}"][cid % 4].format(cid)


def test_backtest_accepts_any_id_text_and_returns_it(
    office_files: tuple[Path, Path], tmp_path: Path
) -> None:
    ep, cp = office_files
    e, c = pd.read_csv(ep, dtype=str, keep_default_na=False), pd.read_csv(cp, dtype=str)
    e["client_id"] = [_text_id(int(x)) for x in e["client_id"]]
    c["client_id"] = [_text_id(int(x)) for x in c["client_id"]]
    c["supporter_id"] = "S-" + c["supporter_id"]
    ep2, cp2 = tmp_path / "entries_text.csv", tmp_path / "clients_text.csv"
    e.to_csv(ep2, index=False)
    c.to_csv(cp2, index=False)
    period = ["--start", "2025-06-01", "--end", "2025-07-31"]
    outs = []
    for entries, clients, name in ((ep, cp, "num.csv"), (ep2, cp2, "text.csv")):
        out = tmp_path / name
        args = ["--entries", str(entries), "--clients", str(clients), "--out", str(out)]
        res = CliRunner().invoke(backtest, [*args, *period])
        assert res.exit_code == 0, res.output
        outs.append(pd.read_csv(out, dtype=str))
    numeric, text = outs
    assert len(numeric) > 10
    assert {x[:2] for x in text["client_id"]} >= {"A-", "利用", "00"}
    # the same flags, each carrying the id as written in the files
    want = numeric.assign(client_id=[_text_id(int(x)) for x in numeric["client_id"]])
    key = ["date", "client_id", "severity", "score", "reasons"]
    pd.testing.assert_frame_equal(
        text.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True)
    )
    # an empty id is still refused, naming the line
    e.loc[e.index[3], "client_id"] = ""
    e.to_csv(ep2, index=False)
    res = _run(tmp_path, ep2.read_text(encoding="utf-8"))
    assert res.exit_code != 0 and "line 5, column 'client_id'" in res.output
    assert "is empty" in res.output


def test_backtest_answerable_from_column_is_optional_and_respected(tmp_path: Path) -> None:
    # Client A-1 answers every weekday; B-2 and C-3 never answer. C-3 had no card until the
    # last morning (answerable_from): only B-2 is flagged for missed entries.
    days = pd.bdate_range("2026-01-05", "2026-03-02")
    rows = [f"A-1,{d.date()},4,2,7.0,4,false," for d in days]
    entries = ENTRIES_HEADER + "\n" + "\n".join(rows) + "\n"
    clients = (
        f"{CLIENTS_HEADER},answerable_from\n"
        "A-1,,adjustment,2026-01-05,,01234,\n"
        "B-2,,adjustment,2026-01-05,,01234,\n"
        "C-3,,adjustment,2026-01-05,,01234,2026-03-03\n"
    )
    ep, cp = tmp_path / "ENTRIES.csv", tmp_path / "CLIENTS.csv"
    ep.write_text(entries, encoding="utf-8")
    cp.write_text(clients, encoding="utf-8")
    out = tmp_path / "f.csv"
    args = ["--entries", str(ep), "--clients", str(cp), "--out", str(out)]
    res = CliRunner().invoke(backtest, [*args, "--start", "2026-03-03", "--end", "2026-03-03"])
    assert res.exit_code == 0, res.output
    flags = pd.read_csv(out, dtype=str)
    assert flags["client_id"].tolist() == ["B-2"]
    assert "まだ ふだんの記録の傾向は わかりません" in flags["reasons"].iloc[0]
