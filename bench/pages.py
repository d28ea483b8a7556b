"""Benchmark: the pages a supporter opens, with 100,000 clients and a year of entries.

    python bench/pages.py --url sqlite:////tmp/checkin-pages.db
    python bench/pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_pages
    # one office of 1,000 clients, as its service manager (office-wide alert list, overview):
    python bench/pages.py --url ... --clients 1000 --office-size 1000 --offices 1 --manager

Builds N clients (offices of 100, one supporter each) with D days of weekday check-ins
(about 15 % with a note), a history of resolved flags and contacts (calls and monthly
meetings), and the morning's open flags from the real morning job. Then, in a fresh
process, logs in as supporters of randomly chosen offices and requests each page many
times through the Flask app (in-process WSGI: the time is the server's, rendering
included, without the network), and prints the 50th/95th percentile and the size of
each page. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent))

import morning_db
from morning_db import MORNING, NOW, insert_people, reset_database

from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import StaffUser

PASSWORD = "bench-pass"
NOTES = [
    "少し疲れた",
    "仕事に慣れてきた",
    "朝起きるのがつらい",
    "昼休みに散歩した",
    "上司にほめられた",
    "電車が混んでいて疲れた",
    "作業のミスがあって落ち込んだ",
    "週末はゆっくり休めた",
]
# Pages measured: name -> URL template ({client} is a client of the logged-in supporter).
PAGES = {
    "alert list": "/alerts",
    "client page (month)": "/clients/{client}",
    "client page (3 months)": "/clients/{client}?range=3m",
    "client page (week)": "/clients/{client}?range=week",
}
# With --manager the logged-in staff member is the office's service manager, who also has:
MANAGER_PAGES = {
    "office alert list": "/alerts?all=1",
    "office alert list (page 2)": "/alerts?all=1&page=2",
    "overview": "/overview",
}


def _checkins(clients: int, days: int, seed: int) -> Iterator[pd.DataFrame]:
    """Weekday answers for every client over `days` days, vectorised, in blocks of clients."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(MORNING - timedelta(days=days), MORNING - timedelta(days=1))
    dates = dates[dates.day_of_week < 5]
    usual = rng.uniform(2.8, 4.3, clients)
    adherence = rng.choice([0.95, 0.9, 0.8, 0.6], clients)
    step = 5_000  # clients per block (bounded memory)
    for lo in range(0, clients, step):
        ids = np.arange(lo, min(clients, lo + step))
        answered = rng.random((len(ids), len(dates))) < adherence[ids, None]
        ci, di = np.nonzero(answered)
        n = len(ci)
        mood = np.clip(np.rint(usual[ids][ci] + rng.normal(0, 0.6, n)), 1, 5).astype(int)
        has_note = rng.random(n) < 0.15
        note = np.where(
            has_note, np.array(NOTES, dtype=object)[rng.integers(0, len(NOTES), n)], None
        )
        yield (
            pd.DataFrame(
                {
                    "client_id": ids[ci] + 1,
                    "local_date": dates[di].date,
                    "mood": mood,
                    "fatigue": rng.integers(1, 5, n),
                    "sleep_hours": np.rint(rng.uniform(4, 9, n) * 2) / 2,
                    "sleep_quality": rng.integers(1, 6, n),
                    "note": note,
                    "wants_contact": False,
                    "channel": "web",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        )


def _history(clients: int, days: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolved flags (about 4 per client-year) and contacts (a monthly meeting, some calls)."""
    rng = np.random.default_rng(seed + 1)
    per_year = days / 365
    n_flags = int(clients * 4 * per_year)
    f_client = rng.integers(0, clients, n_flags)
    f_day = rng.integers(7, days, n_flags)
    first = pd.to_datetime(MORNING) - pd.to_timedelta(f_day, unit="D")
    kinds = rng.choice(["trend", "missing"], n_flags, p=[0.6, 0.4])
    flags = pd.DataFrame(
        {
            "office_id": f_client // morning_db.OFFICE_SIZE + 1,
            "client_id": f_client + 1,
            "kind": kinds,
            "severity": rng.choice(["watch", "high"], n_flags, p=[0.7, 0.3]),
            "score": rng.uniform(40, 95, n_flags).round(1),
            "reasons": np.where(
                kinds == "trend",
                json.dumps(
                    [{"code": "trend", "text": "気分が本人のふだんより低い日が続いています"}]
                ),
                json.dumps([{"code": "missing", "text": "記録のない日が続いています"}]),
            ),
            "first_date": first.date,
            "last_date": (first + pd.to_timedelta(rng.integers(0, 6, n_flags), unit="D")).date,
            "status": "resolved",
            "source": "morning",
            "model_version": "rules-2.0",
            "acted_by_id": f_client // morning_db.OFFICE_SIZE + 1,
            "acted_at": NOW,
            "note": "電話で様子を聞いた",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    months = max(1, days // 30)
    n_meet = clients * months
    m_client = np.repeat(np.arange(clients), months)
    m_day = np.tile(np.arange(months) * 30, clients) + rng.integers(1, 28, n_meet)
    n_call = int(clients * 1.5 * months)
    c_client = rng.integers(0, clients, n_call)
    c_day = rng.integers(1, days, n_call)
    who = np.concatenate([m_client, c_client])
    back = np.concatenate([m_day, c_day])
    contacts = pd.DataFrame(
        {
            "office_id": who // morning_db.OFFICE_SIZE + 1,
            "client_id": who + 1,
            "staff_id": who // morning_db.OFFICE_SIZE + 1,
            "kind": np.concatenate([np.full(n_meet, "meeting"), np.full(n_call, "call")]),
            "occurred_at": pd.to_datetime(NOW) - pd.to_timedelta(back, unit="D"),
            "note": np.where(rng.random(len(who)) < 0.5, "職場の様子を聞いた", None),
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    return flags, contacts


def _load(engine: Engine, table: str, frame: pd.DataFrame) -> None:
    """Bulk-load a frame: COPY on PostgreSQL, executemany on SQLite."""
    cols = list(frame.columns)
    raw: Any = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            with raw.cursor() as cur:
                sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)"
                with cur.copy(sql) as copy:
                    for lo in range(0, len(frame), 500_000):
                        buf = io.StringIO()
                        frame.iloc[lo : lo + 500_000].to_csv(
                            buf, header=False, index=False, quoting=csv.QUOTE_MINIMAL
                        )
                        copy.write(buf.getvalue())
        else:
            frame = frame.copy()
            for col in cols:  # SQLAlchemy's SQLite formats: naive UTC datetimes, ISO dates
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = frame[col].dt.tz_convert(None).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            marks = ", ".join("?" for _ in cols)
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
            cur = raw.cursor()
            cur.execute("PRAGMA synchronous = OFF")  # a benchmark database: speed over safety
            for lo in range(0, len(frame), 200_000):
                chunk = frame.iloc[lo : lo + 200_000]
                columns = [
                    [None if v is None or v != v else v for v in chunk[c].tolist()]
                    if chunk[c].dtype == object
                    else [str(v) for v in chunk[c].tolist()]
                    if c.endswith("date")
                    else chunk[c].tolist()
                    for c in cols
                ]
                cur.executemany(sql, zip(*columns, strict=True))
        raw.commit()
    finally:
        raw.close()


def populate(url: str, clients: int, days: int, seed: int = 1) -> dict[str, int]:
    reset_database(url)
    upgrade(url)
    engine = make_engine(url)
    insert_people(engine, clients, random.Random(seed))
    t0 = time.perf_counter()
    n_checkins = 0
    for block in _checkins(clients, days, seed):
        _load(engine, "checkin", block)
        n_checkins += len(block)
    print(f"  checkin: {n_checkins:,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    flags, contacts = _history(clients, days, seed)
    for table, frame in (("flag", flags), ("contact", contacts)):
        t0 = time.perf_counter()
        _load(engine, table, frame)
        print(f"  {table}: {len(frame):,} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    t0 = time.perf_counter()
    # The morning's open flags, by the real job.
    from checkin.services.morning import run_all_offices

    session = make_session_factory(engine)()
    results = run_all_offices(session, now=NOW, morning=MORNING)
    session.commit()
    session.close()
    print(f"  morning job in {time.perf_counter() - t0:.0f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {
        "checkins": n_checkins,
        "history_flags": len(flags),
        "contacts": len(contacts),
        "open_flags": sum(r.created + r.updated for r in results),
    }


def measure(url: str, offices: int, repeat: int, seed: int, manager: bool) -> dict[str, Any]:
    from checkin.web import create_app

    pages = {**PAGES, **MANAGER_PAGES} if manager else PAGES
    engine = make_engine(url)
    with engine.begin() as conn:  # a password for the supporters we log in as
        conn.execute(
            update(StaffUser)
            .where(StaffUser.id <= offices)
            .values(
                password_hash=generate_password_hash(PASSWORD),
                role="service_manager" if manager else "supporter",
            )
        )
    engine.dispose()
    app = create_app(  # the app makes its own engine, as in production
        {
            "DATABASE_URL": url,
            "ENV": "testing",
            "WTF_CSRF_ENABLED": False,
            "CLOCK": lambda: datetime(2026, 6, 10, 0, 30, tzinfo=UTC),  # 9:30 in Tokyo
        }
    )
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {name: [] for name in pages}
    # The app's own CPU (this process: Flask, SQLAlchemy, the driver, rendering; not the
    # database server's): steadier than the wall time on a machine shared with other work.
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    sizes: dict[str, list[int]] = {name: [] for name in pages}
    statuses: dict[str, set[int]] = {name: set() for name in pages}
    for office in range(1, offices + 1):
        web = app.test_client()
        resp = web.post("/login", data={"login": f"s{office - 1}", "password": PASSWORD})
        assert resp.status_code in (302, 303), resp.status_code
        first_client = (office - 1) * morning_db.OFFICE_SIZE + 1
        for _ in range(repeat):
            client = rng.randrange(first_client, first_client + morning_db.OFFICE_SIZE)
            for name, template in pages.items():
                path = template.format(client=client)
                t0, c0 = time.perf_counter(), time.process_time()
                r = web.get(path)
                body = r.get_data()
                timings[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                sizes[name].append(len(body))
                statuses[name].add(r.status_code)
    out: dict[str, Any] = {}
    for name in pages:
        t = sorted(timings[name][1:])  # the very first request warms caches
        out[name] = {
            "n": len(t),
            "p50_ms": statistics.median(t) * 1000,
            "p95_ms": t[int(0.95 * (len(t) - 1))] * 1000,
            "cpu_p50_ms": statistics.median(cpu[name][1:]) * 1000,
            "max_kb": max(sizes[name]) / 1024,
            "statuses": sorted(statuses[name]),
        }
    static = Path(app.static_folder or "") if app.static_folder else None
    if static:
        out["static_kb"] = {
            str(p.relative_to(static)): round(p.stat().st_size / 1024, 1)
            for p in sorted(static.rglob("*"))
            if p.is_file() and p.suffix in (".js", ".css")
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--offices", type=int, default=20, help="supporters (offices) logged in")
    ap.add_argument("--repeat", type=int, default=15, help="requests per page and supporter")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-populate", action="store_true")
    ap.add_argument("--populate-only", action="store_true")
    ap.add_argument(
        "--office-size", type=int, default=morning_db.OFFICE_SIZE, help="clients per office"
    )
    ap.add_argument(
        "--manager",
        action="store_true",
        help="log in as service managers; adds the office-wide alert list and the overview",
    )
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    morning_db.OFFICE_SIZE = args.office_size
    if args.measure_only:
        print(json.dumps(measure(args.url, args.offices, args.repeat, args.seed, args.manager)))
        return
    if not args.skip_populate:
        t0 = time.perf_counter()
        counts = populate(args.url, args.clients, args.days)
        print(f"populated in {time.perf_counter() - t0:.0f} s: {counts}", flush=True)
    if args.populate_only:
        return
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--url",
            args.url,
            "--offices",
            str(args.offices),
            "--repeat",
            str(args.repeat),
            "--seed",
            str(args.seed),
            "--office-size",
            str(args.office_size),
            *(["--manager"] if args.manager else []),
            "--measure-only",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    backend = make_url(args.url).get_backend_name()
    print(
        f"backend {backend}: {args.clients:,} clients in offices of {args.office_size}, "
        f"{args.days} days"
    )
    print(
        f"{'page':<26} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'max kB':>8}"
        "  status"
    )
    for name in {**PAGES, **MANAGER_PAGES} if args.manager else PAGES:
        m = r[name]
        print(
            f"{name:<26} {m['n']:>8} {m['p50_ms']:>8.1f} {m['p95_ms']:>8.1f} "
            f"{m['cpu_p50_ms']:>8.1f} {m['max_kb']:>8.1f}  {m['statuses']}"
        )
    print("targets: p95 < 100 ms (office-wide pages: 200 ms), pages < 200 kB")
    if "static_kb" in r:
        print("static files (cached by the browser, kB):", r["static_kb"])


if __name__ == "__main__":
    main()
