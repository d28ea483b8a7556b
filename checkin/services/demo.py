"""Believable demo data: one office, 3 supporters, 30 clients, 90 days of entries."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    Channel,
    CheckIn,
    Client,
    Contact,
    ContactKind,
    Disclosure,
    Employer,
    Office,
    Role,
    Stage,
)
from checkin.services.links import issue_link
from checkin.services.staff import create_staff
from checkin.timeutil import local_date

DEMO_OFFICE = "みらい就労定着支援センター (デモ)"
DEMO_PASSWORD = "demo-pass"

SUPPORTERS = [("sato", "佐藤 花子"), ("suzuki", "鈴木 一郎"), ("takahashi", "高橋 由美")]
FAMILY = [
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
    "石井",
    "小川",
    "前田",
    "岡田",
    "長谷川",
    "藤田",
]
GIVEN = [
    "健太",
    "美咲",
    "大輔",
    "彩",
    "翔",
    "愛",
    "拓也",
    "由香",
    "直樹",
    "真由美",
    "亮",
    "恵",
    "悠斗",
    "舞",
    "誠",
    "香織",
    "陽介",
    "千尋",
    "和也",
    "沙織",
    "光",
    "結衣",
    "剛",
    "奈々",
    "隼人",
    "理恵",
    "修",
    "杏",
    "蓮",
    "葵",
]
EMPLOYERS = [
    "株式会社あおぞら物流",
    "ひかり食品株式会社",
    "株式会社みどり事務サービス",
    "さくら介護株式会社",
]
NOTES_GOOD = ["仕事になれてきた", "上司にほめられた", "休みの日に散歩した", "よく眠れた", None]
NOTES_BAD = ["朝起きるのがつらい", "ミスをして落ちこんだ", "職場で話しかけにくい", "頭が重い"]

# Scripted clients (index in the 30): what the alert list should show this morning.
SLOW_SLIDE = (2, 11)  # mood sliding for about 10 days
SUDDEN_DROP = (19,)  # fell about a week ago
FATIGUE_RISE = (24,)  # tiredness climbing and sleep slipping, mood holding
SILENT = 7  # stopped answering 6 days ago
ASKS_CONTACT = 15  # ticked 相談したい yesterday


@dataclass
class DemoResult:
    office: Office
    logins: list[tuple[str, str, str]]  # login, name, role
    password: str
    link_client: Client
    link_token: str


def seed_demo(session: Session, *, now: datetime, seed: int = 7) -> DemoResult:
    if session.scalar(select(Office).where(Office.name == DEMO_OFFICE)) is not None:
        raise RuntimeError("demo data already present")
    rng = random.Random(seed)
    office = Office(name=DEMO_OFFICE, timezone="Asia/Tokyo", created_at=now, updated_at=now)
    session.add(office)
    today = local_date(now, office.timezone)
    admin = create_staff(
        session,
        office,
        login="kanri",
        name="管理 太郎",
        password=DEMO_PASSWORD,
        role=Role.SERVICE_MANAGER,
    )
    supporters = [
        create_staff(session, office, login=login, name=name, password=DEMO_PASSWORD)
        for login, name in SUPPORTERS
    ]
    employers = [Employer(office=office, name=n) for n in EMPLOYERS]
    session.add_all(employers)
    session.flush()

    clients = []
    for i in range(30):
        sup = supporters[i % 3]
        hire = today - timedelta(days=rng.randint(200, 900))
        months = (today - hire).days / 30
        stage = (
            Stage.EXPLORATION
            if months < 10
            else Stage.ADJUSTMENT
            if months < 18
            else Stage.STABILITY
            if months < 26
            else Stage.SELF_DRIVING
        )
        client = Client(
            office=office,
            name=f"{FAMILY[i]} {GIVEN[i]}",
            supporter_id=sup.id,
            backup_supporter_id=supporters[(i + 1) % 3].id,
            employer_id=employers[i % len(employers)].id,
            hire_date=hire,
            service_start=hire + timedelta(days=182),
            service_end=hire + timedelta(days=182 + 3 * 365),
            stage=stage,
            disclosure=Disclosure.CLOSED if i % 7 == 3 else Disclosure.OPEN,
            checkin_weekdays="01234" if i % 5 else "0123456",
            reminder_time=time(19, 0),
        )
        session.add(client)
        clients.append(client)
    session.flush()

    contacts_rng = random.Random(seed + 1)  # its own stream: entries stay as they were
    for i, client in enumerate(clients):
        _entries(session, client, i, rng, today, now)
        _contacts(session, client, i, contacts_rng, now)
    token = issue_link(session, clients[0], now=now, actor=admin)
    session.flush()
    logins = [(s.login, s.name, s.role.value) for s in [admin, *supporters]]
    return DemoResult(office, logins, DEMO_PASSWORD, clients[0], token)


def _entries(
    session: Session, client: Client, i: int, rng: random.Random, today: date, now: datetime
) -> None:
    usual_mood = rng.choice([3.2, 3.5, 3.8, 4.0, 4.2])
    usual_fatigue = rng.choice([2.0, 2.3, 2.6])
    usual_sleep = rng.choice([6.0, 6.5, 7.0, 7.5])
    adherence = rng.choice([0.97, 0.93, 0.9, 0.85, 0.75])
    workdays = client.weekdays
    rows = []
    for back in range(90, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() not in workdays:
            continue
        if i == SILENT and back <= 6:
            continue
        # The scripted clients answer reliably in their bad days, so the demo is readable.
        scripted = (i in SLOW_SLIDE + SUDDEN_DROP + FATIGUE_RISE and back <= 12) or (
            i == ASKS_CONTACT and back == 1
        )
        if not scripted and rng.random() > adherence:
            continue
        mood = usual_mood + rng.gauss(0, 0.55) - (0.35 if day.weekday() == 0 else 0)
        fatigue = usual_fatigue + rng.gauss(0, 0.5) + (0.3 if day.weekday() == 4 else 0)
        sleep = usual_sleep + rng.gauss(0, 0.6)
        if i in SLOW_SLIDE and back <= 10:
            mood -= (11 - back) * 0.2
            fatigue += (11 - back) * 0.15
            sleep -= (11 - back) * 0.12
        if i in SUDDEN_DROP and back <= 6:
            mood -= 2.0
            sleep -= 1.5
        if i in FATIGUE_RISE and back <= 10:
            # tiredness that no longer recovers, and sleep slipping with it
            fatigue += (11 - back) * 0.22
            sleep -= (11 - back) * 0.12
        note = None
        if rng.random() < 0.2:
            note = rng.choice(NOTES_BAD if mood < usual_mood - 0.8 else NOTES_GOOD)
        wants = i == ASKS_CONTACT and back == 1
        if wants:
            note = "仕事のことで話したいです"
        rows.append(
            CheckIn(
                client_id=client.id,
                local_date=day,
                mood=_clamp(mood),
                fatigue=_clamp(fatigue),
                sleep_hours=Decimal(str(round(max(2.0, min(11.0, sleep)) * 2) / 2)),
                sleep_quality=_clamp(3 + (sleep - usual_sleep) * 0.8 + rng.gauss(0, 0.6)),
                note=note,
                wants_contact=wants,
                channel=Channel.WEB,
                created_at=now,
                updated_at=now,
            )
        )
    session.add_all(rows)


OVERDUE = (5, 13, 27)  # no meeting for over a month: the overview should show them


def _contacts(session: Session, client: Client, i: int, rng: random.Random, now: datetime) -> None:
    """A monthly meeting (the legal minimum) and the odd call, as an office records them."""
    assert client.supporter_id is not None
    months = (0, 1, 2) if i not in OVERDUE else (2,)
    for m in months:
        kind = ContactKind.MEETING if rng.random() < 0.8 else ContactKind.VIDEO
        when = now - timedelta(days=30 * m + rng.randint(3, 25))
        session.add(
            Contact(
                office_id=client.office_id,
                client_id=client.id,
                staff_id=client.supporter_id,
                kind=kind,
                occurred_at=when,
                note="月1回の面談",
                created_at=now,
                updated_at=now,
            )
        )
    if i not in OVERDUE and rng.random() < 0.5:
        session.add(
            Contact(
                office_id=client.office_id,
                client_id=client.id,
                staff_id=client.supporter_id,
                kind=ContactKind.CALL,
                occurred_at=now - timedelta(days=rng.randint(1, 20)),
                note="仕事の様子を電話で確認",
                created_at=now,
                updated_at=now,
            )
        )


def _clamp(x: float) -> int:
    return max(1, min(5, round(x)))
