"""Import and export: spreadsheets in, full records out (CSV and .xlsx).

Exports come in two forms. The **Japanese** one is for people: Japanese column headers, the
client's name beside the id, labels instead of codes (調整期, オープン就労, 月火水木金), dates
and times in the office's time zone (real date cells in .xlsx). The **machine-readable** one
is for other programs: code headers, codes, ISO dates and UTC ISO timestamps. Both
neutralise formula injection (a cell starting with = + - @ is prefixed with '), and both can
be imported again.

Imports read what Japanese offices keep: CSV (UTF-8 or Shift_JIS) or the first sheet of an
.xlsx; the Japanese or the code headers; labels or codes; 2026/6/1, 2026年6月1日, 令和 dates
and Excel date cells; 「月火水木金」 weekdays; supporters by name or login. A value Excel may
have mangled (weekday codes turned into a number) is refused, never guessed. Imports are
all-or-nothing: every row is checked first, and nothing is saved unless all rows pass.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    NOTE_MAX_CHARS,
    Attendee,
    AuditEvent,
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    Employer,
    Flag,
    Office,
    StaffUser,
)
from checkin.services import audit, cells
from checkin.services import clients as client_service
from checkin.services import labels as L
from checkin.services.errors import ValidationError, _l, _nl

Table = tuple[list[str], list[list[Any]]]
JAPANESE, MACHINE = "ja", "machine"
VARIANTS = (JAPANESE, MACHINE)


@dataclass(frozen=True)
class Column:
    """One column of a file: the key the code uses, its machine-readable header, its
    label (the Japanese export's header: files keep Japanese headers whatever the reader's
    language; messages name the column in the reader's language) and other headers an
    import accepts."""

    key: str
    code: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        with force_locale("ja"):
            return str(self.label)


def _col(key: str, label: str, *aliases: str, code: str | None = None) -> Column:
    return Column(key, code or key, label, aliases)


CLIENT_COLUMNS = [
    _col("client_id", _l("利用者ID"), "id", "利用者番号"),
    _col("name", _l("名前"), "氏名", "利用者名"),
    _col("name_kana", _l("ふりがな"), "フリガナ", "よみがな"),
    _col("supporter", _l("担当"), "supporter_login", "担当者", "担当職員"),
    _col("backup", _l("副担当"), "backup_login", "副担当者", code="backup_supporter"),
    _col("employer", _l("企業"), "企業名", "就職先"),
    _col("hire_date", _l("入社日")),
    _col("service_start", _l("支援開始日")),
    _col("service_end", _l("支援終了日")),
    _col("stage", _l("段階"), "支援の段階"),
    _col("disclosure", _l("開示"), "オープン/クローズ"),
    _col("checkin_weekdays", _l("曜日"), "記録する曜日"),
    _col("reminder_time", _l("リマインド"), "リマインドの時刻"),
    _col("channel_preference", _l("方法"), "channel_preference", "記録の方法", code="channel"),
    _col("status", _l("状態")),
]
ENTRY_COLUMNS = [
    _col("client_id", _l("利用者ID"), "id", "利用者番号"),
    _col("name", _l("名前"), "氏名", "利用者名"),
    _col("date", _l("日付"), "記録日"),
    _col("mood", _l("気分")),
    _col("fatigue", _l("疲れ"), "疲労"),
    _col("sleep_hours", _l("睡眠時間")),
    _col("sleep_quality", _l("眠りの質"), "睡眠の質"),
    _col("wants_contact", _l("相談したい")),
    _col("note", _l("メモ"), "ひとこと"),
    _col("channel", _l("方法")),
    _col("created_at", _l("記録日時")),
    _col("updated_at", _l("更新日時")),
]
FLAG_COLUMNS = [
    _col("client_id", _l("利用者ID")),
    _col("name", _l("名前")),
    _col("first_date", _l("最初の日")),
    _col("last_date", _l("最後の日")),
    _col("kind", _l("種類")),
    _col("severity", _l("緊急度")),
    _col("score", _l("スコア")),
    _col("reasons", _l("理由")),
    _col("status", _l("状態")),
    _col("assignee", _l("担当")),
    _col("acted_by", _l("対応した職員")),
    _col("acted_at", _l("対応日時")),
    _col("note", _l("メモ")),
]
CONTACT_COLUMNS = [
    _col("client_id", _l("利用者ID")),
    _col("name", _l("名前")),
    _col("occurred_at", _l("日時")),
    _col("kind", _l("種類")),
    _col("staff", _l("職員")),
    _col("note", _l("メモ")),
    _col("flag_id", _l("アラートID")),
    # A meeting's details (empty for other kinds).
    _col("place", _l("場所")),
    _col("attendees", _l("出席した人")),
    _col("employer_attendee", _l("企業の方の名前")),
    _col("video_reason", _l("オンラインにした理由")),
]
# The sheets of a full export: URL key, Japanese sheet name.
SHEETS = {"clients": "利用者", "entries": "記録", "flags": "アラート", "contacts": "連絡"}

# --- export ------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """Make a cell safe to open in a spreadsheet program."""
    if isinstance(value, str) and value.startswith(client_service.FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` when a file exported here comes back."""
    if value.startswith("'") and value[1:].startswith(client_service.FORMULA_PREFIXES):
        return value[1:]
    return value


# How each kind of value is written, per variant.
CODED: dict[str, L.Labels[Any]] = {
    "stage": L.STAGES,
    "disclosure": L.DISCLOSURES,
    "channel": L.CHANNELS,
    "channel_preference": L.CHANNELS,
    "client_status": L.CLIENT_STATUSES,
    "flag_status": L.FLAG_STATUSES,
    "severity": L.SEVERITIES,
    "flag_kind": L.FLAG_KINDS,
    "contact_kind": L.CONTACT_KINDS,
}


class Writer:
    """Turns stored values into the cells of one export variant."""

    def __init__(self, variant: str, timezone: str) -> None:
        self.variant = variant
        self.zone = ZoneInfo(timezone)

    @property
    def japanese(self) -> bool:
        return self.variant == JAPANESE

    def headers(self, columns: Sequence[Column]) -> list[str]:
        return [c.header if self.japanese else c.code for c in columns]

    def coded(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        return CODED[kind].japanese(value) if self.japanese else getattr(value, "value", value)

    def when(self, value: datetime | None) -> Any:
        """A timestamp: the office's local time (Japanese), or UTC ISO 8601 (machine)."""
        if value is None:
            return None
        if value.tzinfo is None:  # stored as UTC
            value = value.replace(tzinfo=UTC)
        if self.japanese:
            return value.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def day(self, value: date | None) -> Any:
        if value is None:
            return None
        return value if self.japanese else value.isoformat()

    def weekdays(self, codes: str) -> str:
        return L.weekdays_label(codes) if self.japanese else codes

    def yes(self, value: bool) -> Any:
        return ("はい" if value else "") if self.japanese else int(value)

    def clock(self, value: time | None) -> str | None:
        return value.strftime("%H:%M") if value is not None else None

    def attendees(self, codes: list[str] | None) -> str | None:
        """「本人・支援員」 (Japanese) or "client,supporter" (machine)."""
        if not codes:
            return None
        if not self.japanese:
            return ",".join(codes)
        return "・".join(L.ATTENDEES.japanese(Attendee(c)) for c in codes)

    def staff(self, person: StaffUser | None) -> str | None:
        if person is None:
            return None
        return person.name if self.japanese else person.login


def _reasons(value: Any) -> str:
    if isinstance(value, list):
        return " / ".join(str(r.get("text", "")) for r in value if isinstance(r, dict))
    return str(value or "")


def _entries(
    session: Session, w: Writer, client_ids: Sequence[int], names: dict[int, str]
) -> Table:
    rows = [
        [
            e.client_id,
            names.get(e.client_id),
            w.day(e.local_date),
            e.mood,
            e.fatigue,
            float(e.sleep_hours) if e.sleep_hours is not None else None,
            e.sleep_quality,
            w.yes(e.wants_contact),
            e.note,
            w.coded("channel", e.channel),
            w.when(e.created_at),
            w.when(e.updated_at),
        ]
        for e in session.scalars(
            select(CheckIn)
            .where(CheckIn.client_id.in_(client_ids))
            .order_by(CheckIn.client_id, CheckIn.local_date)
        )
    ]
    return w.headers(ENTRY_COLUMNS), rows


def _flags(session: Session, w: Writer, client_ids: Sequence[int], names: dict[int, str]) -> Table:
    rows = [
        [
            f.client_id,
            names.get(f.client_id),
            w.day(f.first_date),
            w.day(f.last_date),
            w.coded("flag_kind", f.kind),
            w.coded("severity", f.severity.value),
            f.score,
            _reasons(f.reasons),
            w.coded("flag_status", f.status),
            w.staff(f.assignee),
            w.staff(f.acted_by),
            w.when(f.acted_at),
            f.note,
        ]
        for f in session.scalars(
            select(Flag).where(Flag.client_id.in_(client_ids)).order_by(Flag.client_id, Flag.id)
        )
    ]
    return w.headers(FLAG_COLUMNS), rows


def _contacts(
    session: Session, w: Writer, client_ids: Sequence[int], names: dict[int, str]
) -> Table:
    rows = [
        [
            c.client_id,
            names.get(c.client_id),
            w.when(c.occurred_at),
            w.coded("contact_kind", c.kind),
            w.staff(c.staff),
            c.note,
            c.flag_id,
            c.place,
            w.attendees(c.attendees),
            c.employer_attendee,
            c.video_reason,
        ]
        for c in session.scalars(
            select(Contact)
            .where(Contact.client_id.in_(client_ids))
            .order_by(Contact.client_id, Contact.occurred_at)
        )
    ]
    return w.headers(CONTACT_COLUMNS), rows


def _clients(w: Writer, clients: Iterable[Client]) -> Table:
    rows = [
        [
            c.id,
            c.name,
            c.name_kana,
            w.staff(c.supporter),
            w.staff(c.backup_supporter),
            c.employer.name if c.employer else None,
            w.day(c.hire_date),
            w.day(c.service_start),
            w.day(c.service_end),
            w.coded("stage", c.stage),
            w.coded("disclosure", c.disclosure),
            w.weekdays(c.checkin_weekdays),
            w.clock(c.reminder_time),
            w.coded("channel_preference", c.channel_preference),
            w.coded("client_status", c.status),
        ]
        for c in clients
    ]
    return w.headers(CLIENT_COLUMNS), rows


def _tables(
    session: Session, office: Office, clients: list[Client], variant: str
) -> dict[str, Table]:
    if variant not in VARIANTS:
        raise ValueError(variant)
    w = Writer(variant, office.timezone)
    ids = [c.id for c in clients]
    names = {c.id: c.name for c in clients}
    return {
        "clients": _clients(w, clients),
        "entries": _entries(session, w, ids, names),
        "flags": _flags(session, w, ids, names),
        "contacts": _contacts(session, w, ids, names),
    }


def client_tables(session: Session, client: Client, variant: str = JAPANESE) -> dict[str, Table]:
    return _tables(session, client.office, [client], variant)


def office_tables(session: Session, office: Office, variant: str = JAPANESE) -> dict[str, Table]:
    clients = list(
        session.scalars(select(Client).where(Client.office_id == office.id).order_by(Client.id))
    )
    return _tables(session, office, clients, variant)


def _text_cell(value: Any, japanese: bool) -> Any:
    """A cell of a CSV; in a Japanese file dates are written as Japanese Excel writes them
    (2026/6/1, 2026/6/1 9:05), else in ISO 8601."""
    if isinstance(value, datetime):
        if not japanese:
            return value.isoformat()
        return f"{value.year}/{value.month}/{value.day} {value.hour}:{value.minute:02d}"
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}" if japanese else value.isoformat()
    return neutralise(value)


def to_csv(table: Table, *, japanese: bool = False) -> bytes:
    headers, rows = table
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow([_text_cell(v, japanese) for v in row])
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Japanese


def to_xlsx(tables: dict[str, Table], sheet_names: dict[str, str] | None = None) -> bytes:
    """One sheet per table; dates and times are real Excel date cells (2026/6/1 9:05)."""
    wb = Workbook(write_only=True)
    for key, (headers, rows) in tables.items():
        ws = wb.create_sheet(title=(sheet_names or {}).get(key, key))
        ws.append(headers)
        for row in rows:
            out: list[Any] = []
            for v in row:
                if isinstance(v, date):
                    c = WriteOnlyCell(ws, value=v)
                    c.number_format = "yyyy/m/d h:mm" if isinstance(v, datetime) else "yyyy/m/d"
                    out.append(c)
                else:
                    out.append(neutralise(v))
            ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_names(variant: str) -> dict[str, str] | None:
    return SHEETS if variant == JAPANESE else None


def record_export(
    session: Session,
    staff: StaffUser,
    what: str,
    fmt: str,
    client_id: int | None = None,
    variant: str = JAPANESE,
) -> None:
    audit.record(
        session,
        "export",
        office_id=staff.office_id,
        actor=staff,
        client_id=client_id,
        detail={"what": what, "format": fmt, "variant": variant},
    )


# --- reading files -----------------------------------------------------------------------

TEMPLATE_HEADERS = [c.header for c in CLIENT_COLUMNS if c.key not in ("client_id", "status")]
MAX_ROWS = 5000  # clients in one upload
MAX_HISTORY_ROWS = 400_000  # entries in one history upload (years of a whole office)


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (line in the file, cells)
    # Saved by Excel: an .xlsx, or a Shift_JIS CSV (what Japanese Excel's 「CSV」 writes);
    # such a file may hold values Excel changed (01234 -> 1234).
    from_excel: bool


def _capped(rows: Iterable[Sequence[Any]], max_rows: int) -> list[list[Any]]:
    """The rows, refused as soon as there are more than ``max_rows`` filled rows after the
    header (or ten times as many rows in all): a small .xlsx may unpack into a million."""
    out: list[list[Any]] = []
    filled = 0
    for r in rows:
        out.append(list(r))
        if any(not cells.is_blank(v) for v in r):
            filled += 1
        if filled > max_rows + 1 or len(out) > 10 * max_rows + 100:
            raise ValidationError(
                {
                    "file": _l(
                        "行が多すぎます。一度に取り込めるのは%(n)d行までです。"
                        "ファイルを分けてください。",
                        n=max_rows,
                    )
                }
            )
    return out


def read_table(
    filename: str, content: bytes, sheet: str | None = None, max_rows: int = MAX_ROWS
) -> Sheet:
    """Header and rows of a CSV (UTF-8 or Shift_JIS, as Excel writes) or an .xlsx file
    (cells keep their types: numbers, dates, text): the sheet a full export names ``sheet``
    (利用者, 記録; or its code name) when the workbook has one, else the first sheet.
    More than ``max_rows`` rows are refused, reading no further."""
    from_excel = filename.lower().endswith(".xlsx")
    if from_excel:
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many kinds for a broken file
            raise ValidationError({"file": _l("Excelファイルとして読めません。")}) from e
        names = {SHEETS[sheet], sheet} if sheet else set()
        ws = next((w for w in wb.worksheets if w.title in names), wb.worksheets[0])
        try:
            all_rows = _capped(ws.iter_rows(values_only=True), max_rows)
        finally:
            wb.close()
    else:
        for encoding in ("utf-8-sig", "cp932"):
            try:
                text = content.decode(encoding)
                from_excel = encoding == "cp932"
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(
                {"file": _l("文字コードが読めません。UTF-8 か Shift_JIS の CSV にしてください。")}
            )
        try:
            all_rows = _capped(csv.reader(io.StringIO(text)), max_rows)
        except csv.Error as e:
            raise ValidationError({"file": _l("CSV として読めません。")}) from e
    numbered = [
        (i, r) for i, r in enumerate(all_rows, start=1) if any(not cells.is_blank(v) for v in r)
    ]
    if not numbered:
        raise ValidationError({"file": _l("ファイルが空です。")})
    for i, r in numbered:  # PostgreSQL cannot store a NUL character; no person types one
        if any(isinstance(v, str) and "\x00" in v for v in r):
            raise ValidationError(
                {"file": _l("%(row)d行目に 使えない文字 (NUL) が入っています。", row=i)}
            )
    header = [str(h if h is not None else "").strip() for h in numbered[0][1]]
    return Sheet(header, numbered[1:], from_excel)


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def map_header(
    header: Sequence[str], columns: Sequence[Column]
) -> tuple[list[str | None], list[str]]:
    """The key of each column of a file's header (None for an empty header) and the
    problems: unknown or repeated columns."""
    lookup: dict[str, str] = {}
    for c in columns:
        for name in (c.key, c.code, c.header, str(c.label), *c.aliases):
            lookup[_header_key(name)] = c.key
    keys = [lookup.get(_header_key(h)) if h else None for h in header]
    problems = []
    unknown = [h for h, k in zip(header, keys, strict=True) if h and k is None]
    if unknown:
        problems.append(_l("知らない列があります: %(columns)s", columns=", ".join(unknown)))
    repeated = sorted({k for k in keys if k and keys.count(k) > 1})
    if repeated:
        labels = {c.key: c.label for c in columns}
        problems.append(
            _l(
                "同じ列が2つあります: %(columns)s",
                columns=", ".join(str(labels[k]) for k in repeated),
            )
        )
    return keys, problems


def _text(value: Any) -> str:
    """A text cell; a whole number Excel stored as a number reads without '.0'."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return "" if value is None else str(value).strip()


def _squash(name: str) -> str:
    """A person's name for comparing: width folded, spaces (also 全角) removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


class StaffFinder:
    """An office's active staff by login or by name (spaces and width ignored)."""

    def __init__(self, staff: Iterable[StaffUser]) -> None:
        self.by_login: dict[str, StaffUser] = {}
        self.by_name: dict[str, list[StaffUser]] = {}
        for s in staff:
            self.by_login[s.login.lower()] = s
            self.by_name.setdefault(_squash(s.name), []).append(s)

    def find(self, value: str) -> StaffUser:
        login = unicodedata.normalize("NFKC", value).strip().lower()
        if login in self.by_login:
            return self.by_login[login]
        named = self.by_name.get(_squash(value), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise cells.CellError(
                _l(
                    "「%(name)s」という名前の職員が%(n)d人います。"
                    "ログインIDで入れてください (%(logins)s)。",
                    name=value,
                    n=len(named),
                    logins=", ".join(sorted(s.login for s in named)),
                )
            )
        raise cells.CellError(
            _l(
                "職員「%(login)s」はこの事業所にいません。",
                login=value,
            )
        )


def _problem(column: Column, message: str) -> str:
    return _l("%(column)s: %(problem)s", column=column.label, problem=message)


def _coded(labels: L.Labels[Any], value: Any) -> Any:
    found = labels.parse(value)
    if found is None:
        raise cells.CellError(
            _l(
                "「%(value)s」は使えません。使えるのは %(allowed)s です。",
                value=_text(value),
                allowed=labels.allowed(),
            )
        )
    return found


# --- clients -----------------------------------------------------------------------------


@dataclass
class RowResult:
    line: int
    name: str
    problems: list[str] = field(default_factory=list)
    data: client_service.ClientData | None = None
    status: ClientStatus = ClientStatus.ACTIVE
    # How the row was read, in words, so a person can check it before saving.
    summary: str = ""


@dataclass
class ImportPreview:
    rows: list[RowResult]
    file_problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(not r.problems for r in self.rows)


COLUMN = {c.key: c for c in CLIENT_COLUMNS}


def _client_row(
    line: int,
    rec: dict[str, Any],
    *,
    staff: StaffFinder,
    employers: dict[str, int],
    from_excel: bool,
) -> tuple[RowResult, dict[str, Any]]:
    """Read one row into the strings ClientData.parse takes; each problem names its column."""
    result = RowResult(line, _text(rec.get("name")))
    out: dict[str, Any] = {"name": _text(rec.get("name")), "name_kana": _text(rec.get("name_kana"))}
    shown: list[str] = []

    def read(key: str, reader: Callable[[Any], Any]) -> Any:
        value = rec.get(key)
        if cells.is_blank(value):
            return None
        try:
            return reader(value)
        except cells.CellError as e:
            result.problems.append(_problem(COLUMN[key], e.message))
            return None

    for key, target in (("supporter", "supporter_id"), ("backup", "backup_supporter_id")):
        person = read(key, lambda v: staff.find(_text(v)))
        if person is not None:
            out[target] = str(person.id)
            shown.append(f"{COLUMN[key].label} {person.name}")
    employer = _text(rec.get("employer"))
    if employer:
        if employer in employers:
            out["employer_id"] = str(employers[employer])
        else:
            result.problems.append(
                _l("企業「%(name)s」が未登録です。先に企業を登録してください。", name=employer)
            )
    for key in ("hire_date", "service_start", "service_end"):
        out[key] = read(key, cells.parse_date)
    coded: list[tuple[str, L.Labels[Any]]] = [
        ("stage", L.STAGES),
        ("disclosure", L.DISCLOSURES),
        ("channel_preference", L.CHANNEL_PREFERENCES),
    ]
    for key, labels in coded:
        found = read(key, functools.partial(_coded, labels))
        if found is not None:
            out[key] = found.value
            shown.append(str(labels[found]))
    status = read("status", lambda v: _coded(L.CLIENT_STATUSES, v))
    if status is not None:
        result.status = status
        if status != ClientStatus.ACTIVE:
            shown.append(str(L.CLIENT_STATUSES[status]))

    def weekdays(value: Any) -> str:
        codes = cells.parse_weekdays(value)
        text = _text(value)
        if from_excel and text.isdigit() and "0" not in text:
            # Excel opens a CSV and turns 01234 into 1234: Monday would be lost.
            raise cells.CellError(
                _l(
                    "曜日「%(value)s」は Excel が先頭の 0 (月曜日) を消したおそれがあるので"
                    "取り込みません。「月火水木金」のように曜日の文字で入れてください。",
                    value=text,
                )
            )
        return codes

    codes = read("checkin_weekdays", weekdays)
    if codes is not None:
        out["checkin_weekdays"] = codes
    elif "checkin_weekdays" in rec and not cells.is_blank(rec["checkin_weekdays"]):
        out["checkin_weekdays"] = ""  # refused above; parse must not default to Mon-Fri
    if codes is not None or cells.is_blank(rec.get("checkin_weekdays")):
        shown.append(L.weekdays_shown(codes or "01234"))  # blank: Monday to Friday
    reminder = read("reminder_time", cells.parse_time)
    if reminder is not None:
        out["reminder_time"] = reminder.strftime("%H:%M")
    result.summary = str(L.SEPARATOR).join(shown)
    return result, out


def preview_clients(
    session: Session, office: Office, filename: str, content: bytes
) -> ImportPreview:
    sheet = read_table(filename, content, "clients", MAX_ROWS)
    keys, file_problems = map_header(sheet.header, CLIENT_COLUMNS)
    if "name" not in keys:
        file_problems.append(_l("「名前」(name) の列がありません。"))
    if len(sheet.rows) > MAX_ROWS:
        file_problems.append(_l("一度に取り込めるのは%(n)d行までです。", n=MAX_ROWS))
    if file_problems:
        return ImportPreview([], file_problems)

    staff = StaffFinder(
        session.scalars(
            select(StaffUser).where(StaffUser.office_id == office.id, StaffUser.active.is_(True))
        )
    )
    employers = {
        e.name: e.id
        for e in session.scalars(select(Employer).where(Employer.office_id == office.id))
    }
    seen: dict[tuple[str, Any], int] = {}
    results = []
    for line, raw in sheet.rows:
        rec = {k: v for k, v in zip(keys, raw, strict=False) if k and k != "client_id"}
        result, parsed = _client_row(
            line, rec, staff=staff, employers=employers, from_excel=sheet.from_excel
        )
        try:
            data = client_service.ClientData.parse(parsed)
        except ValidationError as e:
            # Keep only what the cell readers above have not already said.
            if not result.problems:
                result.problems.extend(e.errors.values())
            else:
                result.problems.extend(v for k, v in e.errors.items() if k in ("name", "name_kana"))
        else:
            if not result.problems:
                try:
                    client_service.check(session, office.id, data, client_id=None)
                    key = (data.name, data.hire_date)
                    if key in seen:
                        result.problems.append(_l("%(line)s行目と同じ利用者です。", line=seen[key]))
                    seen.setdefault(key, line)
                    result.data = data
                except ValidationError as e:
                    result.problems.extend(e.errors.values())
        results.append(result)
    return ImportPreview(results, [])


def import_clients(
    session: Session, office: Office, preview: ImportPreview, *, actor: StaffUser
) -> tuple[list[Client], AuditEvent]:
    """Save every row of a clean preview, or nothing. The audit event (its id names the
    import's result page) lists the clients it created."""
    if not preview.ok:
        raise ValidationError({"file": _l("問題のある行があるので、取り込みませんでした。")})
    saved = []
    for r in preview.rows:
        if r.data is None:
            continue
        c = client_service.save_client(session, office.id, r.data, actor=actor)
        c.status = r.status
        saved.append(c)
    session.flush()
    event = audit.record(
        session,
        "import.clients",
        office_id=office.id,
        actor=actor,
        detail={"rows": len(saved), "client_ids": [c.id for c in saved]},
    )
    session.flush()
    return saved, event


def imported_clients(session: Session, office: Office, event_id: int) -> list[Client] | None:
    """The clients one import created (in file order), or None when ``event_id`` is not
    a client import of this office. Clients deleted since are left out."""
    event = session.get(AuditEvent, event_id)
    if event is None or event.office_id != office.id or event.action != "import.clients":
        return None
    ids = [int(i) for i in (event.detail or {}).get("client_ids", [])]
    found = {
        c.id: c
        for c in session.scalars(
            select(Client).where(Client.office_id == office.id, Client.id.in_(ids))
        )
    }
    return [found[i] for i in ids if i in found]


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
ENTRY = {c.key: c for c in ENTRY_COLUMNS}


def _at(line: int, key: str, problem: str) -> str:
    return _l(
        "%(line)d行目「%(column)s」: %(problem)s",
        line=line,
        column=ENTRY[key].label,
        problem=problem,
    )


def _needed(line: int, key: str) -> str:
    return _at(line, key, _l("取り込みには必要です。"))


def _history(
    session: Session, office: Office, filename: str, content: bytes, today: date
) -> tuple[list[dict[str, Any]], list[str]]:
    """The checked entries of an upload and every problem found, each naming its line and
    column. Columns: the Japanese export's or the codes (the backtest's ENTRIES.csv);
    channel and the timestamps of an export are read past (an import is an import)."""
    try:
        sheet = read_table(filename, content, "entries", MAX_HISTORY_ROWS)
    except ValidationError as e:
        return [], list(e.errors.values())
    keys, problems = map_header(sheet.header, ENTRY_COLUMNS)
    missing = [ENTRY[k].label for k in ("date", "mood", "fatigue") if k not in keys]
    if "client_id" not in keys and "name" not in keys:
        missing.insert(0, ENTRY["client_id"].label)
    if missing:
        problems.append(
            _l("必要な列がありません: %(columns)s", columns=", ".join(str(m) for m in missing))
        )
    if problems:
        return [], problems

    own = {
        cid: name
        for cid, name in session.execute(
            select(Client.id, Client.name).where(Client.office_id == office.id)
        )
    }
    by_name: dict[str, list[int]] = {}
    for own_id, own_name in own.items():
        by_name.setdefault(_squash(own_name), []).append(own_id)

    rows: list[dict[str, Any]] = []
    seen: dict[tuple[int, date], int] = {}
    for line, raw in sheet.rows:
        rec = dict(zip(keys, raw, strict=False))
        bad: list[str] = []

        def read(key: str, reader: Callable[[Any], Any], required: bool = False) -> Any:
            value = rec.get(key)  # noqa: B023
            if cells.is_blank(value):
                if required:
                    bad.append(_needed(line, key))  # noqa: B023
                return None
            try:
                return reader(value)
            except cells.CellError as e:
                bad.append(_at(line, key, e.message))  # noqa: B023
                return None

        cid: int | None = read("client_id", lambda v: cells.parse_int(v, 1, 2**62))
        name = _text(rec.get("name"))
        if cid is not None and cid not in own:
            bad.append(
                _l(
                    "%(line)d行目: 利用者ID %(id)s はこの事業所の利用者ではありません。",
                    line=line,
                    id=cid,
                )
            )
            cid = None
        elif cid is not None and name and _squash(name) != _squash(own[cid]):
            bad.append(
                _l(
                    "%(line)d行目: 利用者ID %(id)s は「%(expected)s」さんです"
                    " (ファイルの名前は「%(name)s」)。",
                    line=line,
                    id=cid,
                    expected=own[cid],
                    name=name,
                )
            )
            cid = None
        elif cid is None and not bad and name:  # by name alone, when it names one client
            matches = by_name.get(_squash(name), [])
            if len(matches) == 1:
                cid = matches[0]
            elif matches:
                bad.append(
                    _l(
                        "%(line)d行目: 「%(name)s」という利用者が%(n)d人います。"
                        "利用者IDを入れてください。",
                        line=line,
                        name=name,
                        n=len(matches),
                    )
                )
            else:
                bad.append(
                    _l(
                        "%(line)d行目: 利用者「%(name)s」はこの事業所にいません。",
                        line=line,
                        name=name,
                    )
                )
        elif cid is None and not bad:
            bad.append(_needed(line, "client_id"))
        day = read("date", cells.parse_date, required=True)
        mood = read("mood", lambda v: cells.parse_int(v, 1, 5), required=True)
        fatigue = read("fatigue", lambda v: cells.parse_int(v, 1, 5), required=True)
        sleep = read("sleep_hours", lambda v: cells.parse_float(v, 0, 24))
        quality = read("sleep_quality", lambda v: cells.parse_int(v, 1, 5))
        wants = read("wants_contact", cells.parse_bool)
        note = unneutralise(_text(rec.get("note")))
        if len(note) > NOTE_MAX_CHARS:
            bad.append(_at(line, "note", _l("%(n)d文字までです。", n=NOTE_MAX_CHARS)))
        if day is not None and day > today:
            bad.append(_at(line, "date", _l("未来の日付です。")))
        if cid is not None and day is not None:
            if (cid, day) in seen:
                bad.append(
                    _l(
                        "%(line)d行目: %(first)d行目と同じ利用者・同じ日です。",
                        line=line,
                        first=seen[(cid, day)],
                    )
                )
            seen.setdefault((cid, day), line)
        problems.extend(bad)
        if not bad:
            rows.append(
                {
                    "line": line,
                    "client_id": cid,
                    "local_date": day,
                    "mood": mood,
                    "fatigue": fatigue,
                    "sleep_hours": None if sleep is None else round(sleep, 1),
                    "sleep_quality": quality,
                    "note": note or None,
                    "wants_contact": bool(wants),
                }
            )
    if rows:
        ids = sorted({r["client_id"] for r in rows})
        existing = set(
            session.execute(
                select(CheckIn.client_id, CheckIn.local_date).where(
                    CheckIn.client_id.in_(ids),
                    CheckIn.local_date >= min(r["local_date"] for r in rows),
                    CheckIn.local_date <= max(r["local_date"] for r in rows),
                )
            )
        )
        for r in rows:
            if (r["client_id"], r["local_date"]) in existing:
                problems.append(_l("%(line)d行目: この日の記録はすでにあります。", line=r["line"]))
    return rows, problems


def preview_history(
    session: Session, office: Office, filename: str, content: bytes, *, today: date
) -> HistoryPreview:
    rows, problems = _history(session, office, filename, content, today)
    if problems:
        rows = []
    return HistoryPreview(
        rows=len(rows),
        clients=len({r["client_id"] for r in rows}),
        first=min((r["local_date"] for r in rows), default=None),
        last=max((r["local_date"] for r in rows), default=None),
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
    """The rows to insert for a clean upload; ValidationError otherwise."""
    rows, problems = _history(session, office, filename, content, today)
    if problems or not rows:
        raise ValidationError({"file": _l("問題のある行があるので、取り込みませんでした。")})
    for r in rows:
        del r["line"]
        r.update(channel=Channel.IMPORT, created_at=now, updated_at=now)
    return rows


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
