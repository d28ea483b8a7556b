"""The production web server as configured in gunicorn.conf.py, run for real.

The app is preloaded in the master and forked; each worker must start with an empty
connection pool (a connection the master opened, shared by two workers, mixes their
answers on PostgreSQL). A killed worker is replaced by a fork, without loading the app
again. The access log names the route of a client's link, never its token.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
TOKEN = "Zq7secretTOKENvalue123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as e:
        return e.code


def workers_of(master: int) -> set[int]:
    """The master's child processes (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def wait_until(check, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    """Polls ``check`` until it is true; returns the seconds it took."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)  # polling another process; nothing to wait on instead
    return time.monotonic() - start


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path


@pytest.fixture
def server(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Server]:
    # The real config, plus a master that has used its pool before forking: without the
    # post_fork hook the workers would inherit that open connection.
    conf = tmp_path / "gunicorn_test.conf.py"
    conf.write_text(
        f"exec(open({str(REPO / 'gunicorn.conf.py')!r}).read())\n"
        "def when_ready(server):\n"
        "    from checkin.wsgi import app\n"
        "    with app.extensions['checkin.engine'].connect() as conn:\n"
        "        conn.exec_driver_sql('SELECT 1')\n"
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "CHECKIN_DATABASE_URL": database_url,
        "CHECKIN_ENV": "testing",
        "CHECKIN_BIND": f"127.0.0.1:{port}",
        "CHECKIN_WEB_WORKERS": "2",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", str(conf)], env=env, stdout=out, stderr=out, cwd=tmp_path
        )
    srv = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_until(lambda: _up(srv), 120, "gunicorn answers /healthz")
        wait_until(lambda: len(workers_of(proc.pid)) == 2, 30, "both workers run")
        yield srv
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _up(srv: Server) -> bool:
    if srv.proc.poll() is not None:
        raise AssertionError(srv.log.read_text())
    try:
        return _get(f"{srv.base}/healthz", timeout=1) == 200
    except OSError:
        return False


def test_workers_forked_from_a_preloaded_app_each_have_their_own_connections(
    server: Server,
) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _get(f"{server.base}/healthz"), range(200)))
    assert statuses == [200] * 200


def test_a_killed_worker_is_replaced_by_a_fork_without_loading_the_app(server: Server) -> None:
    before = workers_of(server.proc.pid)
    assert len(before) == 2
    os.kill(min(before), signal.SIGKILL)
    # Loading the app takes seconds (pandas, scikit-learn); a fork of the loaded master
    # is serving long before that.
    took = wait_until(
        lambda: len(workers_of(server.proc.pid) - before) == 1, 5, "a new worker is forked"
    )
    assert took < 5
    statuses = [_get(f"{server.base}/healthz") for _ in range(20)]
    assert statuses == [200] * 20
    assert "Booting worker" in server.log.read_text()


def test_the_access_log_never_holds_a_clients_token(server: Server) -> None:
    assert _get(f"{server.base}/c/{TOKEN}") == 404
    assert _get(f"{server.base}/me/{TOKEN}?next=%2Fc%2F{TOKEN}") == 404
    assert _get(f"{server.base}/healthz") == 200
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(30)
    log = server.log.read_text()
    assert '"GET /c/…" 404' in log
    assert '"GET /me/…" 404' in log
    assert TOKEN not in log
