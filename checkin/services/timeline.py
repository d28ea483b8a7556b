"""The client timeline (支援の見える化): a client's answers, usual band, missed days, flags
and contacts over one range, with weekly and monthly averages and answer rates.

Built from four queries whatever the range (the client's entries, the office's entries
behind the usual band, flags, contacts) and computed with numpy on a day axis of at most
91 days (pandas would cost more than the data here); no query per day. The
usual band is the signals engine's own number (:func:`checkin.signals.engine.usual_on`) for
the morning of the range's last day: this morning's (what today's flags were judged
against) or, for a past period (``?end=``), that morning's, computed from the rows stored
now (so an import of older entries made since then shows in it).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from checkin.models import (
    MEETING_KINDS as MEETING_CONTACTS,
)
from checkin.models import (
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    ContactKind,
    EmployerNote,
    EmployerUser,
    Flag,
    StaffUser,
)
from checkin.services.checkins import SIGNAL_ITEMS
from checkin.services.errors import ValidationError, _l
from checkin.services.expected import load_expected, support_start
from checkin.signals.engine import usual_on
from checkin.signals.params import LOOKBACK_DAYS, RECENT_DAYS

# Labels are lazy (the reader's language when shown); build_timeline turns them into plain
# strings, so the page's JSON and /timeline.json carry the language of the request.
RANGES: dict[str, tuple[int, str]] = {
    "week": (7, _l("1週間")),
    "month": (30, _l("1か月")),
    "3m": (91, _l("3か月")),
}
DEFAULT_RANGE = "month"
ITEMS = ("mood", "fatigue", "sleep_hours", "sleep_quality")
ITEM_LABELS = {
    "mood": _l("気分"),
    "fatigue": _l("疲れ"),
    "sleep_hours": _l("睡眠時間"),
    "sleep_quality": _l("眠りの質"),
}
CONTACT_LABELS = {
    ContactKind.CALL: _l("電話"),
    ContactKind.MESSAGE: _l("メッセージ・メール"),
    ContactKind.MEETING: _l("面談 (対面)"),
    ContactKind.VIDEO: _l("面談 (オンライン)"),
    ContactKind.WORKPLACE_VISIT: _l("職場訪問"),
    ContactKind.EMPLOYER: _l("企業への連絡"),
}
MEETINGS = {ContactKind.MEETING, ContactKind.VIDEO, ContactKind.WORKPLACE_VISIT}
SEVERITY_LABELS = {"urgent": _l("緊急"), "high": _l("高"), "watch": _l("注意")}
# Monday first, as date.weekday(); the same list as the rest of the pages.
WEEKDAYS = _l("月,火,水,木,金,土,日")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_range(raw: str | None) -> str:
    """The range key of ``?range=``; anything unknown falls back to the default (a month)."""
    return raw if raw in RANGES else DEFAULT_RANGE


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive: today, or the last day of a past period


def window(end: date, range_key: str) -> Window:
    n, _ = RANGES[parse_range(range_key)]
    return Window(end - timedelta(days=n - 1), end)


def first_day(client: Client) -> date:
    """The earliest day a period may end on: the client's start (service start, else hire
    date, else registration), as the expected days and the morning job count it."""
    return _active_period(client, ZoneInfo(client.office.timezone))[0]


def parse_end(raw: str | None, client: Client, today: date) -> date:
    """The last day of the period asked for by ``?end=YYYY-MM-DD`` (none: today).

    A date that is not one, or one before the client's start or after today, is refused
    with a message rather than moved to the nearest allowed day: a supporter reading a
    period before a meeting must never be shown other dates than the ones they asked for
    without being told.
    """
    if raw is None or raw == "":
        return today
    try:
        end = date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:  # 2026-02-30
        end = None
    if end is None:
        message = _l("期間の終わりの日付は 2026-04-01 の形で指定してください。")
        raise ValidationError({"end": message})
    first = min(first_day(client), today)
    if not first <= end <= today:
        raise ValidationError(
            {
                "end": _l(
                    "期間の終わりの日付は %(first)s から %(today)s までの日にしてください。",
                    first=first.isoformat(),
                    today=today.isoformat(),
                )
            }
        )
    return end


def _r(x: Any, nd: int = 2) -> float | None:
    """JSON-friendly rounded float (None for NaN)."""
    if x is None or np.isnan(x):
        return None
    return round(float(x), nd)


def _labels() -> Any:
    from checkin.services import labels  # labels reads this module's tables

    return labels


def _meeting_detail(c: Contact) -> str:
    """A meeting's place, who attended and why it was by video, in one line."""
    lab = _labels()
    parts = []
    if c.place:
        parts.append(str(_l("場所: %(place)s", place=c.place)))
    if c.attendees:
        who = str(lab.SEPARATOR).join(lab.ATTENDEES.label(a) for a in c.attendees)
        if c.employer_attendee:
            who += f" ({c.employer_attendee})"
        parts.append(str(_l("出席: %(who)s", who=who)))
    if c.video_reason:
        parts.append(str(_l("オンラインの理由: %(reason)s", reason=c.video_reason)))
    return " ".join(parts)


def _label(d: date, weekdays: list[str]) -> str:
    return f"{d.month}/{d.day} ({weekdays[d.weekday()]})"


def _active_period(client: Client, tz: ZoneInfo) -> tuple[date, date | None]:
    return support_start(client, tz), client.service_end


class BandCache:
    """The office's usuals of one morning, kept for the next views (a small LRU).

    The usual is computed from entries 14 to 56 days old, the same for every view of the
    day, but it needs the whole office's rows (the office-wide fallback): a supporter
    opening several clients of their office in a morning pays for it once. Entries of
    that window changed during the day (a history import) show from the next morning,
    like the morning job's own usual. Keys are (office, morning of the band, day of the
    view): a past period's band (``?end=``) is its own entry and follows the same rule.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._data: OrderedDict[tuple[int, date, date], pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, date, date]) -> pd.DataFrame | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple[int, date, date], value: pd.DataFrame) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


def usual_band(
    session: Session,
    client: Client,
    morning: date,
    cache: BandCache | None = None,
    today: date | None = None,
) -> dict[str, dict[str, Any]]:
    """The client's usual and spread per item on ``morning``, computed by the signals
    engine over the same rows the morning job reads (the office's active clients' entries
    of the 8 weeks before; the office's values weigh in while the client has few entries).

    ``today`` (default: ``morning``) is the day the band is computed: cached bands are
    kept per office, morning and day of viewing, so a past morning's band, like this
    morning's, shows entries imported since from the next day on."""
    key = (client.office_id, morning, today or morning)
    cached = cache.get(key) if cache is not None else None
    if cached is not None and client.id in cached.index:
        return _band_of(cached.loc[[client.id]])
    active = client.status == ClientStatus.ACTIVE
    since = morning - timedelta(days=LOOKBACK_DAYS)
    until = morning - timedelta(days=RECENT_DAYS)  # the engine's base window ends here
    stmt = (
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            *SIGNAL_ITEMS,
        )
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            or_(
                Client.id == client.id,
                and_(Client.office_id == client.office_id, Client.status == ClientStatus.ACTIVE),
            ),
            CheckIn.local_date >= since,
            CheckIn.local_date < until,
        )
    )
    # The driver's plain tuples (a hundred clients' six weeks): no per-row ORM processing.
    rows = session.connection().execute(stmt).cursor.fetchall()
    # Straight to typed arrays (dates: ISO strings on SQLite, dates on PostgreSQL).
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    entries = pd.DataFrame(
        {
            "client_id": np.array(cols[0], dtype=np.int64),
            "date": np.array(cols[1], dtype="datetime64[D]").astype("datetime64[s]"),
            **{item: np.array(c, dtype=float) for item, c in zip(ITEMS, cols[2:], strict=True)},
        }
    )
    # Clients with no entries in the window add nothing to the office's values: the frame
    # only needs every client who answered, plus this one.
    ids = pd.unique(np.append(entries["client_id"].to_numpy(dtype=np.int64), client.id))
    u = usual_on(entries, pd.DataFrame({"client_id": ids}), morning).set_index("client_id")
    if cache is not None and active:  # an inactive client's rows joined this computation
        cache.put(key, u)
    return _band_of(u.loc[[client.id]])


def _band_of(mine: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item, usual, spread, n in zip(
        mine["item"], mine["usual"], mine["spread"], mine["n"], strict=True
    ):
        out[str(item)] = {
            "usual": _r(usual),
            "spread": _r(spread),
            "low": _r(usual - spread),
            "high": _r(usual + spread),
            "own_entries": int(n),
        }
    return out


def _summary(
    label: str,
    idx: np.ndarray,
    first: date,
    last: date,
    values: dict[str, np.ndarray],
    answered: np.ndarray,
    counted: np.ndarray,
    missed: np.ndarray,
) -> dict[str, Any]:
    out: dict[str, Any] = {"label": label, "start": first.isoformat(), "end": last.isoformat()}
    for item, v in values.items():
        part = v[idx]
        ok = ~np.isnan(part)
        out[item] = _r(part[ok].sum() / ok.sum()) if ok.any() else None
    n_counted = int(counted[idx].sum())
    out["answered"] = int(answered[idx].sum())
    out["expected"] = n_counted
    out["missed"] = int(missed[idx].sum())
    out["rate"] = _r((answered & counted)[idx].sum() / n_counted, 3) if n_counted else None
    return out


def build_timeline(
    session: Session,
    client: Client,
    today: date,
    range_key: str | None,
    band_cache: BandCache | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Everything the timeline shows for ``client`` over the range ending ``end`` (a day
    checked by :func:`parse_end`; default ``today``), with the links to the period before
    and after (``prev_end`` / ``next_end``, None at the client's start and at today)."""
    key = parse_range(range_key)
    end = today if end is None else end
    w = window(end, key)
    tz = ZoneInfo(client.office.timezone)
    n = (w.end - w.start).days + 1
    day_list = [w.start + timedelta(days=i) for i in range(n)]
    weekdays = str(WEEKDAYS).split(",")

    # --- the client's entries of the range (one query), on a day axis
    values = {item: np.full(n, np.nan) for item in ITEMS}
    answered = np.zeros(n, dtype=bool)
    by_day: dict[int, Any] = {}
    for row in session.execute(
        select(
            CheckIn.local_date,
            *SIGNAL_ITEMS,
            CheckIn.wants_contact,
            CheckIn.note,
        ).where(
            CheckIn.client_id == client.id,
            CheckIn.local_date >= w.start,
            CheckIn.local_date <= w.end,
        )
    ):
        i = (row[0] - w.start).days
        answered[i] = True
        for item, v in zip(ITEMS, row[1:5], strict=True):
            values[item][i] = np.nan if v is None else float(v)
        by_day[i] = row

    # --- expected days (workdays in the active period) and missed ones
    pos = np.arange(n)
    weekday = (w.start.weekday() + pos) % 7
    ordinal = w.start.toordinal() + pos
    # As the morning signals: from the first day the client could answer, office closed
    # days not counted (one query: the closed days of the range with the client's firsts).
    active_from, _ = _active_period(client, tz)
    exp = load_expected(session, client, w.start, w.end, today)
    expected = np.isin(weekday, list(exp.weekdays)) & (ordinal >= exp.first.toordinal())
    if exp.last is not None:
        expected &= ordinal <= exp.last.toordinal()
    if exp.closed:
        expected &= ~np.isin(ordinal, [d.toordinal() for d in exp.closed])
    before_today = ordinal < today.toordinal()  # today is not missed yet: may still answer
    missed = expected & ~answered & before_today
    counted = expected & (before_today | answered)

    # --- flags and contacts (one query each)
    flags = session.scalars(
        select(Flag)
        .where(Flag.client_id == client.id, Flag.first_date <= w.end, Flag.last_date >= w.start)
        .order_by(Flag.first_date, Flag.id)
    ).all()
    lo = datetime.combine(w.start, time(0), tz).astimezone(UTC)
    hi = datetime.combine(w.end + timedelta(days=1), time(0), tz).astimezone(UTC)
    contact_rows = session.execute(
        select(Contact, func.coalesce(StaffUser.name, ""))
        .join(StaffUser, StaffUser.id == Contact.staff_id)
        .where(Contact.client_id == client.id, Contact.occurred_at >= lo, Contact.occurred_at < hi)
        .order_by(Contact.occurred_at)
    ).all()
    flag_list: list[dict[str, Any]] = [
        {
            "id": f.id,
            "date": max(f.first_date, w.start).isoformat(),
            "first_date": f.first_date.isoformat(),
            "last_date": min(f.last_date, w.end).isoformat(),
            "severity": f.severity.value,
            "severity_label": str(SEVERITY_LABELS[f.severity.value]),
            "kind": f.kind,
            "status": f.status.value,
            "reasons": " / ".join(str(r.get("text", "")) for r in f.reasons),
        }
        for f in flags
    ]
    contact_list: list[dict[str, Any]] = [
        {
            "id": c.id,
            "date": c.occurred_at.astimezone(tz).date().isoformat(),
            "time": c.occurred_at.astimezone(tz).strftime("%H:%M"),
            "kind": c.kind.value,
            "label": str(CONTACT_LABELS[c.kind]),
            "meeting": c.kind in MEETINGS,
            "staff": staff_name,
            "note": c.note or "",
            "flag_id": c.flag_id,
            "detail": _meeting_detail(c) if c.kind in MEETING_CONTACTS else "",
        }
        for c, staff_name in contact_rows
    ]
    # --- what the employer side wrote (concerns, the monthly answer): one query
    employer_list: list[dict[str, Any]] = [
        {
            "id": n.id,
            "date": n.local_date.isoformat(),
            "time": n.created_at.astimezone(tz).strftime("%H:%M"),
            "kind": n.kind.value,
            "label": str(_l("勤め先から: %(kind)s", kind=_labels().EMPLOYER_NOTE_KINDS[n.kind])),
            "topic": _labels().CONCERN_TOPICS.label(n.topic) if n.topic else "",
            "author": author,
            "text": n.text,
        }
        for n, author in session.execute(
            select(EmployerNote, EmployerUser.name)
            .join(EmployerUser, EmployerUser.id == EmployerNote.employer_user_id)
            .where(
                EmployerNote.client_id == client.id,
                EmployerNote.local_date >= w.start,
                EmployerNote.local_date <= w.end,
            )
            .order_by(EmployerNote.created_at, EmployerNote.id)
        )
    ]
    employer_by_day: dict[str, list[dict[str, Any]]] = {}
    for note in employer_list:
        employer_by_day.setdefault(note["date"], []).append(note)
    flags_by_day: dict[str, list[dict[str, Any]]] = {}
    for f in flag_list:
        flags_by_day.setdefault(f["date"], []).append(f)
    contacts_by_day: dict[str, list[dict[str, Any]]] = {}
    for c in contact_list:
        contacts_by_day.setdefault(c["date"], []).append(c)

    # --- each day, and the dated notes (newest first)
    daily = []
    for i, day in enumerate(day_list):
        iso = day.isoformat()
        e = by_day.get(i)
        daily.append(
            {
                "date": iso,
                "label": _label(day, weekdays),
                **{item: _r(values[item][i], 1) for item in ITEMS},
                "answered": bool(answered[i]),
                "expected": bool(expected[i]),
                "missed": bool(missed[i]),
                "wants_contact": bool(e is not None and e.wants_contact),
                "note": ((e.note or "").strip() if e is not None else ""),
                "flags": flags_by_day.get(iso, []),
                "contacts": contacts_by_day.get(iso, []),
                "employer_notes": employer_by_day.get(iso, []),
            }
        )
    notes = [
        {
            "date": d["date"],
            "label": d["label"],
            "text": d["note"],
            "wants_contact": d["wants_contact"],
        }
        for d in reversed(daily)
        if d["note"] or d["wants_contact"]
    ]

    # --- weekly (Monday to Sunday) and monthly averages and answer rates
    def groups(codes: np.ndarray, label: Any) -> list[dict[str, Any]]:
        out = []
        for code in np.unique(codes):
            idx = np.flatnonzero(codes == code)
            if not counted[idx].any() and not answered[idx].any():
                continue  # a weekend or today alone at an edge of the range: nothing to say
            first, last = day_list[idx[0]], day_list[idx[-1]]
            out.append(
                _summary(label(first, last), idx, first, last, values, answered, counted, missed)
            )
        return out

    def month_label(a: date, b: date) -> str:
        if a.day == 1 and (b + timedelta(days=1)).day == 1:  # the whole month
            return str(_l("%(year)d年%(month)d月", year=a.year, month=a.month))
        return str(
            _l(
                "%(year)d年%(month)d月 (%(first)d〜%(last)d日)",
                year=a.year,
                month=a.month,
                first=a.day,
                last=b.day,
            )
        )

    def week_label(a: date, b: date) -> str:
        return str(_l("%(first)s〜%(last)s", first=f"{a.month}/{a.day}", last=f"{b.month}/{b.day}"))

    weeks = groups(ordinal - weekday, week_label)
    months = groups(np.array([d.year * 12 + d.month for d in day_list]), month_label)
    total = _summary(str(_l("期間全体")), pos, w.start, w.end, values, answered, counted, missed)
    # Paging: the period just before (not past the client's start) and just after (up to
    # today, where the link is left out).
    prev_end = w.start - timedelta(days=1) if w.start > active_from else None
    next_end = None if w.end >= today else min(w.end + timedelta(days=n), today)

    return {
        "client_id": client.id,
        "range": key,
        "range_label": str(RANGES[key][1]),
        "ranges": [{"key": k, "label": str(v[1])} for k, v in RANGES.items()],
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "today": today.isoformat(),
        "prev_end": prev_end.isoformat() if prev_end else None,
        "next_end": next_end.isoformat() if next_end else None,
        "items": {item: str(ITEM_LABELS[item]) for item in ITEMS},
        "usual": usual_band(session, client, w.end, band_cache, today),
        "usual_as_of": w.end.isoformat(),
        "days": daily,
        "missed": [d["date"] for d in daily if d["missed"]],
        "flags": flag_list,
        "contacts": contact_list,
        "employer_notes": employer_list,
        "notes": notes,
        "weeks": weeks,
        "months": months,
        "total": total,
    }
