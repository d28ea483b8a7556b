"""Benchmark: the morning job end to end against merely reading its rows with the driver.

    python bench/morning_db.py --url sqlite:////tmp/checkin-bench.db
    python bench/morning_db.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_bench

Builds N clients (in offices of 100) with D days of history, then, in a fresh process:
1. reads exactly the rows the job reads, office by office, with the DBAPI cursor (baseline),
2. runs the real morning job (read frames, compute flags, write flags) for every office,
3. times a naive per-client loop on a sample and extrapolates it,
and prints the ratios and peak memory. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import CheckIn, Client, Flag, Office, StaffUser

MORNING = date(2026, 6, 10)
NOW = datetime(2026, 6, 9, 22, 0, tzinfo=UTC)
OFFICE_SIZE = 100


def reset_database(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        import pathlib

        pathlib.Path(u.database or "").unlink(missing_ok=True)
        return
    admin = make_engine(
        u.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}"'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def insert_people(engine: Engine, clients: int, rng: random.Random) -> None:
    """Offices of OFFICE_SIZE clients, one supporter each (also used by bench/pages.py)."""
    n_offices = max(1, clients // OFFICE_SIZE)
    now = NOW
    with engine.begin() as conn:
        conn.execute(
            insert(Office),
            [
                {
                    "id": o + 1,
                    "name": f"office {o}",
                    "timezone": "Asia/Tokyo",
                    "morning_hour": 7,
                    "created_at": now,
                    "updated_at": now,
                }
                for o in range(n_offices)
            ],
        )
        conn.execute(
            insert(StaffUser),
            [
                {
                    "id": o + 1,
                    "office_id": o + 1,
                    "login": f"s{o}",
                    "name": f"s{o}",
                    "role": "supporter",
                    "password_hash": "x",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for o in range(n_offices)
            ],
        )
        conn.execute(
            insert(Client),
            [
                {
                    "id": c + 1,
                    "office_id": c // OFFICE_SIZE + 1,
                    "name": f"c{c}",
                    "supporter_id": c // OFFICE_SIZE + 1,
                    "service_start": MORNING - timedelta(400),
                    "stage": rng.choice(["exploration", "adjustment", "stability", "self_driving"]),
                    "disclosure": "open",
                    "checkin_weekdays": "01234",
                    "channel_preference": "web",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(clients)
            ],
        )


def populate(url: str, clients: int, days: int, seed: int = 1) -> None:
    reset_database(url)
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    now = NOW
    insert_people(engine, clients, rng)
    rows = []
    batch = 200_000
    for c in range(clients):
        usual = rng.uniform(2.8, 4.3)
        adherence = rng.choice([0.95, 0.9, 0.8, 0.6])
        slide = rng.random() < 0.05
        for back in range(days, 0, -1):
            d = MORNING - timedelta(days=back)
            if d.weekday() > 4 or rng.random() > adherence:
                continue
            mood = usual + rng.gauss(0, 0.6) - (max(0, 10 - back) * 0.2 if slide else 0)
            rows.append(
                {
                    "client_id": c + 1,
                    "local_date": d,
                    "mood": max(1, min(5, round(mood))),
                    "fatigue": rng.randint(1, 4),
                    "sleep_hours": round(rng.uniform(4, 9) * 2) / 2,
                    "sleep_quality": rng.randint(1, 5),
                    "note": None,
                    "wants_contact": rng.random() < 0.001,
                    "channel": "web",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(rows) >= batch:
                _flush(engine, rows)
    _flush(engine, rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def _flush(engine: object, rows: list[dict[str, object]]) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(insert(CheckIn), rows)
    rows.clear()


READ_SQL = """
SELECT checkin.client_id, checkin.local_date, checkin.mood, checkin.fatigue,
       checkin.sleep_hours, checkin.sleep_quality, checkin.wants_contact,
       CASE WHEN checkin.local_date >= {p} THEN checkin.note END
FROM checkin JOIN client ON client.id = checkin.client_id
WHERE client.office_id = {p} AND client.status = 'active'
  AND checkin.local_date >= {p} AND checkin.local_date < {p}
"""


def measure(url: str, sample: int) -> dict[str, float]:
    from checkin.services.morning import load_frames, run_all_offices
    from checkin.signals import compute_flags

    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        n_offices = s.query(Office).count()
        n_rows = s.execute(text("SELECT count(*) FROM checkin")).scalar() or 0
    from checkin.services.morning import HISTORY_DAYS

    start = MORNING - timedelta(days=HISTORY_DAYS)
    p = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = READ_SQL.format(p=p)
    raw = engine.raw_connection()

    def read_all() -> int:
        n = 0
        cur = raw.cursor()
        for office_id in range(1, n_offices + 1):
            cur.execute(sql, (MORNING - timedelta(days=1), office_id, start, MORNING))
            n += len(cur.fetchall())
        cur.close()
        return n

    read_all()  # warm the cache so both timings see the same
    t0 = time.perf_counter()
    read_rows = read_all()
    t_read = time.perf_counter() - t0
    raw.close()

    with factory() as s:
        s.execute(Flag.__table__.delete())  # type: ignore[attr-defined]
        s.commit()
    t0 = time.perf_counter()
    with factory() as s:
        results = run_all_offices(s, now=NOW, morning=MORNING)
        s.commit()
    t_job = time.perf_counter() - t0
    flags = sum(r.created for r in results)

    # The naive way: one query and one compute per client, on a sample, extrapolated.
    with factory() as s:
        office = s.get(Office, 1)
        assert office is not None
        entries, clients = load_frames(s, [office.id], MORNING)
    ids = clients["client_id"].tolist()[:sample]
    t0 = time.perf_counter()
    with factory() as s:
        for cid in ids:
            cur_entries = entries[entries["client_id"] == cid]
            s.execute(text("SELECT 1 FROM client WHERE id = :i"), {"i": cid}).all()
            compute_flags(cur_entries, clients[clients["client_id"] == cid], MORNING)
    t_naive_sample = time.perf_counter() - t0
    n_clients = n_offices * OFFICE_SIZE
    t_naive = t_naive_sample / max(1, len(ids)) * n_clients
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "offices": n_offices,
        "clients": n_clients,
        "rows_total": n_rows,
        "rows_read": read_rows,
        "read_s": t_read,
        "job_s": t_job,
        "flags": flags,
        "ratio": t_job / t_read,
        "naive_s_extrapolated": t_naive,
        "naive_ratio": t_naive / t_read,
        "peak_rss_mb": peak_mb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--sample", type=int, default=200, help="clients in the naive-loop sample")
    ap.add_argument("--skip-populate", action="store_true")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.url, args.sample)))
        return
    if not args.skip_populate:
        t0 = time.perf_counter()
        populate(args.url, args.clients, args.days)
        print(f"populated in {time.perf_counter() - t0:.0f} s", flush=True)
    # Measure in a fresh process so its peak memory is the job's, not the population's.
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--url",
            args.url,
            "--sample",
            str(args.sample),
            "--measure-only",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    backend = make_url(args.url).get_backend_name()
    print(
        f"backend {backend}: {r['clients']:,} clients in {r['offices']:,} offices, "
        f"{r['rows_total']:,} check-ins ({r['rows_read']:,} read by the job)"
    )
    print(f"  read rows with the driver : {r['read_s']:8.2f} s")
    print(f"  morning job end to end    : {r['job_s']:8.2f} s  ({r['flags']:,} flags written)")
    print(f"  ratio job / read          : {r['ratio']:8.2f}   (target <= 3)")
    print(
        f"  naive per-client loop     : {r['naive_s_extrapolated']:8.2f} s  "
        f"(extrapolated from {args.sample} clients; {r['naive_ratio']:.1f} x read)"
    )
    print(f"  peak memory of the run    : {r['peak_rss_mb']:8.0f} MB (target < 2048)")


if __name__ == "__main__":
    main()
