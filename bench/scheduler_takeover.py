"""Benchmark: how long after the leading scheduler is killed (SIGKILL) the standby runs a job.

    python bench/scheduler_takeover.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_bench

Per round: starts two ``checkin scheduler`` processes on the database, waits until one holds
the lease and has run its jobs, waits a random part of a heartbeat, kills the leader with
SIGKILL and measures until the standby has taken the lease and until it has started a job
(``job_state.last_started_at`` with its holder id). docs/scheduler.md promises 90 s.
Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from checkin.db import make_engine
from checkin.migrate import upgrade


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    upgrade(args.url)
    engine = make_engine(args.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_SMTP")}
    env["CHECKIN_DATABASE_URL"] = args.url
    cmd = [str(Path(sys.executable).with_name("checkin")), "scheduler"]

    def lease() -> str | None:
        with engine.connect() as c:
            return c.scalar(
                text("SELECT holder FROM scheduler_lease WHERE expires_at > :now"),
                {"now": datetime.now(UTC)},
            )

    def started_by(pid: int, since: datetime) -> bool:
        with engine.connect() as c:
            n = c.scalar(
                text(
                    "SELECT count(*) FROM job_state WHERE holder LIKE :h AND last_started_at > :t"
                ),
                {"h": f"%:{pid}:%", "t": since},
            )
            return bool(n)

    results = []
    for r in range(args.rounds):
        with engine.begin() as c:  # a clean start: no lease from an earlier round
            c.execute(text("DELETE FROM scheduler_lease"))
        procs = {}
        for _ in range(2):
            p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs[p.pid] = p
        try:
            while (holder := lease()) is None:
                time.sleep(0.1)
            leader = next(pid for pid in procs if f":{pid}:" in holder)
            standby = next(pid for pid in procs if pid != leader)
            while not started_by(leader, datetime(2000, 1, 1, tzinfo=UTC)):
                time.sleep(0.1)
            time.sleep(5 + random.uniform(0, 10))  # the standby has seen the lease taken
            killed_at = datetime.now(UTC)
            t0 = time.monotonic()
            os.kill(leader, signal.SIGKILL)
            procs[leader].wait()
            while f":{standby}:" not in (lease() or ""):
                time.sleep(0.2)
            took_lease = time.monotonic() - t0
            while not started_by(standby, killed_at):
                time.sleep(0.2)
            ran_job = time.monotonic() - t0
            results.append((took_lease, ran_job))
            print(
                f"round {r + 1}: lease taken after {took_lease:.1f} s, "
                f"first job after {ran_job:.1f} s"
            )
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    p.wait(60)
    print(
        f"max over {len(results)} rounds: lease {max(t for t, _ in results):.1f} s, "
        f"first job {max(j for _, j in results):.1f} s (promise: 90 s)"
    )


if __name__ == "__main__":
    main()
