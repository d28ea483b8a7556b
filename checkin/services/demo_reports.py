"""The demo office's monthly support reports (issue 14), seeded after its check-ins,
flags and contacts so that the drafts are written from them.

Past months: confirmed reports (some with items the client kept from the employer, the
employer-consent client among them). This month: one client in each state - no report
yet, a draft, sent and waiting, returned with the client's comment, confirmed - and the
rest without a report, for a supporter to generate.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import Client, Disclosure, DocKind, Office, StaffUser
from checkin.services import documents as docs
from checkin.services import reports

PAST_MONTHS = 3
PAST_CLIENTS = 8  # the first clients have confirmed reports for the past months
# This month, by client index: what state the report is in (the others have none yet).
THIS_MONTH = {1: "draft", 2: "sent", 3: "returned", 4: "confirmed"}

GOALS = [
    "朝の 準備を 前の晩に して、遅刻を しない",
    "疲れを ためない。週末に しっかり 休む",
    "困ったときに 上司に 相談する",
    "睡眠時間を 7時間 とる",
]
SUPPORT = [
    "面談で 1か月の 記録を 一緒に 見ました。疲れが たまる 木曜・金曜の すごし方を 話しました。",
    "職場訪問で 上司と 作業の 手順書について 確認しました。"
    "本人は 手順書を 見ながら 作業できています。",
    "電話で 睡眠の ようすを 聞きました。寝る前の スマホを 控える 工夫を 続けています。",
]
NEXT_OFFICE = ["来月も 月初めに 面談を します。", "記録の 変化を 見て、早めに 連絡します。"]
NEXT_CLIENT = ["寝る前の 30分は スマホを 見ない。", "疲れた 日は 記録の メモに 書く。"]
NEXT_EMPLOYER = ["作業の 指示は 紙でも 渡して いただく。", "月に 1回、5分の 面談を お願いする。"]
SHARED = [
    "通院日は 毎月 第2水曜日 (午後休み) です。",
    "繁忙期の 残業は 1日 1時間までと しています。",
]
COMMENT = "面談は 5日では なく 6日でした。"


def _local(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(tz)).astimezone(UTC)


def _written(i: int, rng: random.Random, closed: bool) -> dict[str, str]:
    body = {
        "support": rng.choice(SUPPORT),
        "next_office": rng.choice(NEXT_OFFICE),
        "next_client": rng.choice(NEXT_CLIENT),
    }
    if not closed:
        body["next_employer"] = rng.choice(NEXT_EMPLOYER)
        body["shared"] = SHARED[i % len(SHARED)]
    return body


def seed_reports(
    session: Session, office: Office, clients: list[Client], *, now: datetime, seed: int = 11
) -> None:
    rng = random.Random(seed)
    tz = office.timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    staff = {
        s.id: s for s in session.scalars(select(StaffUser).where(StaffUser.office_id == office.id))
    }
    months = reports.months_back(today, PAST_MONTHS + 1)
    # --- past months: written, sent and confirmed a few days after the month ended ---
    for year, month in reversed(months[1:]):
        _first, last = reports.month_bounds(year, month)
        sent_on = last + timedelta(days=3)
        chosen = [
            c for c in clients[:PAST_CLIENTS] if reports.in_support(c, year, month, ZoneInfo(tz))
        ]
        bodies = reports.draft_bodies(session, office, chosen, year, month, today=last)
        for i, client in enumerate(chosen):
            by = staff[client.supporter_id or 0]
            closed = client.disclosure == Disclosure.CLOSED
            body = bodies[client.id] | {"goal": GOALS[(i + month) % len(GOALS)]}
            body |= _written(i, rng, closed)
            written = _local(sent_on - timedelta(days=1), 17, tz)
            doc = docs.start(
                session,
                client,
                DocKind.MONTHLY_REPORT,
                reports.period_of(year, month),
                body,
                by=by,
                now=written,
            )
            docs.send(session, doc, by=by, now=_local(sent_on, 10, tz))
            private = [] if closed or i % 3 else ["shared"]  # some kept from the employer
            docs.confirm(
                session,
                doc,
                channel="line" if i % 2 else "web",
                private_items=private,
                now=_local(sent_on + timedelta(days=1 + i % 3), 20, tz),
            )
    # --- this month: one report in each state ---
    year, month = months[0]
    period = reports.period_of(year, month)
    for index, state in THIS_MONTH.items():
        client = clients[index]
        by = staff[client.supporter_id or 0]
        closed = client.disclosure == Disclosure.CLOSED
        body = reports.draft_body(session, client, year, month, today=today)
        if not body["goal"]:
            body["goal"] = GOALS[index % len(GOALS)]
        if state != "draft":
            body |= _written(index, rng, closed)
        at = now - timedelta(hours=6)
        doc = docs.start(session, client, DocKind.MONTHLY_REPORT, period, body, by=by, now=at)
        if state == "draft":
            continue
        docs.send(session, doc, by=by, now=at + timedelta(hours=1))
        if state == "returned":
            docs.return_with_comment(
                session, doc, COMMENT, channel="web", now=at + timedelta(hours=3)
            )
        elif state == "confirmed":
            docs.confirm(
                session,
                doc,
                channel="web",
                private_items=[] if closed else ["next_employer"],
                now=at + timedelta(hours=4),
            )
    session.flush()
