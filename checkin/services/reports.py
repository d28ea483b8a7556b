"""The monthly support report (支援レポート, seed 002 §14 (3), seed 003): one per client per
month, written by the supporter from the month's data, confirmed by the client.

Its parts follow the form the ministry gives (別添様式1): the month's main goal, the
support given and its result, the direction from here (what the office, the client and the
employer will each do) and the items to share. The record summary at the top is written
from the month's check-ins, flags, contacts and meetings when the draft is made.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    CheckIn,
    Client,
    ClientDocument,
    ClientStatus,
    ConsentScope,
    Contact,
    ContactKind,
    Disclosure,
    DocKind,
    DocSide,
    DocStatus,
    Flag,
    FlagStatus,
    Office,
    StaffUser,
)
from checkin.services import documents
from checkin.services.checkins import SIGNAL_ITEMS
from checkin.services.documents import KindSpec, Section, register
from checkin.services.errors import ValidationError, _l
from checkin.services.expected import load_office_expected, support_start
from checkin.signals.engine import usual_on
from checkin.signals.params import LOOKBACK_DAYS, PRIOR_ENTRIES, RECENT_DAYS

ITEMS = ("mood", "fatigue", "sleep_hours", "sleep_quality")  # SIGNAL_ITEMS' order

PERIOD_FORMAT = "%Y-%m"

# (key, staff title, client title, shareable with the employer)
PARTS: list[tuple[str, str, str, bool]] = [
    ("goal", _l("今月の主な支援目標"), _l("こんげつの もくひょう"), True),
    ("support", _l("支援の内容と結果"), _l("こんげつの しえんと けっか"), True),
    ("next_office", _l("今後の支援 (事業所)"), _l("これからの しえん"), True),
    ("next_client", _l("本人の取り組み"), _l("あなたが やること"), True),
    ("next_employer", _l("事業主の取り組み"), _l("会社が やること"), True),
    ("shared", _l("共有事項"), _l("会社と 共有すること"), True),
]
SUMMARY = ("summary", _l("今月の記録のまとめ"), _l("こんげつの きろく"))


def period_of(year: int, month: int) -> str:
    return date(year, month, 1).strftime(PERIOD_FORMAT)


def period_label(period: str) -> str:
    try:
        year, month = (int(p) for p in period.split("-"))
    except ValueError:
        return period
    return str(_l("%(year)d年%(month)d月", year=year, month=month))


def report_sections(doc: ClientDocument) -> list[Section]:
    closed = doc.client.disclosure == Disclosure.CLOSED
    key, title, client_title = SUMMARY
    out = [
        Section(
            key,
            title,
            str(doc.body.get(key) or ""),
            shareable=False,  # the check-in figures reach the employer only by their own scopes
            editable=False,
            client_title=client_title,
        )
    ]
    for key, title, client_title, shareable in PARTS:
        if closed and key in ("next_employer", "shared"):
            continue  # closed employment: nothing is written for or shared with the employer
        out.append(
            Section(
                key,
                title,
                str(doc.body.get(key) or ""),
                shareable=shareable and not closed,
                help=str(HELP[key]) if key in HELP else None,
                client_title=client_title,
            )
        )
    return out


SPEC = register(
    KindSpec(
        kind=DocKind.MONTHLY_REPORT,
        title=_l("支援レポート"),
        client_title=_l("こんげつの ふりかえり"),
        sections=report_sections,
        employer_scope=ConsentScope.REPORTS,
        period_label=period_label,
        staff_actions="reports/_staff_actions.html",
    )
)


# --- the draft, written from the month's data ---------------------------------------------
#
# The summary is part of the document (filed, printed, read by the client), so it is
# written in plain Japanese whatever language the supporter's pages are in: short
# sentences, numbers beside every judgement, nothing phrased as the client's fault, no
# supporter's notes (a contact's note or a flag's note stays on the staff pages).

MAX_PAST_MONTHS = 12 * 6  # a report may be written for up to 6 years back (record keeping)
BAND_MIN_OWN = PRIOR_ENTRIES  # fewer own answers: the usual band is not the client's yet
MEETING_KINDS = (ContactKind.MEETING, ContactKind.VIDEO)
EMPLOYER_KINDS = (ContactKind.EMPLOYER, ContactKind.WORKPLACE_VISIT)
CONTACT_WORDS = {
    ContactKind.CALL: "電話",
    ContactKind.MESSAGE: "メッセージ",
    ContactKind.MEETING: "面談 (会って)",
    ContactKind.VIDEO: "面談 (ビデオ通話)",
    ContactKind.WORKPLACE_VISIT: "職場訪問",
    ContactKind.EMPLOYER: "会社との 連絡",
}
# What a flag was about, said to the client too (never its score or the engine's wording).
FLAG_WORDS = {
    "contact": "「相談したい」と 答えた",
    "crisis": "メモに つらい 気持ちを 書いた",
    "trend": "調子が ふだんより よくない 日が つづいた",
    "missing": "記録が ない 日が つづいた",
    "line_silent": "LINEの おしらせに 返事が なかった",
}
FLAG_DONE = {
    FlagStatus.OPEN: "まだ 対応中",
    FlagStatus.ACKNOWLEDGED: "支援員が 確認",
    FlagStatus.RESOLVED: "対応 済み",
}
# item: (words, unit, a value above the band is ..., below is ..., a day above, below)
ITEM_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "mood": ("気分", "", "ふだんより よい", "ふだんより 低め", "よい 日", "低い 日"),
    "fatigue": ("疲れ", "", "ふだんより 疲れ気味", "ふだんより 軽め", "疲れた 日", "軽い 日"),
    "sleep_hours": ("睡眠時間", "時間", "ふだんより 長め", "ふだんより 短め", "長い 日", "短い 日"),
}
HELP: dict[str, str] = {
    "goal": _l(
        "この月の 主な支援目標。支援計画 (確定版) があれば 短期目標を 入れてあります。"
        "月に合わせて 直してください。"
    ),
    "support": _l(
        "この月に した支援 (面談・連絡・職場訪問など) と、その結果。"
        "上の「今月の記録のまとめ」の 数字を 使えます。"
    ),
    "next_office": _l("来月、事業所 (支援員) が すること。"),
    "next_client": _l("来月、本人が 取り組むこと。本人と 話して 決めたことを 書きます。"),
    "next_employer": _l("来月、会社に お願いすること (配慮・調整など)。"),
    "shared": _l(
        "会社と 共有したいこと。本人が 確認のときに 共有しない項目を 選べます。"
        "本人が 望まないことは 書かなくて かまいません。"
    ),
}


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month (28 to 31 days)."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_month(text: str | None, *, today: date) -> tuple[int, int]:
    """``2026-12`` (as an ``<input type=month>`` sends it) to (2026, 12), checked: a real
    month, not after this month, not more than six years back."""
    raw = (text or "").strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", raw)
    if m is None:
        raise ValidationError({"month": _l("月は 2026-12 の形で 選んでください。")})
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValidationError({"month": _l("月は 1 から 12 までです。")})
    index, now_index = year * 12 + month, today.year * 12 + today.month
    if index > now_index:
        raise ValidationError({"month": _l("まだ来ていない月の レポートは 作れません。")})
    if index < now_index - MAX_PAST_MONTHS:
        raise ValidationError({"month": _l("6年より前の月の レポートは 作れません。")})
    return year, month


def months_back(today: date, n: int) -> list[tuple[int, int]]:
    """This month and the ``n - 1`` before it, newest first."""
    out = []
    y, m = today.year, today.month
    for _i in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def month_of_period(period: str) -> tuple[int, int] | None:
    try:
        y, m = (int(p) for p in period.split("-"))
        date(y, m, 1)
    except ValueError:
        return None
    return y, m


def in_support(client: Client, year: int, month: int, tz: ZoneInfo) -> bool:
    """Whether any day of the month falls within the client's support."""
    first, last = month_bounds(year, month)
    start = support_start(client, tz)
    return start <= last and (client.service_end is None or client.service_end >= first)


@dataclass
class ItemMonth:
    item: str
    mean: float | None  # the month's average of the client's answers
    low: float | None  # the client's usual band (usual ± spread) coming into the month
    high: float | None
    own: int  # the client's own answers behind the band
    above: int = 0  # days above / below the band
    below: int = 0


@dataclass
class MonthFacts:
    """What the month's rows say about one client (built for many at once)."""

    client: Client
    year: int
    month: int
    first: date  # the month's days within the client's support
    last: date
    until: date  # counted up to this day (the month's last, or today in this month)
    expected: int = 0  # days the client was asked to answer, up to ``until``
    answered_expected: int = 0
    answered: int = 0  # every answer of the month
    paused: int = 0  # days of the month the service was paused
    items: list[ItemMonth] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    flag_contacts: dict[int, list[Contact]] = field(default_factory=dict)
    contacts: list[Contact] = field(default_factory=list)
    employer_notes: list[str] = field(default_factory=list)
    wants_contact_days: int = 0

    @property
    def closed(self) -> bool:
        return self.client.disclosure == Disclosure.CLOSED

    @property
    def meetings(self) -> list[Contact]:
        return [c for c in self.contacts if c.kind in MEETING_KINDS]


def _jp(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _num(x: float | None, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.1f}{unit}"


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _paused_days(
    events: Sequence[AuditEvent], client: Client, first: date, last: date, tz: ZoneInfo
) -> set[date]:
    """The days of ``first``..``last`` the service was paused, from the status changes the
    audit log keeps (``client.status``: from, to)."""
    out: set[date] = set()
    since: date | None = None
    seen = False
    for e in events:
        detail = e.detail or {}
        day = _aware(e.at).astimezone(tz).date()
        if detail.get("to") == ClientStatus.PAUSED.value:
            since, seen = day, True
        elif detail.get("from") == ClientStatus.PAUSED.value:
            if since is None and not seen:
                since = first  # paused before anything the log holds
            if since is not None:
                out.update(_days(max(since, first), min(day - timedelta(days=1), last)))
            since, seen = None, True
    if since is None and not seen and client.status == ClientStatus.PAUSED:
        since = first  # paused, with no record of when: the whole month
    if since is not None:
        out.update(_days(max(since, first), last))
    return out


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)] if a <= b else []


def month_facts(
    session: Session,
    office: Office,
    clients: Sequence[Client],
    year: int,
    month: int,
    *,
    today: date,
) -> dict[int, MonthFacts]:
    """The month's facts for clients of one office, from a fixed number of queries
    whatever the number of clients (entries, usual bands, flags, contacts, status changes,
    expected days)."""
    if not clients:
        return {}
    tz = ZoneInfo(office.timezone)
    m_first, m_last = month_bounds(year, month)
    until = min(m_last, today)
    ids = [c.id for c in clients]
    since = m_first - timedelta(days=LOOKBACK_DAYS)
    # 1. every answer from the usual band's window to the month's end: the office's active
    # clients (the band's office-wide values, as the morning job) and these clients.
    stmt = (
        select(CheckIn.client_id, CheckIn.local_date, *SIGNAL_ITEMS, CheckIn.wants_contact)
        .join(Client, Client.id == CheckIn.client_id)
        .where(
            Client.office_id == office.id,
            or_(Client.id.in_(ids), Client.status == ClientStatus.ACTIVE),
            CheckIn.local_date >= since,
            CheckIn.local_date <= m_last,
        )
    )
    rows = session.connection().execute(stmt).cursor.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [()] * 7
    frame = pd.DataFrame(
        {
            "client_id": np.array(cols[0], dtype=np.int64),
            "date": np.array(cols[1], dtype="datetime64[D]").astype("datetime64[s]"),
            **{item: np.array(c, dtype=float) for item, c in zip(ITEMS, cols[2:6], strict=True)},
            "wants_contact": np.array(cols[6], dtype=bool),
        }
    )
    base = frame[frame["date"] < np.datetime64(m_first - timedelta(days=RECENT_DAYS))]
    band_ids = pd.unique(np.append(base["client_id"].to_numpy(dtype=np.int64), ids))
    usual = usual_on(base, pd.DataFrame({"client_id": band_ids}), m_first)
    bands = {
        (int(c), str(i)): (float(u), float(sp), int(n))
        for c, i, u, sp, n in zip(
            usual["client_id"].to_numpy(),
            usual["item"].to_numpy(),
            usual["usual"].to_numpy(dtype=float),
            usual["spread"].to_numpy(dtype=float),
            usual["n"].to_numpy(),
            strict=True,
        )
    }
    # The month's own answers per client, as plain tuples (a few thousand rows).
    wanted = set(ids)
    by_client: dict[int, list[tuple[date, list[float], bool]]] = {}
    for r in rows:
        day = _as_date(r[1])
        if day >= m_first and r[0] in wanted:
            vals = [math.nan if v is None else float(v) for v in r[2:5]]
            by_client.setdefault(r[0], []).append((day, vals, bool(r[6])))

    # 2. expected days (first link, LINE link, first answer; the office's closed days)
    expected = load_office_expected(session, office, clients, m_first, m_last, today)
    # 3. pauses, from the audit log's status changes
    status_events: dict[int, list[AuditEvent]] = {i: [] for i in ids}
    for e in session.scalars(
        select(AuditEvent)
        .where(AuditEvent.client_id.in_(ids), AuditEvent.action == "client.status")
        .order_by(AuditEvent.at, AuditEvent.id)
    ):
        status_events[e.client_id or 0].append(e)
    # 4. the flags of the month (shown in it or still going on in it)
    flags: dict[int, list[Flag]] = {i: [] for i in ids}
    for f in session.scalars(
        select(Flag)
        .where(Flag.client_id.in_(ids), Flag.first_date <= m_last, Flag.last_date >= m_first)
        .order_by(Flag.first_date, Flag.id)
    ):
        flags[f.client_id].append(f)
    flag_ids = [f.id for fs in flags.values() for f in fs]
    # 5. contacts of the month, and those answering the month's flags (even a day later)
    start_utc = datetime.combine(m_first, time.min, tz).astimezone(UTC)
    end_utc = datetime.combine(m_last + timedelta(days=1), time.min, tz).astimezone(UTC)
    contacts: dict[int, list[Contact]] = {i: [] for i in ids}
    by_flag: dict[int, list[Contact]] = {}
    cond = and_(Contact.occurred_at >= start_utc, Contact.occurred_at < end_utc)
    if flag_ids:
        cond = or_(cond, Contact.flag_id.in_(flag_ids))
    for c in session.scalars(
        select(Contact).where(Contact.client_id.in_(ids), cond).order_by(Contact.occurred_at)
    ):
        if start_utc <= _aware(c.occurred_at) < end_utc:
            contacts[c.client_id].append(c)
        if c.flag_id is not None:
            by_flag.setdefault(c.flag_id, []).append(c)

    out: dict[int, MonthFacts] = {}
    for client in clients:
        exp = expected[client.id]
        first = max(m_first, support_start(client, tz))
        last = min(m_last, client.service_end) if client.service_end else m_last
        paused = _paused_days(status_events[client.id], client, m_first, m_last, tz)
        mine = by_client.get(client.id, [])
        answered_days = {d for d, _v, _w in mine}
        # Today counts once answered: a draft made in the morning is not a missed day.
        cutoff = until if until < today or today in answered_days else until - timedelta(days=1)
        exp_days = [d for d in _days(first, min(last, cutoff)) if d in exp and d not in paused]
        facts = MonthFacts(
            client=client,
            year=year,
            month=month,
            first=first,
            last=last,
            until=min(last, cutoff),
            expected=len(exp_days),
            answered_expected=len(answered_days.intersection(exp_days)),
            answered=len(answered_days),
            paused=len([d for d in paused if first <= d <= last]),
            flags=flags[client.id],
            flag_contacts={f.id: by_flag.get(f.id, []) for f in flags[client.id]},
            contacts=[
                c
                for c in contacts[client.id]
                if not (client.disclosure == Disclosure.CLOSED and c.kind in EMPLOYER_KINDS)
            ],
            wants_contact_days=sum(1 for _d, _v, w in mine if w),
        )
        for item in ITEM_WORDS:
            u, spread, n = bands.get((client.id, item), (math.nan, math.nan, 0))
            k = ITEMS.index(item)
            arr = np.array([v[k] for _d, v, _w in mine], dtype=float)
            arr = arr[~np.isnan(arr)]
            im = ItemMonth(
                item,
                float(arr.mean()) if len(arr) else None,
                None if math.isnan(u) else u - spread,
                None if math.isnan(u) else u + spread,
                n,
            )
            if im.low is not None and im.high is not None and n >= BAND_MIN_OWN:
                im.above = int((arr > im.high).sum())
                im.below = int((arr < im.low).sum())
            facts.items.append(im)
        if not facts.closed:
            facts.employer_notes = employer_notes_hook(session, client, year, month)
        out[client.id] = facts
    return out


def employer_notes_hook(session: Session, client: Client, year: int, month: int) -> list[str]:
    """HOOK (employer concerns, issue 14, built on another branch): the lines the month's
    employer concerns and the monthly employer contact's answer add to the summary, e.g.
    ``["12月3日 会社から: 遅刻が 2回 ありました"]``. Wire ``month_employer_notes(session,
    client.id, year, month)`` in here once it exists; never called in closed employment."""
    try:
        from checkin.services import employer_notes  # type: ignore[attr-defined]
    except ImportError:
        return []
    fn = getattr(employer_notes, "month_employer_notes", None)
    if fn is None:
        return []
    return [str(getattr(n, "summary_line", n)) for n in fn(session, client.id, year, month)]


def summary_text(f: MonthFacts) -> str:
    """The ``summary`` section: the month's record in plain Japanese with its numbers."""
    lines: list[str] = []
    label = f"{f.year}年{f.month}月"
    m_first, m_last = month_bounds(f.year, f.month)
    if f.first > m_first:
        lines.append(f"支援の はじまりは {_jp(f.first)} です。")
    if f.client.service_end is not None and f.last < m_last:
        lines.append(f"支援の おわりは {_jp(f.last)} です。")
    partial = f.until < min(f.last, m_last) and f.until >= f.first
    span = f"{_jp(f.until)} までの 分です。" if partial else ""
    lines.append("■ 記録")
    if f.paused:
        lines.append(f"支援を お休みしていた 日が {f.paused}日 ありました。")
    if f.answered == 0:
        if f.expected == 0:
            lines.append(f"{label}は 記録を お願いする 日が ありませんでした。")
        else:
            lines.append(
                f"{label}は 記録が ありませんでした "
                f"(記録を お願いしていた 日: {f.expected}日)。{span}"
            )
    else:
        if f.expected:
            rate = round(100 * f.answered_expected / f.expected)
            lines.append(
                f"記録を お願いしていた {f.expected}日の うち "
                f"{f.answered_expected}日 記録しました ({rate}%)。{span}"
            )
        else:
            lines.append(f"記録を お願いする 日は ありませんでした。{span}")
        extra = f.answered - f.answered_expected
        if extra > 0:
            lines.append(f"ほかの 日にも {extra}日 記録しました。")
        if f.wants_contact_days:
            lines.append(f"「相談したい」を えらんだ 日: {f.wants_contact_days}日。")
        lines.append("■ 調子 (ふだんと くらべて)")
        for im in f.items:
            words, unit, up, down, day_up, day_down = ITEM_WORDS[im.item]
            if im.mean is None:
                lines.append(f"{words}: 記録なし")
                continue
            mean = _num(im.mean, unit)
            if im.low is None or im.high is None or im.own < BAND_MIN_OWN:
                lines.append(
                    f"{words}: 平均 {mean} (ふだんの はんいは まだ わかりません。"
                    "前の 記録が すくない ため)"
                )
                continue
            band = f"ふだんは {_num(im.low)}〜{_num(im.high, unit)}"
            if im.mean > im.high:
                judge = up
            elif im.mean < im.low:
                judge = down
            else:
                judge = "ふだんの はんい"
            days = []
            if im.above:
                days.append(f"{day_up}が {im.above}日")
            if im.below:
                days.append(f"{day_down}が {im.below}日")
            more = f" (ふだんより {'、'.join(days)})" if days else ""
            lines.append(f"{words}: 平均 {mean} ({band}) → {judge}{more}")
    lines.append("■ 気にかけた こと と 対応")
    if not f.flags:
        lines.append("とくに ありません。")
    for flag in f.flags:
        what = FLAG_WORDS.get(flag.kind, "気に なる ようすが あった")
        done = [
            f"{_jp(_aware(c.occurred_at).astimezone(_tz(f)).date())} "
            f"{CONTACT_WORDS.get(c.kind, '連絡')}"
            for c in f.flag_contacts.get(flag.id, [])
        ]
        status = FLAG_DONE.get(flag.status, "")
        after = f" → {'、'.join(done)}" if done else ""
        lines.append(f"・{_jp(_as_date(flag.first_date))} {what}{after} ({status})")
    lines.append("■ 面談")
    if f.meetings:
        for c in f.meetings:
            lines.append(f"・{_meeting_line(c, _tz(f))}")
    else:
        lines.append(f"{label}の 面談の 記録は まだ ありません。")
    others = [c for c in f.contacts if c.kind not in MEETING_KINDS]
    lines.append("■ 連絡")
    if others:
        for c in others:
            day = _aware(c.occurred_at).astimezone(_tz(f)).date()
            lines.append(f"・{_jp(day)} {CONTACT_WORDS.get(c.kind, '連絡')}")
    else:
        lines.append("ありません。")
    if f.employer_notes:
        lines.append("■ 会社から")
        lines.extend(f"・{n}" for n in f.employer_notes)
    return "\n".join(lines)


def _tz(f: MonthFacts) -> ZoneInfo:
    return ZoneInfo(f.client.office.timezone)


def _meeting_line(c: Contact, tz: ZoneInfo) -> str:
    """A meeting's date, how and, when the meeting columns exist (another branch adds
    them to ``Contact``), where and with whom; read defensively."""
    day = _jp(_aware(c.occurred_at).astimezone(tz).date())
    parts = [day, CONTACT_WORDS.get(c.kind, "面談")]
    place = getattr(c, "place", None)
    if place:
        parts.append(f"({place})")
    return " ".join(parts)


def _plan_goals(session: Session, client_ids: Sequence[int]) -> dict[int, str]:
    """The goal each client's newest confirmed support plan gives (one query)."""
    plans: dict[int, ClientDocument] = {}
    for plan in session.scalars(
        select(ClientDocument)
        .where(
            ClientDocument.client_id.in_(client_ids),
            ClientDocument.kind == DocKind.SUPPORT_PLAN,
            ClientDocument.side == DocSide.STAFF,
            ClientDocument.current.is_(True),
            ClientDocument.status == DocStatus.CONFIRMED,
        )
        .order_by(ClientDocument.period, ClientDocument.id)
    ):
        plans[plan.client_id] = plan  # the newest period last: it wins
    return {cid: _goal_of(plan) for cid, plan in plans.items()}


def _goal_of(plan: ClientDocument) -> str:
    """The plan's short-term goals (another kind's body: read defensively), else its
    long-term goal, else nothing."""
    body = plan.body or {}
    for key in ("short_goals", "long_goal"):
        text = _goal_text(body.get(key))
        if text:
            return text
    return ""


def _goal_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        for k in ("text", "goal", "title"):
            if isinstance(value.get(k), str) and value[k].strip():
                return str(value[k]).strip()
        return ""
    if isinstance(value, list | tuple):
        parts = [_goal_text(v) for v in value]
        return "\n".join(f"・{p}" for p in parts if p)
    return ""


def body_of(facts: MonthFacts, goal: str) -> dict[str, str]:
    body = {"summary": summary_text(facts), "goal": goal}
    for key, _t, _c, _s in PARTS:
        body.setdefault(key, "")
    if facts.closed:
        body.pop("next_employer", None)
        body.pop("shared", None)
    return body


def draft_body(
    session: Session, client: Client, year: int, month: int, *, today: date
) -> dict[str, str]:
    """The body of a new monthly report: the generated summary, the goal from the
    support plan when there is one, the other parts empty for the supporter."""
    return draft_bodies(session, client.office, [client], year, month, today=today)[client.id]


def draft_bodies(
    session: Session,
    office: Office,
    clients: Sequence[Client],
    year: int,
    month: int,
    *,
    today: date,
) -> dict[int, dict[str, str]]:
    """Draft bodies for many clients of one office (the same queries as for one)."""
    facts = month_facts(session, office, clients, year, month, today=today)
    goals = _plan_goals(session, [c.id for c in clients])
    return {cid: body_of(f, goals.get(cid, "")) for cid, f in facts.items()}


def generate(
    session: Session, client: Client, year: int, month: int, *, by: StaffUser, now: datetime
) -> ClientDocument:
    """This month's (or a chosen month's) report: the open version if there is one (never
    overwritten), else a new draft from the month's data. A confirmed report is not
    redrafted: a correction is a new version (``documents.revise``)."""
    tz = ZoneInfo(client.office.timezone)
    if not in_support(client, year, month, tz):
        raise ValidationError({"month": _l("この月は 支援の期間に 入っていません。")})
    period = period_of(year, month)
    existing = documents.current(session, client.id, DocKind.MONTHLY_REPORT, period)
    if existing is not None:
        return existing
    today = now.astimezone(tz).date()
    body = draft_body(session, client, year, month, today=today)
    return documents.start(session, client, DocKind.MONTHLY_REPORT, period, body, by=by, now=now)


def regenerate_summary(
    session: Session, doc: ClientDocument, *, revision: int, by: StaffUser, now: datetime
) -> ClientDocument:
    """Write the summary again from the month's rows as they are now; the supporter's
    parts are kept as they are. A stale form is a conflict, a confirmed report locked."""
    if doc.kind != DocKind.MONTHLY_REPORT:
        raise ValidationError({"kind": _l("この書類には まとめが ありません。")})
    ym = month_of_period(doc.period)
    if ym is None:
        raise ValidationError({"month": _l("この書類の 月が 読めません。")})
    if doc.locked:
        raise documents.DocumentLocked
    today = now.astimezone(ZoneInfo(doc.client.office.timezone)).date()
    facts = month_facts(session, doc.client.office, [doc.client], *ym, today=today)
    text = summary_text(facts[doc.client_id])
    return documents.save(session, doc, {"summary": text}, revision=revision, by=by, now=now)


def month_reports(session: Session, client_id: int) -> dict[str, ClientDocument]:
    """The current version of each of the client's monthly reports, by period."""
    return {
        d.period: d
        for d in session.scalars(
            select(ClientDocument).where(
                ClientDocument.client_id == client_id,
                ClientDocument.kind == DocKind.MONTHLY_REPORT,
                ClientDocument.side == DocSide.STAFF,
                ClientDocument.current.is_(True),
            )
        )
    }


def report_counts(session: Session, office_id: int, year: int, month: int) -> dict[DocStatus, int]:
    """The office's monthly reports of a month by state (current versions): counted from
    the documents' own office and period, never through the client's record, so a client
    whose identity was later removed still counts."""
    counts = {s: 0 for s in DocStatus}
    for status, n in session.execute(
        select(ClientDocument.status, func.count())
        .where(
            ClientDocument.office_id == office_id,
            ClientDocument.kind == DocKind.MONTHLY_REPORT,
            ClientDocument.side == DocSide.STAFF,
            ClientDocument.period == period_of(year, month),
            ClientDocument.current.is_(True),
        )
        .group_by(ClientDocument.status)
    ):
        counts[DocStatus(status)] = int(n)
    return counts
