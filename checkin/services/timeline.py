"""The client timeline (支援の見える化): a client's answers, usual band, missed days, flags
and contacts over one range, with weekly and monthly averages and answer rates.

Built from four queries whatever the range (the client's entries, the office's entries
behind the usual band, flags, contacts) and computed with pandas; no query per day. The
usual band is the signals engine's own number (:func:`checkin.signals.engine.usual_on`) for
this morning, so the chart shows what today's flags were judged against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Float, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from checkin.models import (
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    ContactKind,
    Flag,
    StaffUser,
)
from checkin.signals.engine import normalize_clients, usual_on
from checkin.signals.params import LOOKBACK_DAYS, RECENT_DAYS

RANGES: dict[str, tuple[int, str]] = {
    "week": (7, "1週間"),
    "month": (30, "1か月"),
    "3m": (91, "3か月"),
}
DEFAULT_RANGE = "month"
ITEMS = ("mood", "fatigue", "sleep_hours", "sleep_quality")
ITEM_LABELS = {
    "mood": "気分",
    "fatigue": "疲れ",
    "sleep_hours": "睡眠時間",
    "sleep_quality": "眠りの質",
}
CONTACT_LABELS = {
    ContactKind.CALL: "電話",
    ContactKind.MESSAGE: "メッセージ・メール",
    ContactKind.MEETING: "面談 (対面)",
    ContactKind.VIDEO: "面談 (オンライン)",
    ContactKind.WORKPLACE_VISIT: "職場訪問",
    ContactKind.EMPLOYER: "企業への連絡",
}
MEETINGS = {ContactKind.MEETING, ContactKind.VIDEO, ContactKind.WORKPLACE_VISIT}
SEVERITY_LABELS = {"urgent": "緊急", "high": "高", "watch": "注意"}
WEEKDAYS = "月火水木金土日"


def parse_range(raw: str | None) -> str:
    """The range key of ``?range=``; anything unknown falls back to the default (a month)."""
    return raw if raw in RANGES else DEFAULT_RANGE


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive: today

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="D")


def window(today: date, range_key: str) -> Window:
    n, _ = RANGES[parse_range(range_key)]
    return Window(today - timedelta(days=n - 1), today)


def _r(x: Any, nd: int = 2) -> float | None:
    """JSON-friendly rounded float (None for NaN)."""
    if x is None or pd.isna(x):
        return None
    return round(float(x), nd)


def _label(d: date) -> str:
    return f"{d.month}/{d.day} ({WEEKDAYS[d.weekday()]})"


def _active_period(client: Client, tz: ZoneInfo) -> tuple[date, date | None]:
    # As the morning job: a client without a start date is active from registration.
    start = client.service_start or client.hire_date or client.created_at.astimezone(tz).date()
    return start, client.service_end


def _own_entries(session: Session, client: Client, w: Window) -> pd.DataFrame:
    rows = session.execute(
        select(
            CheckIn.local_date,
            CheckIn.mood,
            CheckIn.fatigue,
            cast(CheckIn.sleep_hours, Float),
            CheckIn.sleep_quality,
            CheckIn.wants_contact,
            CheckIn.note,
        ).where(
            CheckIn.client_id == client.id,
            CheckIn.local_date >= w.start,
            CheckIn.local_date <= w.end,
        )
    ).all()
    cols = ["date", *ITEMS[:2], "sleep_hours", "sleep_quality", "wants_contact", "note"]
    df = pd.DataFrame.from_records([tuple(r) for r in rows], columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    for item in ITEMS:
        df[item] = pd.to_numeric(df[item], errors="coerce").astype(float)
    df["wants_contact"] = df["wants_contact"].astype(bool)
    df["note"] = [n if isinstance(n, str) else "" for n in df["note"]]  # None, not NaN
    return df.set_index("date").sort_index()


def usual_band(session: Session, client: Client, morning: date) -> dict[str, dict[str, Any]]:
    """The client's usual and spread per item on ``morning``, computed by the signals
    engine over the same rows the morning job reads (the office's active clients' entries
    of the 8 weeks before; the office's values weigh in while the client has few entries)."""
    since = morning - timedelta(days=LOOKBACK_DAYS)
    until = morning - timedelta(days=RECENT_DAYS)  # the engine's base window ends here
    rows = session.execute(
        select(
            CheckIn.client_id,
            CheckIn.local_date,
            CheckIn.mood,
            CheckIn.fatigue,
            cast(CheckIn.sleep_hours, Float),
            CheckIn.sleep_quality,
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
    ).all()
    entries = pd.DataFrame.from_records(
        [tuple(r) for r in rows],
        columns=["client_id", "date", "mood", "fatigue", "sleep_hours", "sleep_quality"],
    )
    entries["date"] = pd.to_datetime(entries["date"])
    for item in ITEMS:
        entries[item] = pd.to_numeric(entries[item], errors="coerce").astype(float)
    # Clients with no entries in the window add nothing to the office values: the frame
    # only needs every client who answered, plus this one.
    ids = pd.unique(np.append(entries["client_id"].to_numpy(dtype=np.int64), client.id))
    clients = normalize_clients(pd.DataFrame({"client_id": ids}), entries)
    u = usual_on(entries, clients, morning)
    mine: dict[Any, dict[Any, Any]] = {
        r["item"]: r for r in u[u["client_id"] == client.id].to_dict("records")
    }
    out: dict[str, dict[str, Any]] = {}
    for item in ITEMS:
        usual, spread = float(mine[item]["usual"]), float(mine[item]["spread"])
        out[item] = {
            "usual": _r(usual),
            "spread": _r(spread),
            "low": _r(usual - spread),
            "high": _r(usual + spread),
            "own_entries": int(mine[item]["n"]),
        }
    return out


def build_timeline(
    session: Session, client: Client, today: date, range_key: str | None
) -> dict[str, Any]:
    """Everything the timeline shows for ``client`` over the range ending ``today``."""
    key = parse_range(range_key)
    w = window(today, key)
    tz = ZoneInfo(client.office.timezone)
    entries = _own_entries(session, client, w)

    # --- days: values, expected (workday in the active period), missed
    days = w.days
    frame = pd.DataFrame(index=days)
    frame = frame.join(entries[list(ITEMS)])
    frame["answered"] = days.isin(entries.index)
    active_from, active_to = _active_period(client, tz)
    weekdays = {int(c) for c in client.checkin_weekdays if c.isdigit()}
    expected = np.asarray(days.day_of_week.isin(list(weekdays)))
    expected &= np.asarray(days >= pd.Timestamp(active_from))
    if active_to is not None:
        expected &= np.asarray(days <= pd.Timestamp(active_to))
    frame["expected"] = expected
    # Today is not missed yet: the client may still answer tonight.
    frame["missed"] = frame["expected"] & ~frame["answered"] & (days < pd.Timestamp(today))
    frame["counted"] = frame["expected"] & ((days < pd.Timestamp(today)) | frame["answered"])

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
            "severity_label": SEVERITY_LABELS[f.severity.value],
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
            "label": CONTACT_LABELS[c.kind],
            "meeting": c.kind in MEETINGS,
            "staff": staff_name,
            "note": c.note or "",
            "flag_id": c.flag_id,
        }
        for c, staff_name in contact_rows
    ]

    # --- notes, newest first
    by_date: dict[date, dict[Any, Any]] = {
        ts.date(): rec for ts, rec in zip(entries.index, entries.to_dict("records"), strict=True)
    }
    notes = [
        {
            "date": d.isoformat(),
            "label": _label(d),
            "text": (e["note"] or "").strip(),
            "wants_contact": bool(e["wants_contact"]),
        }
        for d, e in sorted(by_date.items(), reverse=True)
        if (e["note"] or "").strip() or e["wants_contact"]
    ]

    # --- weekly (Monday-Sunday) and monthly averages and answer rates
    def summarize(groups: Any, label: Any, keep_empty: bool = False) -> list[dict[str, Any]]:
        out = []
        for _, g in groups:
            answered_exp = int((g["answered"] & g["counted"]).sum())
            counted = int(g["counted"].sum())
            if not keep_empty and not counted and not g["answered"].any():
                continue  # a weekend or today alone at an edge of the range: nothing to say
            first, last = pd.Timestamp(g.index[0]).date(), pd.Timestamp(g.index[-1]).date()
            out.append(
                {
                    "label": label(first, last),
                    "start": first.isoformat(),
                    "end": last.isoformat(),
                    **{item: _r(g[item].mean()) for item in ITEMS},
                    "answered": int(g["answered"].sum()),
                    "expected": counted,
                    "missed": int(g["missed"].sum()),
                    "rate": _r(answered_exp / counted, 3) if counted else None,
                }
            )
        return out

    week_start = days - pd.to_timedelta(days.day_of_week, unit="D")
    weeks = summarize(
        frame.groupby(week_start, sort=True),
        lambda a, b: f"{a.month}/{a.day}〜{b.month}/{b.day}",
    )
    months = summarize(
        frame.groupby([days.year, days.month], sort=True),
        lambda a, b: (
            f"{a.year}年{a.month}月"
            + ("" if a.day == 1 and (b + timedelta(days=1)).day == 1 else f" ({a.day}〜{b.day}日)")
        ),
    )
    total = summarize([(None, frame)], lambda a, b: "期間全体", keep_empty=True)[0]

    flags_by_day: dict[str, list[dict[str, Any]]] = {}
    for f in flag_list:
        flags_by_day.setdefault(f["first_date"], []).append(f)
    contacts_by_day: dict[str, list[dict[str, Any]]] = {}
    for c in contact_list:
        contacts_by_day.setdefault(c["date"], []).append(c)
    daily = []
    for ts, row in zip(days, frame.to_dict("records"), strict=True):
        day = ts.date()
        iso = day.isoformat()
        e = by_date.get(day)
        daily.append(
            {
                "date": iso,
                "label": _label(day),
                **{item: _r(row[item], 1) for item in ITEMS},
                "answered": bool(row["answered"]),
                "expected": bool(row["expected"]),
                "missed": bool(row["missed"]),
                "wants_contact": bool(e["wants_contact"]) if e is not None else False,
                "note": (e["note"] or "") if e is not None else "",
                "flags": flags_by_day.get(iso, []),
                "contacts": contacts_by_day.get(iso, []),
            }
        )

    return {
        "client_id": client.id,
        "range": key,
        "range_label": RANGES[key][1],
        "ranges": [{"key": k, "label": v[1]} for k, v in RANGES.items()],
        "start": w.start.isoformat(),
        "end": w.end.isoformat(),
        "items": {item: ITEM_LABELS[item] for item in ITEMS},
        "usual": usual_band(session, client, today),
        "usual_as_of": today.isoformat(),
        "days": daily,
        "missed": [d["date"] for d in daily if d["missed"]],
        "flags": flag_list,
        "contacts": contact_list,
        "notes": notes,
        "weeks": weeks,
        "months": months,
        "total": total,
    }
