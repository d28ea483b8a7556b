"""Benchmark: check-ins per second through gunicorn, against a bare INSERT of the same rows.

    python bench/load_checkin.py --url postgresql+psycopg://postgres@127.0.0.1:5432/checkin_load
    python bench/load_checkin.py --url ... --profile      # where the app's CPU goes, in-process

Recreates the database, adds one office and 3 x N clients (each with a web link and a
linked LINE account), starts gunicorn with the repository's gunicorn.conf.py on loopback,
with LINE's API replaced by a local stub, then runs three phases of N check-ins each, every
phase with the same number of load processes (``--concurrency``), each client once:

1. web form: GET /c/<token>, POST the form (with its CSRF token and cookie), GET the done page;
2. LINE webhook: seven signed webhook deliveries per check-in (「記録」 and six answers);
3. bare INSERT: the same rows with psycopg, one INSERT and COMMIT per row.

Prints the sustained rate, p50/p95/p99 per request and per check-in, and the ratio of
the bare INSERT's rate to each channel's. Loopback only; not a test.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import logging
import multiprocessing as mp
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

sys.path.insert(0, str(Path(__file__).resolve().parent))
from morning_db import reset_database

from checkin.db import make_engine
from checkin.migrate import upgrade
from checkin.models import CheckinLink, Client, LineAccount, Office, StaffUser
from checkin.services.links import hash_token

REPO = Path(__file__).resolve().parent.parent
LINE_SECRET = "bench-channel-secret"
LINE_TOKEN = "bench-access-token"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ANSWERS = ("記録", "4", "2", "7", "4", "なし", "だいじょうぶ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(url: str, n: int) -> list[str]:
    """One office, 3n clients with links and LINE accounts; returns the raw tokens."""
    reset_database(url)
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    tokens = [secrets.token_urlsafe(32) for _ in range(3 * n)]
    with engine.begin() as conn:
        conn.execute(
            insert(Office),
            [
                {
                    "id": 1,
                    "name": "bench",
                    "timezone": "Asia/Tokyo",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(StaffUser),
            [
                {
                    "id": 1,
                    "office_id": 1,
                    "login": "s",
                    "name": "支援 太郎",
                    "role": "supporter",
                    "password_hash": "x",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(Client),
            [
                {
                    "id": c + 1,
                    "office_id": 1,
                    "name": f"利用者 {c}",
                    "supporter_id": 1,
                    "service_start": now.date() - timedelta(days=400),
                    "stage": "stability",
                    "disclosure": "open",
                    "checkin_weekdays": "0123456",
                    "channel_preference": "web",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(3 * n)
            ],
        )
        conn.execute(
            insert(CheckinLink),
            [
                {"client_id": c + 1, "token_hash": hash_token(t), "created_at": now}
                for c, t in enumerate(tokens)
            ],
        )
        conn.execute(
            insert(LineAccount),
            [
                {
                    "line_user_id": f"U{c + 1:032x}",
                    "client_id": c + 1,
                    "first_seen_at": now,
                    "linked_at": now,
                    "failed_codes": 0,
                }
                for c in range(3 * n)
            ],
        )
    engine.dispose()
    return tokens


class StubLine:
    """LINE's Messaging API, answering every reply at once."""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        Request(environ).get_data()
        body = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]})
        return Response(body, mimetype="application/json")(environ, start_response)


# --- load processes -------------------------------------------------------------------------


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), data, time.perf_counter() - start


def web_checkin(port: int, token: str, _i: int) -> dict[str, float]:
    status, headers, page, t_get = _request(port, "GET", f"/c/{token}")
    assert status == 200, status
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    match = CSRF.search(page.decode())
    assert match is not None
    form = (
        f"csrf_token={match.group(1)}&mood=4&fatigue=2&sleep_hours=7&sleep_quality=4"
        "&note=&day=today"
    ).encode()
    status, headers, _, t_post = _request(
        port,
        "POST",
        f"/c/{token}",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    assert status == 303, status
    location = headers["Location"]
    done = location.split("//", 1)[-1].split("/", 1)[-1] if "//" in location else location
    status, _, _, t_done = _request(port, "GET", "/" + done.lstrip("/"))
    assert status == 200, status
    return {"GET form": t_get, "POST form": t_post, "GET done": t_done}


def line_checkin(port: int, _token: str, i: int) -> dict[str, float]:
    times: dict[str, float] = {}
    user = f"U{i + 1:032x}"
    for k, answer in enumerate(ANSWERS):
        n = i * 10 + k
        event = {
            "type": "message",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": f"01BENCH{n:019d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"reply-{n}",
            "message": {"id": str(n), "type": "text", "quoteToken": f"q{n}", "text": answer},
        }
        body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
        sig = base64.b64encode(hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest())
        status, _, _, took = _request(
            port,
            "POST",
            "/line/webhook",
            body,
            {"Content-Type": "application/json", "X-Line-Signature": sig.decode()},
        )
        assert status == 200, status
        times[f"webhook {k}"] = took
    return times


def _worker(
    kind: str, port: int, items: list[tuple[int, str]], url: str, out: Any, start: Any
) -> None:
    results: list[tuple[float, dict[str, float]]] = []
    if kind == "bare":
        today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
        u = make_url(url)
        with psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, dbname=u.database
        ) as conn:
            start.wait()
            for i, _ in items:
                t = time.perf_counter()
                now = datetime.now(UTC)
                conn.execute(
                    "INSERT INTO checkin (client_id, local_date, mood, fatigue, sleep_hours,"
                    " sleep_quality, note, wants_contact, channel, created_at, updated_at)"
                    " VALUES (%s, %s, 4, 2, 7, 4, NULL, false, 'web', %s, %s)",
                    (i + 1, today, now, now),
                )
                conn.commit()
                results.append((time.perf_counter() - t, {}))
    else:
        func: Callable[[int, str, int], dict[str, float]] = (
            web_checkin if kind == "web" else line_checkin
        )
        start.wait()
        for i, token in items:
            t = time.perf_counter()
            parts = func(port, token, i)
            results.append((time.perf_counter() - t, parts))
    out.put(results)


def run_phase(
    kind: str, port: int, items: list[tuple[int, str]], url: str, concurrency: int
) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start = ctx.Barrier(concurrency + 1)
    chunks = [items[k::concurrency] for k in range(concurrency)]
    procs = [
        ctx.Process(target=_worker, args=(kind, port, chunk, url, out, start)) for chunk in chunks
    ]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    results = [r for _ in procs for r in out.get()]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    per_request: dict[str, list[float]] = {}
    for _, parts in results:
        for name, took in parts.items():
            if not name.startswith("webhook "):
                per_request.setdefault(name, []).append(took)
    if kind == "line":  # every delivery, not the mean per check-in
        per_request["webhook POST"] = [
            took for _, parts in results for n, took in parts.items() if n.startswith("webhook ")
        ]
    return {
        "rate": len(results) / wall,
        "wall": wall,
        "checkin": [t for t, _ in results],
        "requests": per_request,
    }


def pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def show(name: str, res: dict[str, Any]) -> None:
    c = res["checkin"]
    print(
        f"{name:<22} {res['rate']:8.1f} check-ins/s   per check-in p50 {pct(c, 50):6.1f} ms"
        f"  p95 {pct(c, 95):6.1f}  p99 {pct(c, 99):6.1f}"
    )
    for req, times in res["requests"].items():
        print(
            f"    {req:<18} {len(times):6d} requests  p50 {pct(times, 50):6.1f} ms"
            f"  p95 {pct(times, 95):6.1f}  p99 {pct(times, 99):6.1f}"
        )


# --- in-process profile -----------------------------------------------------------------


def profile(url: str, tokens: list[str], n: int) -> None:
    import cProfile
    import pstats

    os.environ.update(CHECKIN_DATABASE_URL=url, CHECKIN_ENV="development")
    from checkin.web import create_app

    app = create_app()
    client = app.test_client()

    def one(token: str) -> None:
        page = client.get(f"/c/{token}").get_data(as_text=True)
        match = CSRF.search(page)
        assert match is not None
        resp = client.post(
            f"/c/{token}",
            data={
                "csrf_token": match.group(1),
                "mood": "4",
                "fatigue": "2",
                "sleep_hours": "7",
                "sleep_quality": "4",
                "day": "today",
            },
        )
        assert resp.status_code == 303, resp.status_code
        assert client.get(resp.headers["Location"]).status_code == 200

    for token in tokens[:20]:  # warm: templates compiled, catalogues loaded
        one(token)
    timed: dict[str, list[float]] = {"GET form": [], "POST form": [], "GET done": []}
    for token in tokens[20 : 20 + n]:
        t = time.process_time()
        page = client.get(f"/c/{token}").get_data(as_text=True)
        timed["GET form"].append(time.process_time() - t)
        match = CSRF.search(page)
        assert match is not None
        t = time.process_time()
        resp = client.post(
            f"/c/{token}",
            data={
                "csrf_token": match.group(1),
                "mood": "4",
                "fatigue": "2",
                "sleep_hours": "7",
                "sleep_quality": "4",
                "day": "today",
            },
        )
        timed["POST form"].append(time.process_time() - t)
        t = time.process_time()
        client.get(resp.headers["Location"])
        timed["GET done"].append(time.process_time() - t)
    print(f"in-process CPU per request (no network), {n} check-ins:")
    for name, times in timed.items():
        print(f"    {name:<10} p50 {pct(times, 50):6.2f} ms  p95 {pct(times, 95):6.2f} ms")
    prof = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
    prof.enable()
    for token in tokens[20 + n : 20 + 2 * n]:
        one(token)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(
        r"checkin/|jinja2/environment|flask_babel|babel/", 40
    )
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="a PostgreSQL database (recreated)")
    ap.add_argument("--checkins", type=int, default=1500, help="per phase")
    ap.add_argument("--concurrency", type=int, default=4, help="load processes")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--profile", action="store_true", help="profile the web flow in-process")
    args = ap.parse_args()
    n = args.checkins
    tokens = populate(args.url, n)
    if args.profile:
        profile(args.url, tokens, min(n // 2, 500))
        return

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the stub's request lines
    stub = make_server("127.0.0.1", 0, StubLine(), threaded=True)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    port = free_port()
    env = {
        **os.environ,
        "CHECKIN_DATABASE_URL": args.url,
        "CHECKIN_ENV": "production",
        "CHECKIN_SECRET_KEY": secrets.token_hex(32),
        "CHECKIN_BIND": f"127.0.0.1:{port}",
        "CHECKIN_WEB_WORKERS": str(args.workers),
        "CHECKIN_LINE_CHANNEL_SECRET": LINE_SECRET,
        "CHECKIN_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "CHECKIN_LINE_API_BASE_URL": f"http://127.0.0.1:{stub.server_port}",
    }
    proc = subprocess.Popen(
        [Path(sys.executable).with_name("gunicorn"), "-c", REPO / "gunicorn.conf.py"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.1)
        items = list(enumerate(tokens))
        # A short warm-up on clients of the bare phase's set is not needed: every worker
        # renders each page once on the first clients; that is part of the measurement.
        web = run_phase("web", port, items[:n], args.url, args.concurrency)
        line = run_phase("line", port, items[n : 2 * n], args.url, args.concurrency)
        bare = run_phase("bare", port, items[2 * n :], args.url, args.concurrency)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        stub.shutdown()
    engine = make_engine(args.url)
    with engine.connect() as conn:
        stored = conn.scalar(text("SELECT count(*) FROM checkin"))
    engine.dispose()
    print(
        f"gunicorn {args.workers} workers (sync), {args.concurrency} load processes, "
        f"{n} check-ins per phase, PostgreSQL; check-ins stored: {stored} of {3 * n}"
    )
    show("web form (3 requests)", web)
    show("LINE webhook (7)", line)
    show("bare INSERT+COMMIT", bare)
    print(
        f"ratio bare INSERT / web form: {bare['rate'] / web['rate']:.1f}; "
        f"bare INSERT / LINE: {bare['rate'] / line['rate']:.1f}"
    )


if __name__ == "__main__":
    main()
