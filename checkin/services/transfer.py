"""Import and export: spreadsheets in, full records out (CSV and .xlsx).

Exports neutralise formula injection (a cell starting with = + - @ is prefixed with ').
Imports are all-or-nothing: every row is checked first, and nothing is saved unless all
rows pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    NOTE_MAX_CHARS,
    CheckIn,
    Client,
    Contact,
    Employer,
    Flag,
    Office,
    StaffUser,
)
from checkin.services import audit
from checkin.services import clients as client_service
from checkin.services.errors import ValidationError, _l, _nl

Table = tuple[list[str], list[list[Any]]]

# --- export ------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Make a cell safe to open in a spreadsheet program."""
    if isinstance(value, str) and value.startswith(client_service.FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if hasattr(value, "value") and not isinstance(value, date):
        return value.value  # enums
    if isinstance(value, list):
        return " / ".join(str(r.get("text", "")) for r in value if isinstance(r, dict))
    return value


ENTRY_HEADERS = [
    "client_id",
    "date",
    "mood",
    "fatigue",
    "sleep_hours",
    "sleep_quality",
    "wants_contact",
    "note",
    "channel",
    "created_at",
    "updated_at",
]
FLAG_HEADERS = [
    "client_id",
    "first_date",
    "last_date",
    "kind",
    "severity",
    "score",
    "reasons",
    "status",
    "assignee",
    "acted_by",
    "acted_at",
    "note",
]
CONTACT_HEADERS = ["client_id", "occurred_at", "kind", "staff", "note", "flag_id"]
CLIENT_HEADERS = [
    "client_id",
    "name",
    "name_kana",
    "supporter",
    "backup_supporter",
    "employer",
    "hire_date",
    "service_start",
    "service_end",
    "stage",
    "disclosure",
    "checkin_weekdays",
    "status",
]


def _entries(session: Session, client_ids: Sequence[int]) -> Table:
    rows = [
        [
            e.client_id,
            e.local_date,
            e.mood,
            e.fatigue,
            float(e.sleep_hours) if e.sleep_hours is not None else None,
            e.sleep_quality,
            int(e.wants_contact),
            e.note,
            e.channel,
            e.created_at,
            e.updated_at,
        ]
        for e in session.scalars(
            select(CheckIn)
            .where(CheckIn.client_id.in_(client_ids))
            .order_by(CheckIn.client_id, CheckIn.local_date)
        )
    ]
    return ENTRY_HEADERS, rows


def _flags(session: Session, client_ids: Sequence[int]) -> Table:
    rows = [
        [
            f.client_id,
            f.first_date,
            f.last_date,
            f.kind,
            f.severity,
            f.score,
            f.reasons,
            f.status,
            f.assignee.name if f.assignee else None,
            f.acted_by.name if f.acted_by else None,
            f.acted_at,
            f.note,
        ]
        for f in session.scalars(
            select(Flag).where(Flag.client_id.in_(client_ids)).order_by(Flag.client_id, Flag.id)
        )
    ]
    return FLAG_HEADERS, rows


def _contacts(session: Session, client_ids: Sequence[int]) -> Table:
    rows = [
        [c.client_id, c.occurred_at, c.kind, c.staff.name, c.note, c.flag_id]
        for c in session.scalars(
            select(Contact)
            .where(Contact.client_id.in_(client_ids))
            .order_by(Contact.client_id, Contact.occurred_at)
        )
    ]
    return CONTACT_HEADERS, rows


def _clients(clients: Iterable[Client]) -> Table:
    rows = [
        [
            c.id,
            c.name,
            c.name_kana,
            c.supporter.name if c.supporter else None,
            c.backup_supporter.name if c.backup_supporter else None,
            c.employer.name if c.employer else None,
            c.hire_date,
            c.service_start,
            c.service_end,
            c.stage,
            c.disclosure,
            c.checkin_weekdays,
            c.status,
        ]
        for c in clients
    ]
    return CLIENT_HEADERS, rows


def client_tables(session: Session, client: Client) -> dict[str, Table]:
    return {
        "clients": _clients([client]),
        "entries": _entries(session, [client.id]),
        "flags": _flags(session, [client.id]),
        "contacts": _contacts(session, [client.id]),
    }


def office_tables(session: Session, office: Office) -> dict[str, Table]:
    clients = list(
        session.scalars(select(Client).where(Client.office_id == office.id).order_by(Client.id))
    )
    ids = [c.id for c in clients]
    return {
        "clients": _clients(clients),
        "entries": _entries(session, ids),
        "flags": _flags(session, ids),
        "contacts": _contacts(session, ids),
    }


def to_csv(table: Table) -> bytes:
    headers, rows = table
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow([neutralise(_cell(v)) for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Japanese


def to_xlsx(tables: dict[str, Table]) -> bytes:
    wb = Workbook(write_only=True)
    for name, (headers, rows) in tables.items():
        ws = wb.create_sheet(title=name)
        ws.append(headers)
        for row in rows:
            ws.append([neutralise(_cell(v)) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def record_export(
    session: Session, staff: StaffUser, what: str, fmt: str, client_id: int | None = None
) -> None:
    audit.record(
        session,
        "export",
        office_id=staff.office_id,
        actor=staff,
        client_id=client_id,
        detail={"what": what, "format": fmt},
    )


# --- import ------------------------------------------------------------------------------

# Column names: English, or the Japanese headings of the template.
CLIENT_COLUMNS = {
    "name": "name",
    "名前": "name",
    "name_kana": "name_kana",
    "ふりがな": "name_kana",
    "supporter_login": "supporter_login",
    "担当": "supporter_login",
    "backup_login": "backup_login",
    "副担当": "backup_login",
    "employer": "employer",
    "企業": "employer",
    "hire_date": "hire_date",
    "入社日": "hire_date",
    "service_start": "service_start",
    "支援開始日": "service_start",
    "service_end": "service_end",
    "支援終了日": "service_end",
    "stage": "stage",
    "段階": "stage",
    "disclosure": "disclosure",
    "開示": "disclosure",
    "checkin_weekdays": "checkin_weekdays",
    "曜日": "checkin_weekdays",
    "reminder_time": "reminder_time",
    "リマインド": "reminder_time",
    "channel": "channel_preference",
    "方法": "channel_preference",
}
TEMPLATE_HEADERS = [
    "名前",
    "ふりがな",
    "担当",
    "副担当",
    "企業",
    "入社日",
    "支援開始日",
    "支援終了日",
    "段階",
    "開示",
    "曜日",
    "リマインド",
    "方法",
]
MAX_ROWS = 5000


@dataclass
class RowResult:
    line: int
    name: str
    problems: list[str] = field(default_factory=list)
    data: client_service.ClientData | None = None


@dataclass
class ImportPreview:
    rows: list[RowResult]
    file_problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(not r.problems for r in self.rows)


def read_table(filename: str, content: bytes) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a CSV (UTF-8 or Shift_JIS, as Excel writes) or an .xlsx file."""
    if filename.lower().endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a broken file
            raise ValidationError({"file": _l("Excelファイルとして読めません。")}) from e
        ws = wb.worksheets[0]
        all_rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(
                {"file": _l("文字コードが読めません。UTF-8 か Shift_JIS の CSV にしてください。")}
            )
        all_rows = [list(r) for r in csv.reader(io.StringIO(text))]
    all_rows = [r for r in all_rows if any(v not in (None, "") for v in r)]
    if not all_rows:
        raise ValidationError({"file": _l("ファイルが空です。")})
    header = [str(h or "").strip() for h in all_rows[0]]
    return header, all_rows[1:]


def preview_clients(
    session: Session, office: Office, filename: str, content: bytes
) -> ImportPreview:
    header, rows = read_table(filename, content)
    unknown = [h for h in header if h and h not in CLIENT_COLUMNS]
    keys = [CLIENT_COLUMNS.get(h) for h in header]
    file_problems = []
    if unknown:
        file_problems.append(_l("知らない列があります: %(columns)s", columns=", ".join(unknown)))
    if "name" not in keys:
        file_problems.append(_l("「名前」(name) の列がありません。"))
    if len(rows) > MAX_ROWS:
        file_problems.append(_l("一度に取り込めるのは%(n)d行までです。", n=MAX_ROWS))
    if file_problems:
        return ImportPreview([], file_problems)

    staff = {
        s.login: s.id
        for s in session.scalars(
            select(StaffUser).where(StaffUser.office_id == office.id, StaffUser.active.is_(True))
        )
    }
    employers = {
        e.name: e.id
        for e in session.scalars(select(Employer).where(Employer.office_id == office.id))
    }
    seen: dict[tuple[str, Any], int] = {}
    results = []
    for i, raw in enumerate(rows, start=2):
        rec = {k: v for k, v in zip(keys, raw, strict=False) if k}
        rec = {k: (v.strip() if isinstance(v, str) else v) for k, v in rec.items()}
        result = RowResult(i, str(rec.get("name") or ""))
        for col, target in (
            ("supporter_login", "supporter_id"),
            ("backup_login", "backup_supporter_id"),
        ):
            login = str(rec.pop(col, "") or "").lower()
            if login:
                if login in staff:
                    rec[target] = str(staff[login])
                else:
                    result.problems.append(
                        _l("職員「%(login)s」はこの事業所にいません。", login=login)
                    )
        employer = str(rec.pop("employer", "") or "")
        if employer:
            if employer in employers:
                rec["employer_id"] = str(employers[employer])
            else:
                result.problems.append(
                    _l("企業「%(name)s」が未登録です。先に企業を登録してください。", name=employer)
                )
        if rec.get("checkin_weekdays") in ("", None):
            rec.pop("checkin_weekdays", None)
        elif isinstance(rec.get("checkin_weekdays"), int | float):
            rec["checkin_weekdays"] = str(int(rec["checkin_weekdays"])).zfill(1)
        try:
            data = client_service.ClientData.parse(rec)
            client_service.check(session, office.id, data, client_id=None)
            key = (data.name, data.hire_date)
            if key in seen:
                result.problems.append(_l("%(line)s行目と同じ利用者です。", line=seen[key]))
            seen.setdefault(key, i)
            result.data = data
        except ValidationError as e:
            result.problems.extend(e.errors.values())
        results.append(result)
    return ImportPreview(results, [])


def import_clients(
    session: Session, office: Office, preview: ImportPreview, *, actor: StaffUser
) -> list[Client]:
    """Save every row of a clean preview, or nothing."""
    if not preview.ok:
        raise ValidationError({"file": _l("問題のある行があるので、取り込みませんでした。")})
    saved = [
        client_service.save_client(session, office.id, r.data, actor=actor)
        for r in preview.rows
        if r.data is not None
    ]
    audit.record(
        session, "import.clients", office_id=office.id, actor=actor, detail={"rows": len(saved)}
    )
    return saved


# --- past check-ins ----------------------------------------------------------------------


@dataclass
class HistoryPreview:
    rows: int
    clients: int
    first: date | None
    last: date | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and self.rows > 0


MAX_PROBLEMS = 20
IMPORT_CHUNK = 5000


def _history_frame(
    session: Session, office: Office, filename: str, content: bytes, today: date
) -> tuple[Any, list[str]]:
    """The validated entries of an ENTRIES.csv upload (the backtest's format) and every
    problem found, each naming its line."""
    import pathlib
    import re
    import tempfile

    import pandas as pd

    from checkin.signals.backtest import InputError, read_entries_csv

    safe = re.sub(r"[^A-Za-z0-9._-]", "_", pathlib.Path(filename).name) or "entries.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / safe
        path.write_bytes(content)
        try:
            frame = read_entries_csv(path, with_lines=True)
        except InputError as e:
            return None, [str(e)]
    problems: list[str] = []
    own = set(session.scalars(select(Client.id).where(Client.office_id == office.id)))
    for line, cid in frame.loc[~frame["client_id"].isin(own), ["line", "client_id"]].itertuples(
        index=False
    ):
        problems.append(
            _l(
                "%(file)s, line %(line)s: client_id %(id)s はこの事業所の利用者ではありません。",
                file=safe,
                line=line,
                id=cid,
            )
        )
    for col in ("mood", "fatigue"):
        for line in frame.loc[frame[col].isna(), "line"]:
            problems.append(
                _l(
                    "%(file)s, line %(line)s, column '%(column)s': 取り込みには必要です。",
                    file=safe,
                    line=line,
                    column=col,
                )
            )
    long_notes = frame["note"].map(lambda n: isinstance(n, str) and len(n) > NOTE_MAX_CHARS)
    for line in frame.loc[long_notes, "line"]:
        problems.append(
            _l(
                "%(file)s, line %(line)s, column 'note': %(n)d文字までです。",
                file=safe,
                line=line,
                n=NOTE_MAX_CHARS,
            )
        )
    for line in frame.loc[frame["date"] > pd.Timestamp(today), "line"]:
        problems.append(
            _l("%(file)s, line %(line)s, column 'date': 未来の日付です。", file=safe, line=line)
        )
    mine = frame[frame["client_id"].isin(own)]
    if len(mine):
        existing = set(
            session.execute(
                select(CheckIn.client_id, CheckIn.local_date).where(
                    CheckIn.client_id.in_([int(c) for c in mine["client_id"].unique()]),
                    CheckIn.local_date >= mine["date"].min().date(),
                    CheckIn.local_date <= mine["date"].max().date(),
                )
            )
        )
        for line, cid, d in mine[["line", "client_id", "date"]].itertuples(index=False):
            if (int(cid), d.date()) in existing:
                problems.append(
                    _l(
                        "%(file)s, line %(line)s: この日の記録はすでにあります。",
                        file=safe,
                        line=line,
                    )
                )
    return frame, problems


def preview_history(
    session: Session, office: Office, filename: str, content: bytes, *, today: date
) -> HistoryPreview:
    frame, problems = _history_frame(session, office, filename, content, today)
    if frame is None:
        return HistoryPreview(0, 0, None, None, problems)
    return HistoryPreview(
        rows=len(frame),
        clients=int(frame["client_id"].nunique()),
        first=frame["date"].min().date() if len(frame) else None,
        last=frame["date"].max().date() if len(frame) else None,
        problems=problems[:MAX_PROBLEMS]
        + (
            [
                _nl(
                    "ほかに%(num)d件の問題があります。",
                    "ほかに%(num)d件の問題があります。",
                    len(problems) - MAX_PROBLEMS,
                )
            ]
            if len(problems) > MAX_PROBLEMS
            else []
        ),
    )


def history_rows(
    session: Session,
    office: Office,
    filename: str,
    content: bytes,
    *,
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rows to insert for a clean ENTRIES.csv upload; ValidationError otherwise."""
    from checkin.models import Channel

    frame, problems = _history_frame(session, office, filename, content, today)
    if frame is None or problems:
        raise ValidationError({"file": _l("問題のある行があるので、取り込みませんでした。")})
    return [
        {
            "client_id": int(r.client_id),
            "local_date": r.date.date(),
            "mood": int(r.mood),
            "fatigue": int(r.fatigue),
            "sleep_hours": None
            if r.sleep_hours != r.sleep_hours
            else round(float(r.sleep_hours), 1),
            "sleep_quality": None if r.sleep_quality != r.sleep_quality else int(r.sleep_quality),
            "note": r.note if isinstance(r.note, str) and r.note else None,
            "wants_contact": bool(r.wants_contact),
            "channel": Channel.IMPORT,
            "created_at": now,
            "updated_at": now,
        }
        for r in frame.itertuples(index=False)
    ]


def insert_history(
    session: Session,
    office: Office,
    rows: list[dict[str, Any]],
    *,
    filename: str,
    actor: StaffUser,
) -> Iterator[tuple[int, int]]:
    """Insert checked rows chunk by chunk, yielding (done, total) after each chunk; the
    caller commits once at the end, so the import stays all or nothing."""
    from sqlalchemy import insert

    for start in range(0, len(rows), IMPORT_CHUNK):
        session.execute(insert(CheckIn), rows[start : start + IMPORT_CHUNK])
        yield min(start + IMPORT_CHUNK, len(rows)), len(rows)
    audit.record(
        session,
        "import.checkins",
        office_id=office.id,
        actor=actor,
        detail={"rows": len(rows), "file": filename[:200]},
    )


def import_history(
    session: Session,
    office: Office,
    filename: str,
    content: bytes,
    *,
    today: date,
    now: datetime,
    actor: StaffUser,
) -> int:
    """Save every entry of a clean file in one transaction, or nothing."""
    rows = history_rows(session, office, filename, content, today=today, now=now)
    for _ in insert_history(session, office, rows, filename=filename, actor=actor):
        pass
    return len(rows)
