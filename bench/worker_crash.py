"""Benchmark: how long requests fail after gunicorn workers are killed with SIGKILL.

    python bench/worker_crash.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_bench

Starts gunicorn with the repository's gunicorn.conf.py (2 workers) on the given database,
sends light load (one request to /login at a time, as fast as it answers), then kills
one worker, and later every worker at once, with SIGKILL, several times each. For each kill
it prints how long until the master had replaced the killed worker(s) and, when every
worker was killed, how long no request succeeded. ``--no-preload`` runs the same with
``preload_app`` off, as before gunicorn.conf.py existed. Loopback only; not a test.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


class Load(threading.Thread):
    """One request at a time; remembers when each succeeded."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.ok: list[float] = []
        self.failed = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                with urllib.request.urlopen(self.url, timeout=30) as r:
                    r.read()
                self.ok.append(time.monotonic())
            except Exception:  # refused, reset, cut short: a failed request
                self.failed += 1
                time.sleep(0.005)

    def first_ok_after(self, t: float) -> float:
        while True:
            later = [x for x in self.ok if x > t]
            if later:
                return later[0] - t
            time.sleep(0.005)


def wait_for(check, timeout: float = 120) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise SystemExit("timed out")
        time.sleep(0.005)
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="database URL (migrated by this script)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-preload", action="store_true")
    args = ap.parse_args()
    subprocess.run(
        [Path(sys.executable).with_name("checkin"), "init-db"],
        env={**os.environ, "CHECKIN_DATABASE_URL": args.url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    env = {
        **os.environ,
        "CHECKIN_DATABASE_URL": args.url,
        "CHECKIN_ENV": "development",
        "CHECKIN_BIND": f"127.0.0.1:{port}",
        "CHECKIN_WEB_WORKERS": str(args.workers),
        "CHECKIN_WEB_PRELOAD": "0" if args.no_preload else "1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "-c", REPO / "gunicorn.conf.py"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    master = proc.pid
    try:
        wait_for(lambda: len(children(master)) == args.workers)
        load = Load(f"http://127.0.0.1:{port}/login")
        load.start()
        load.first_ok_after(time.monotonic())
        time.sleep(2)  # both workers warm: each has served requests
        one: list[float] = []
        every: list[tuple[float, float]] = []
        for _ in range(args.rounds):
            before = children(master)
            t = time.monotonic()
            os.kill(min(before), signal.SIGKILL)
            one.append(wait_for(lambda b=before: len(children(master) - b) == 1))
            time.sleep(1)
        for _ in range(args.rounds):
            before = children(master)
            t = time.monotonic()
            for pid in before:
                os.kill(pid, signal.SIGKILL)
            replaced = wait_for(lambda b=before: len(children(master) - b) == args.workers)
            every.append((replaced, load.first_ok_after(t)))
            time.sleep(1)
        load.stop = True
        mode = "preload off" if args.no_preload else "preload on"
        print(f"gunicorn.conf.py, {args.workers} workers, {mode}, {args.rounds} rounds each")
        print(
            f"one worker killed: replaced after {statistics.median(one) * 1000:.0f} ms median, "
            f"{max(one) * 1000:.0f} ms max (the other worker kept answering)"
        )
        rep = [r for r, _ in every]
        gap = [g for _, g in every]
        print(
            f"every worker killed: replaced after {statistics.median(rep) * 1000:.0f} ms median "
            f"({max(rep) * 1000:.0f} max); first request answered again after "
            f"{statistics.median(gap) * 1000:.0f} ms median ({max(gap) * 1000:.0f} max)"
        )
        print(f"requests answered {len(load.ok)}, failed {load.failed}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


if __name__ == "__main__":
    main()
