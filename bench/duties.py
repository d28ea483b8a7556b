"""Benchmark: the monthly duties board of an office of 200 clients with a year of
meetings, employer contacts and employer notes.

    python bench/duties.py --url sqlite:////tmp/checkin-duties.db
    python bench/duties.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_duties

Prints the 50th/95th percentile of ``duties_board`` (the service), of ``GET /duties?all=1``
(the service manager's whole office, rendering included, in-process WSGI) and of the CSV
export, beside the time of just reading the month's contact rows. Not a test: numbers
depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.db import make_engine
from checkin.migrate import upgrade
from checkin.models import (
    Client,
    Contact,
    ContactKind,
    Disclosure,
    Employer,
    EmployerNote,
    EmployerNoteKind,
    EmployerUser,
    Office,
    Role,
    StaffUser,
)
from checkin.services.monthly import Month, duties_board

PASSWORD = "bench password 1"
NOW = datetime(2026, 6, 10, 0, 30, tzinfo=UTC)


def populate(url: str, clients: int, seed: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    with Session(engine) as s:
        office = Office(name="bench", timezone="Asia/Tokyo")
        s.add(office)
        s.flush()
        manager = StaffUser(
            office_id=office.id,
            login="kanri",
            name="管理",
            role=Role.SERVICE_MANAGER,
            password_hash=generate_password_hash(PASSWORD),
        )
        supporters = [
            StaffUser(office_id=office.id, login=f"s{i}", name=f"支援{i}", password_hash="x")
            for i in range(10)
        ]
        employer = Employer(office_id=office.id, name="会社")
        s.add_all([manager, *supporters, employer])
        s.flush()
        user = EmployerUser(employer_id=employer.id, login="e", name="人事", password_hash="x")
        s.add(user)
        s.flush()
        for i in range(clients):
            c = Client(
                office_id=office.id,
                name=f"利用者 {i:03d}",
                supporter_id=supporters[i % 10].id,
                employer_id=employer.id,
                service_start=date(2025, 1, 1) + timedelta(days=rng.randint(0, 500)),
                disclosure=Disclosure.CLOSED if i % 7 == 3 else Disclosure.OPEN,
            )
            s.add(c)
            s.flush()
            for m in range(12):
                when = NOW - timedelta(days=30 * m + rng.randint(0, 25))
                for kind in (ContactKind.MEETING, ContactKind.CALL, ContactKind.WORKPLACE_VISIT):
                    s.add(
                        Contact(
                            office_id=office.id,
                            client_id=c.id,
                            staff_id=c.supporter_id or manager.id,
                            kind=kind,
                            occurred_at=when - timedelta(hours=rng.randint(0, 48)),
                            note="面談",
                            attendees=["client", "supporter"],
                        )
                    )
                s.add(
                    EmployerNote(
                        office_id=office.id,
                        client_id=c.id,
                        employer_id=employer.id,
                        employer_user_id=user.id,
                        kind=EmployerNoteKind.MONTHLY_ANSWER,
                        text="安定",
                        created_at=when,
                        local_date=when.date(),
                    )
                )
        s.commit()
    engine.dispose()


def pct(values: list[float]) -> str:
    v = sorted(values)
    return (
        f"p50 {statistics.median(v) * 1000:.1f} ms, p95 {v[int(0.95 * (len(v) - 1))] * 1000:.1f} ms"
    )


def measure(url: str, repeat: int) -> None:
    from checkin.web import create_app

    engine = make_engine(url)
    month = Month(2026, 6)
    with Session(engine) as s:
        office = s.scalars(select(Office)).one()
        lo, hi = month.bounds_utc(__import__("zoneinfo").ZoneInfo(office.timezone))
        read, board = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            s.execute(
                select(Contact.client_id, Contact.kind, Contact.occurred_at).where(
                    Contact.office_id == office.id,
                    Contact.occurred_at >= lo,
                    Contact.occurred_at < hi,
                )
            ).all()
            read.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            rows = duties_board(s, office, month)
            board.append(time.perf_counter() - t0)
            s.expire_all()
        print(f"clients in service: {len(rows)}")
        print(f"reading the month's contact rows: {pct(read)}")
        print(f"duties_board (whole office):      {pct(board)}")
        print(f"ratio (p50): {statistics.median(board) / statistics.median(read):.1f}x")
    app = create_app(
        {"DATABASE_URL": url, "ENV": "testing", "WTF_CSRF_ENABLED": False, "CLOCK": lambda: NOW}
    )
    web = app.test_client()
    assert web.post("/login", data={"login": "kanri", "password": PASSWORD}).status_code in (
        302,
        303,
    )
    for path in ("/duties?all=1", "/duties.csv?all=1&month=2026-06"):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = web.get(path)
            r.get_data()
            times.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.status_code
        print(f"GET {path}: {pct(times[1:])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--skip-populate", action="store_true")
    args = ap.parse_args()
    if not args.skip_populate:
        t0 = time.perf_counter()
        populate(args.url, args.clients, seed=7)
        print(f"populated in {time.perf_counter() - t0:.1f} s")
    measure(args.url, args.repeat)


if __name__ == "__main__":
    main()
