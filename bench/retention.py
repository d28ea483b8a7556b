"""Benchmark: every office's retention rate (就労定着率) in one query, against reading its rows.

    python bench/retention.py --url postgresql+psycopg://postgres@127.0.0.1:5432/h23

Empties the database's public schema (PostgreSQL) or file (SQLite), builds OFFICES offices
of CLIENTS clients whose hires spread over 4 years (so their service covers the 3 fiscal
years counted) with employment events (departures, new jobs within and after 1 month,
leaves, confirmations), then:
1. reads every client and event row the count reads with the DBAPI cursor (baseline),
2. runs ``retention_rate.office_rates`` (one query) for FY2026, every office at once,
3. checks the query against a plain Python count of the same rule for a sample of offices,
and prints the times and the ratio. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import Client, EmploymentEvent, EmploymentKind, Office
from checkin.services import lifecycle, period, retention_rate

NOW = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)
FY = 2026
CHOICES = [
    EmploymentKind.LEFT,
    EmploymentKind.LEFT,
    EmploymentKind.EMPLOYED,
    EmploymentKind.ON_LEAVE,
]


def reset(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        import pathlib

        pathlib.Path(u.database or "").unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def populate(engine: Engine, offices: int, clients: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            insert(Office),
            [
                {
                    "id": o + 1,
                    "name": f"office {o}",
                    "timezone": "Asia/Tokyo",
                    "morning_hour": 7,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for o in range(offices)
            ],
        )
    n_clients = n_events = 0
    first_hire = date(2022, 4, 1)
    for o in range(offices):
        people, events = [], []
        for _ in range(clients):
            n_clients += 1
            cid = n_clients
            hire = first_hire + timedelta(days=rng.randrange(4 * 365))
            start = period.after(hire, 6)
            end = period.period_end(start, 36) if rng.random() < 0.5 else None
            if end and end > date(2026, 6, 9):
                end = None
            people.append(
                {
                    "id": cid,
                    "office_id": o + 1,
                    "name": f"c{cid}",
                    "hire_date": hire,
                    "service_start": start if rng.random() < 0.97 else None,
                    "service_end": end,
                    "service_type": "standard",
                    "stage": "adjustment",
                    "disclosure": "open",
                    "checkin_weekdays": "01234",
                    "channel_preference": "web",
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            day = hire
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                day = day + timedelta(days=rng.randrange(30, 400))
                if day > date(2026, 6, 9):
                    break
                kind = rng.choice(CHOICES)
                events.append(_event(cid, o + 1, kind, day))
                if kind == EmploymentKind.LEFT and rng.random() < 0.6:
                    day = day + timedelta(days=rng.randrange(1, 60))  # within 1 month or not
                    events.append(_event(cid, o + 1, EmploymentKind.CHANGED_JOB, day))
        n_events += len(events)
        with engine.begin() as conn:
            conn.execute(insert(Client), people)
            if events:
                conn.execute(insert(EmploymentEvent), events)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    return n_clients, n_events


def _event(cid: int, office: int, kind: EmploymentKind, day: date) -> dict[str, object]:
    return {
        "client_id": cid,
        "office_id": office,
        "kind": kind.value,
        "on": day,
        "state_from": lifecycle.state_from(kind, day),
        "grace_until": lifecycle.grace_until(kind, day),
        "recorded_at": NOW,
    }


def read_rows(engine: Engine) -> tuple[float, int]:
    """The baseline: every row the count looks at, read with the driver's cursor."""
    t0 = time.perf_counter()
    n = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT id, office_id, hire_date, service_start, service_end FROM client")
        n += len(cur.fetchall())
        cur.execute(
            'SELECT client_id, kind, "on", state_from, grace_until FROM employment_event '
            "WHERE deleted_at IS NULL"
        )
        n += len(cur.fetchall())
        cur.close()
    finally:
        raw.close()
    return time.perf_counter() - t0, n


def reference(engine: Engine, office_ids: list[int]) -> dict[int, tuple[int, int]]:
    """The same rule counted person by person in Python (for a sample of offices)."""
    day = retention_rate.counting_day(FY)
    first, last = retention_rate.window(FY)
    with engine.connect() as conn:
        people = conn.execute(
            text(
                "SELECT id, office_id, hire_date, service_start, service_end FROM client "
                f"WHERE office_id IN ({','.join(map(str, office_ids))})"
            )
        ).all()
        evs = conn.execute(
            text(
                'SELECT id, client_id, kind, "on", state_from, grace_until FROM employment_event '
                f"WHERE office_id IN ({','.join(map(str, office_ids))})"
            )
        ).all()
    by_client: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for eid, cid, kind, on, state, grace in evs:
        by_client[cid].append((eid, cid, kind, _d(on), _d(state), _d(grace)))
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for cid, office, hire, start, end in people:
        hire, start, end = _d(hire), _d(start), _d(end)
        if start is None or start > last or (end is not None and end < first):
            continue
        out[office][1] += 1
        mine = sorted(
            (e for e in by_client[cid] if e[4] <= day), key=lambda e: (e[4], e[0])
        )  # by state_from, id
        if not mine:
            employed = hire is not None and hire <= day
        else:
            _, _, kind, on, _, grace = mine[-1]
            employed = kind in ("employed", "changed_job", "on_leave") or (
                kind == "left"
                and any(
                    e[2] in ("employed", "changed_job") and on < e[3] <= grace
                    for e in by_client[cid]
                )
            )
        out[office][0] += employed
    return {o: (v[0], v[1]) for o, v in out.items()}


def _d(v: Any) -> Any:
    return date.fromisoformat(v) if isinstance(v, str) else v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--offices", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=200, help="per office")
    ap.add_argument("--skip-populate", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.skip_populate:
        reset(args.url)
        upgrade(args.url)
        t0 = time.perf_counter()
        engine = make_engine(args.url)
        n_clients, n_events = populate(engine, args.offices, args.clients, seed=1)
        print(f"populated {n_clients:,} clients, {n_events:,} events in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    else:
        engine = make_engine(args.url)
    factory = make_session_factory(engine)
    reads, counts = [], []
    rates: dict[int, tuple[int, int]] = {}
    for _ in range(args.repeat):
        read_s, n_rows = read_rows(engine)
        reads.append(read_s)
        with factory() as session:
            t0 = time.perf_counter()
            rates = retention_rate.office_rates(session, FY)
            counts.append(time.perf_counter() - t0)
    sample = sorted(rates)[:: max(1, len(rates) // 20)]
    ref = reference(engine, sample)
    wrong = [o for o in sample if rates.get(o, (0, 0)) != ref.get(o, (0, 0))]
    num = sum(v[0] for v in rates.values())
    den = sum(v[1] for v in rates.values())
    read_s, count_s = min(reads), min(counts)
    print(f"backend {make_url(args.url).get_backend_name()}: {len(rates):,} offices, "
          f"{n_rows:,} rows read; FY{FY}: {num:,} / {den:,} employed")  # fmt: skip
    print(f"  read rows with the driver : {read_s:6.2f} s  (best of {args.repeat})")
    print(f"  every office's rate       : {count_s:6.2f} s  (target < 5 s)")
    print(f"  ratio count / read        : {count_s / read_s:6.2f}")
    print(f"  checked against Python    : {len(sample)} offices, {len(wrong)} differ")
    if wrong:
        raise SystemExit(f"offices that differ: {wrong[:10]}")


if __name__ == "__main__":
    main()
