"""The support plan (就労定着支援計画, seed 002 §14-16): goals, policy, content, frequency,
period and the evaluation of the last period; written by the supporter, approved by the
service manager, agreed by the client on the shared confirm page (services/documents.py).

A plan series' period key is its start date ("2026-12-01"); the end is ``body["period_to"]``.

Review due dates
    The plan is reviewed at least every 6 months. The due date is the start of the plan in
    force (the newest confirmed plan) plus 6 months, counted the way a Japanese office
    counts a month (民法143条): the same day number 6 months later, or the last day of that
    month when it has no such day (31 August -> 28 February, 29 February in a leap year).
    A review is done when the next plan (a new series with a later start) is confirmed; a
    draft of the next plan does not move the due date. A client with no confirmed plan yet
    is due from the start of their newest draft.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from checkin.models import (
    Client,
    ClientDocument,
    ClientStatus,
    DocKind,
    DocSide,
    DocStatus,
    Role,
    StaffUser,
)
from checkin.services import documents as docs
from checkin.services.documents import KindSpec, Section, register
from checkin.services.errors import ValidationError, _l

REVIEW_MONTHS = 6
SOON_DAYS = 30  # the service manager's list: due in the next 30 days, and overdue
MAX_PLAN_DAYS = 366

# (key, staff title, client title)
PARTS: list[tuple[str, str, str]] = [
    ("long_goal", _l("長期目標"), _l("ながい もくひょう")),
    ("short_goals", _l("短期目標"), _l("みじかい もくひょう")),
    ("policy", _l("支援の方針"), _l("しえんの かんがえかた")),
    ("content", _l("支援の内容"), _l("しえんの ないよう")),
    ("frequency", _l("支援の頻度"), _l("しえんの かいすう")),
    ("evaluation", _l("前の期間の評価"), _l("まえの きかんの ふりかえり")),
]
PERIOD = ("period", _l("計画の期間"), _l("けいかくの きかん"))


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later (or earlier); the month's last day when that
    month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_of(start: date) -> str:
    return start.isoformat()


def start_of(doc: ClientDocument) -> date | None:
    try:
        return date.fromisoformat(doc.period)
    except ValueError:
        return None


def end_of(doc: ClientDocument) -> date | None:
    try:
        return date.fromisoformat(str(doc.body.get("period_to") or ""))
    except ValueError:
        return None


def _jp_date(day: date) -> str:
    return str(_l("%(y)d年%(m)d月%(d)d日", y=day.year, m=day.month, d=day.day))


def period_label(period: str) -> str:
    try:
        return str(_l("%(day)sから", day=_jp_date(date.fromisoformat(period))))
    except ValueError:
        return period


def plan_sections(doc: ClientDocument) -> list[Section]:
    start, end = start_of(doc), end_of(doc)
    span = ""
    if start is not None:
        span = str(
            _l(
                "%(start)s 〜 %(end)s",
                start=_jp_date(start),
                end=_jp_date(end) if end else "",
            )
        )
    key, title, client_title = PERIOD
    out = [Section(key, title, span, shareable=False, editable=False, client_title=client_title)]
    for key, title, client_title in PARTS:
        out.append(
            Section(
                key,
                title,
                str(doc.body.get(key) or ""),
                shareable=False,
                client_title=client_title,
            )
        )
    return out


SPEC = register(
    KindSpec(
        kind=DocKind.SUPPORT_PLAN,
        title=_l("就労定着支援計画"),
        client_title=_l("しえんの けいかく"),
        sections=plan_sections,
        needs_approval=True,
        period_label=period_label,
    )
)


# --- making a plan ---------------------------------------------------------------------------


def parse_period(start_text: str, end_text: str) -> tuple[date, date]:
    errors: dict[str, Any] = {}
    start = end = None
    try:
        start = date.fromisoformat((start_text or "").strip())
    except ValueError:
        errors["start"] = _l("計画の開始日を選んでください。")
    try:
        end = date.fromisoformat((end_text or "").strip())
    except ValueError:
        errors["end"] = _l("計画の終了日を選んでください。")
    if start and end:
        if start.year < 2000 or end.year > 2100:
            errors["start"] = _l("日付が正しくありません。")
        elif end <= start:
            errors["end"] = _l("終了日は開始日より後にしてください。")
        elif (end - start).days > MAX_PLAN_DAYS:
            errors["end"] = _l("計画の期間は1年までにしてください。")
    if errors or start is None or end is None:
        raise ValidationError(errors)
    return start, end


def default_end(start: date) -> date:
    return add_months(start, REVIEW_MONTHS) - timedelta(days=1)


def next_body(previous: ClientDocument) -> dict[str, str]:
    """The goals, policy, content and frequency of the plan under review, and its
    evaluation to write."""
    body = {k: str(previous.body.get(k) or "") for k in ("long_goal", "short_goals")}
    body |= {k: str(previous.body.get(k) or "") for k in ("policy", "content", "frequency")}
    start, end = start_of(previous), end_of(previous)
    span = ""
    if start is not None:
        span = str(
            _l(
                "%(start)s 〜 %(end)s",
                start=_jp_date(start),
                end=_jp_date(end) if end else "",
            )
        )
    body["evaluation"] = str(
        _l(
            "前の計画 (%(span)s) の短期目標:\n%(goals)s\n\n"
            "→ 目標ごとに、できたこと・まだのこと・その理由を書いてください。"
            "本人の声と、会社からの声も書いてください。",
            span=span,
            goals=body["short_goals"] or "-",
        )
    )
    return body


def new_plan(
    session: Session,
    client: Client,
    start: date,
    end: date,
    *,
    by: StaffUser,
    now: datetime,
    previous: ClientDocument | None = None,
) -> ClientDocument:
    """A plan starting on ``start`` (the open version of that series if there is one)."""
    if previous is not None and (
        previous.client_id != client.id or previous.kind != DocKind.SUPPORT_PLAN
    ):
        raise ValidationError({"from": _l("元にする計画が正しくありません。")})
    same_start = docs.current(session, client.id, DocKind.SUPPORT_PLAN, period_of(start))
    if same_start is not None and same_start.locked:
        raise ValidationError(
            {
                "start": _l(
                    "この開始日の計画は もう確定しています。直すときは その計画の"
                    "「新しい版を作る」を使ってください。"
                )
            }
        )
    body: dict[str, Any] = next_body(previous) if previous is not None else {}
    body["period_to"] = end.isoformat()
    doc = docs.start(session, client, DocKind.SUPPORT_PLAN, period_of(start), body, by=by, now=now)
    if doc.body.get("period_to") != end.isoformat():
        doc.body = dict(doc.body) | {"period_to": end.isoformat()}
    return doc


# --- review due dates --------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    client: Client
    plan: ClientDocument | None  # the plan in force (or the newest draft when none is)
    due: date | None
    drafting: ClientDocument | None  # a newer plan not confirmed yet (the review under way)

    def days_left(self, today: date) -> int | None:
        return (self.due - today).days if self.due else None

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


def _plans_by_client(session: Session, client_ids: list[int]) -> dict[int, list[ClientDocument]]:
    out: dict[int, list[ClientDocument]] = {i: [] for i in client_ids}
    if not client_ids:
        return out
    rows = session.scalars(
        select(ClientDocument)
        .where(
            ClientDocument.client_id.in_(client_ids),
            ClientDocument.kind == DocKind.SUPPORT_PLAN,
            ClientDocument.side == DocSide.STAFF,
            ClientDocument.current.is_(True),
        )
        .order_by(ClientDocument.period.desc(), ClientDocument.id.desc())
    )
    for doc in rows:
        out[doc.client_id].append(doc)
    return out


def _review(client: Client, plans: list[ClientDocument]) -> Review:
    confirmed = [p for p in plans if p.status == DocStatus.CONFIRMED]
    in_force = confirmed[0] if confirmed else (plans[0] if plans else None)
    base = start_of(in_force) if in_force is not None else None
    drafting = None
    if confirmed and plans[0].id != confirmed[0].id:
        drafting = plans[0]
    due = add_months(base, REVIEW_MONTHS) if base is not None else None
    return Review(client, in_force, due, drafting)


def review_for(session: Session, client: Client) -> Review:
    return _review(client, _plans_by_client(session, [client.id])[client.id])


def reviews(
    session: Session,
    office_id: int,
    today: date,
    *,
    within_days: int = SOON_DAYS,
    supporter_id: int | None = None,
    overdue_only: bool = False,
) -> list[Review]:
    """Active clients whose review is overdue or due within ``within_days``, the most
    overdue first."""
    q = (
        select(Client)
        .where(Client.office_id == office_id, Client.status == ClientStatus.ACTIVE)
        .options(joinedload(Client.supporter))
        .order_by(Client.id)
    )
    if supporter_id is not None:
        q = q.where(Client.supporter_id == supporter_id)
    clients = list(session.scalars(q))
    plans = _plans_by_client(session, [c.id for c in clients])
    out = []
    limit = today if overdue_only else today + timedelta(days=within_days)
    for c in clients:
        r = _review(c, plans[c.id])
        if r.due is not None and (r.due < today if overdue_only else r.due <= limit):
            out.append(r)
    return sorted(out, key=lambda r: (r.due or today, r.client.id))


def overdue_for(session: Session, staff: StaffUser, today: date) -> list[Review]:
    """The overdue reviews on a staff member's morning list: their own clients'; the whole
    office's for a service manager or an administrator."""
    manager = staff.role in (Role.ADMIN, Role.SERVICE_MANAGER)
    return reviews(
        session,
        staff.office_id,
        today,
        supporter_id=None if manager else staff.id,
        overdue_only=True,
    )
