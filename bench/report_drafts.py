"""Benchmark: the monthly support report's drafts for an office of 200 clients, and the
report page a supporter opens (issue 14).

    .venv/bin/python bench/report_drafts.py --url sqlite:////tmp/checkin-reports.db
    .venv/bin/python bench/report_drafts.py \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_reports

Builds one office of 200 clients (3 supporters) with 90 days of weekday check-ins, a
flag and a few contacts (calls, a monthly meeting) per client and month, and closed days.
Then:

1. reads the rows a month's drafts read (the office's check-ins from the usual band's
   window to the month's end, the month's flags, contacts and status changes) with the
   driver's cursor: the baseline;
2. writes the 200 drafts' bodies (``reports.draft_bodies``: expected days, usual band,
   flags, contacts, the summary text, the plan's goal) and prints the ratio to (1);
3. creates the 200 reports (``documents.start``) and times ``GET /documents/<id>`` (the
   staff view, in-process WSGI with a logged-in supporter) for 300 requests: p50 / p95.

Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checkin.db import make_engine, make_session_factory
from checkin.migrate import upgrade
from checkin.models import (
    AuditEvent,
    Base,
    Channel,
    CheckIn,
    Client,
    Contact,
    ContactKind,
    DocKind,
    Flag,
    FlagStatus,
    Office,
    OfficeClosedDay,
    Role,
    Severity,
    StaffUser,
)
from checkin.services import documents as docs
from checkin.services import reports

NOW = datetime(2026, 12, 3, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, 3 December
YEAR, MONTH = 2026, 11  # the month the drafts are written for
CLIENTS = 200
DAYS = 90
PASSWORD = "bench-pass"


def reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    upgrade(url)


def populate(url: str, seed: int = 5) -> None:
    rng = random.Random(seed)
    session = make_session_factory(make_engine(url))()
    office = Office(name="ベンチ事業所", timezone="Asia/Tokyo", created_at=NOW, updated_at=NOW)
    session.add(office)
    pw = generate_password_hash(PASSWORD)
    staff = [
        StaffUser(
            office=office, login=f"s{i}", name=f"支援員{i}", role=Role.SUPPORTER, password_hash=pw
        )
        for i in range(3)
    ]
    session.add_all(staff)
    session.flush()
    today = NOW.date()
    clients = []
    for i in range(CLIENTS):
        start = today - timedelta(days=rng.randint(40, 700))
        clients.append(
            Client(
                office_id=office.id,
                name=f"利用者 {i:03d}",
                supporter_id=staff[i % 3].id,
                service_start=start,
                hire_date=start,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.add_all(clients)
    session.add_all(
        OfficeClosedDay(office_id=office.id, day=d) for d in (date(2026, 11, 3), date(2026, 11, 23))
    )
    session.flush()
    rows = []
    for c in clients:
        usual = rng.uniform(2.8, 4.2)
        for back in range(1, DAYS + 1):
            d = today - timedelta(days=back)
            if d.weekday() >= 5 or rng.random() > 0.85:
                continue
            rows.append(
                {
                    "client_id": c.id,
                    "local_date": d,
                    "mood": max(1, min(5, round(usual + rng.gauss(0, 0.7)))),
                    "fatigue": rng.randint(1, 5),
                    "sleep_hours": Decimal(str(rng.choice([5.5, 6, 6.5, 7, 7.5, 8]))),
                    "sleep_quality": rng.randint(1, 5),
                    "wants_contact": rng.random() < 0.01,
                    "channel": Channel.WEB,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
    session.execute(CheckIn.__table__.insert(), rows)
    for c in clients:
        f = Flag(
            office_id=office.id,
            client_id=c.id,
            kind=rng.choice(["trend", "missing", "contact"]),
            severity=Severity.HIGH,
            score=2.0,
            reasons=[{"code": "x", "text": "ベンチ", "values": {}}],
            first_date=date(2026, 11, rng.randint(1, 25)),
            last_date=date(2026, 11, 28),
            status=rng.choice(list(FlagStatus)),
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(f)
        session.flush()
        for day, kind in (
            (f.first_date.day, ContactKind.CALL),
            (rng.randint(1, 28), ContactKind.MEETING),
        ):
            session.add(
                Contact(
                    office_id=office.id,
                    client_id=c.id,
                    staff_id=c.supporter_id,
                    kind=kind,
                    occurred_at=datetime(2026, 11, day, 3, tzinfo=UTC),
                    flag_id=f.id if kind == ContactKind.CALL else None,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    session.commit()
    session.close()


def baseline(session, office: Office) -> float:  # type: ignore[no-untyped-def]
    """Read the month's rows the drafts read, with the driver's cursor."""
    first, last = reports.month_bounds(YEAR, MONTH)
    since = first - timedelta(days=56)
    conn = session.connection()
    t = time.perf_counter()
    for stmt in (
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            CheckIn.mood,
            CheckIn.fatigue,
            CheckIn.sleep_hours,
            CheckIn.sleep_quality,
            CheckIn.wants_contact,
        )
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            Client.office_id == office.id, CheckIn.local_date >= since, CheckIn.local_date <= last
        ),
        select(Flag).where(
            Flag.office_id == office.id, Flag.first_date <= last, Flag.last_date >= first
        ),
        select(Contact).where(Contact.office_id == office.id),
        select(AuditEvent).where(
            AuditEvent.office_id == office.id, AuditEvent.action == "client.status"
        ),
        select(Client).where(Client.office_id == office.id),
    ):
        conn.execute(stmt).cursor.fetchall()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="sqlite:////tmp/checkin-reports.db")
    parser.add_argument("--skip-populate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.skip_populate:
        t = time.perf_counter()
        reset(args.url)
        populate(args.url)
        print(f"populated in {time.perf_counter() - t:.1f} s")
    engine = make_engine(args.url)
    factory = make_session_factory(engine)
    session = factory()
    office = session.scalars(select(Office)).one()
    clients = list(session.scalars(select(Client).where(Client.office_id == office.id)))
    today = NOW.date()
    reads, drafts = [], []
    for _ in range(args.repeat):
        session.expire_all()
        reads.append(baseline(session, office))
        session.rollback()
        session.expire_all()
        t = time.perf_counter()
        bodies = reports.draft_bodies(session, office, clients, YEAR, MONTH, today=today)
        drafts.append(time.perf_counter() - t)
        session.rollback()
    read, draft = min(reads), min(drafts)
    print(f"{engine.dialect.name}: {len(clients)} clients, month {YEAR}-{MONTH:02d}")
    print(f"read the month's rows: {read:.3f} s")
    print(
        f"write 200 draft bodies: {draft:.3f} s (target < 5 s); "
        f"ratio to reading: {draft / read:.1f}"
    )
    assert len(bodies) == CLIENTS and all(b["summary"] for b in bodies.values())

    # The report page: staff view of the created reports.
    period = reports.period_of(YEAR, MONTH)
    if not session.scalar(select(Base.metadata.tables["client_document"].c.id).limit(1)):
        by = {s.id: s for s in session.scalars(select(StaffUser))}
        for c in clients:
            docs.start(
                session,
                c,
                DocKind.MONTHLY_REPORT,
                period,
                bodies[c.id],
                by=by[c.supporter_id or 0],
                now=NOW,
            )
        session.commit()
    ids = [row[0] for row in session.execute(select(Base.metadata.tables["client_document"].c.id))]
    session.close()
    from checkin.web import create_app

    app = create_app(
        {
            "DATABASE_URL": args.url,
            "ENV": "testing",
            "CLOCK": lambda: NOW,
            "WTF_CSRF_ENABLED": False,
            "SESSION_IDLE_MINUTES": 10**6,
        }
    )
    web = app.test_client()
    web.post("/login", data={"login": "s0", "password": PASSWORD})
    rng = random.Random(1)
    times = []
    for n in range(330):
        doc_id = rng.choice(ids)
        t = time.perf_counter()
        resp = web.get(f"/documents/{doc_id}")
        dt = time.perf_counter() - t
        assert resp.status_code == 200, resp.status_code
        if n >= 30:  # warm-up
            times.append(dt)
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"report page (staff view): p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"(target < 100 ms), {len(resp.data) // 1024} KiB"
    )


if __name__ == "__main__":
    main()
