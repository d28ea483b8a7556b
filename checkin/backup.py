"""Backup and restore of the whole database (``checkin backup PATH`` / ``checkin restore PATH``).

SQLite: the sqlite3 online backup API, page by page from a consistent snapshot, so the
service may keep running during a backup. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore --clean --if-exists --single-transaction`` (the PostgreSQL client programs,
found on ``PATH``, in ``CHECKIN_PG_BIN_DIR`` or in Debian's ``/usr/lib/postgresql/<v>/bin``).

A backup file holds every client's health data: it is written with mode 0600 and
replaces an older file at the same path only once complete. A restore replaces the
database's content; stop the web app and the scheduler first, and run ``checkin init-db``
afterwards when the backup is from an older version (``restore`` does it).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

PG_BIN_ENV = "CHECKIN_PG_BIN_DIR"
DEBIAN_PG_DIRS = Path("/usr/lib/postgresql")
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that could not be done (the message says why and what to do)."""


@dataclass(frozen=True)
class Done:
    backend: str
    path: Path
    size: int


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def backup(url: str, path: str | Path) -> Done:
    """Write a backup of the database at ``url`` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    backend = backend_of(url)
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_file(url), tmp)
        else:
            _pg_backup(make_url(url), tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return Done(backend, path, path.stat().st_size)


def restore(url: str, path: str | Path) -> Done:
    """Replace the content of the database at ``url`` by the backup at ``path``, then bring
    its schema up to this version (Alembic)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    backend = backend_of(url)
    with path.open("rb") as f:
        head = f.read(16)
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup (made by `checkin backup`)")
        _sqlite_restore(path, _sqlite_file(url))
    else:
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(
                f"{path} is not a PostgreSQL custom-format dump (made by `checkin backup`)"
            )
        _pg_restore(make_url(url), path)
    from checkin.migrate import upgrade

    upgrade(url)
    return Done(backend, path, path.stat().st_size)


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # a single self-contained file: no -wal beside it
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup_file} is damaged (SQLite integrity check failed)")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # replaces every page of the target, in one locked step
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: ``CHECKIN_PG_BIN_DIR``, else the newest
    of Debian's ``/usr/lib/postgresql/<version>/bin`` (a newer pg_dump reads older servers;
    an older one refuses a newer server), else ``PATH``."""
    chosen = os.environ.get(PG_BIN_ENV)
    if chosen:
        candidate = Path(chosen) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"{name} not found in {PG_BIN_ENV}={chosen}")
    versions = []
    if DEBIAN_PG_DIRS.is_dir():
        for d in DEBIAN_PG_DIRS.iterdir():
            tool = d / "bin" / name
            if re.fullmatch(r"\d+", d.name) and os.access(tool, os.X_OK):
                versions.append((int(d.name), str(tool)))
    if versions:
        return max(versions)[1]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} was not found: install the PostgreSQL client programs of the server's"
        " version or newer (Debian/Ubuntu: apt-get install postgresql-client), or set"
        f" {PG_BIN_ENV} to the directory that holds {name}"
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URI (no password) and the environment carrying the password
    (never on the command line, where `ps` shows it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, umask=0o077)
    except OSError as e:
        raise BackupError(f"could not run {args[0]}: {e}") from e
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} failed: {' '.join(lines[-3:])}")


def _pg_backup(url: URL, target: Path) -> None:
    uri, env = _libpq(url)
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", uri], env)


def _pg_restore(url: URL, backup_file: Path) -> None:
    uri, env = _libpq(url)
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(backup_file),
        ],
        env,
    )
