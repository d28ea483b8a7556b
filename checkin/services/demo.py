"""Believable demo data: one office, 3 supporters, 30 clients, 180 days of entries.

The history holds past slides of some clients followed by what the supporters recorded
(欠勤 absences, one 休職 sick leave), the flags the rules raised on those mornings with the
supporters' verdicts (役に立った / 役に立たなかった), and, when ``train`` is set, the office's
learned ranking trained from them (:func:`checkin.services.ranking.train_office`, as the
weekly job does), so this morning's list is ordered by an active model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    Channel,
    CheckIn,
    Client,
    ClientDocument,
    ClientStatus,
    ConsentScope,
    Contact,
    ContactKind,
    Disclosure,
    DocKind,
    DocStatus,
    Employer,
    EmployerUser,
    EmploymentEvent,
    EmploymentKind,
    Flag,
    FlagFeedback,
    FlagStatus,
    Office,
    Outcome,
    OutcomeKind,
    Role,
    Severity,
    StaffUser,
    Stage,
    StageChange,
)
from checkin.services import lifecycle, period, retention_rate
from checkin.services.links import issue_link
from checkin.services.staff import create_staff
from checkin.services.support import add_consent
from checkin.timeutil import local_date

if TYPE_CHECKING:
    from checkin.services.ranking import TrainResult

DEMO_OFFICE = "みらい就労定着支援センター (デモ)"
DEMO_PASSWORD = "demo-pass"
MAIL_DOMAIN = "demo.invalid"  # reserved (RFC 2606): never a real mailbox
# The employer's account: a person at 株式会社あおぞら物流 who sees the consented summary of
# one employee (open employment) at /employer/login.
EMPLOYER_LOGIN = ("aozora", "青空 次郎")
CONSENT_CLIENT = 0  # the client with the printed link: check in as them, see it as the employer
CONSENT_SCOPES = [
    ConsentScope.TREND.value,
    ConsentScope.ANSWER_RATE.value,
    ConsentScope.FLAGS.value,
    ConsentScope.REPORTS.value,
    ConsentScope.ASSESSMENT.value,  # the employer answers the periodic checks
    ConsentScope.EMPLOYER_VOICE.value,  # the employer may send a concern and the monthly answer
]
# What the employer wrote: last month's answer to the monthly contact, and a concern
# yesterday (on the supporter's alert list as a flag of its own).
EMPLOYER_ANSWER = "先月は欠勤なく、落ち着いて仕事をしていました。新しい作業も覚えています。"
EMPLOYER_CONCERN = "今週、朝の遅刻が2回ありました (10分ほど)。少し疲れた様子です。"
VIDEO_REASON = "職場が遠方で、勤務の後に対面の時間がとれないため (本人の希望)"

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

# The periodic checks (services/assessments.py): rounds this many days back. The consent
# client has all three sides (their employer answers through the employer view) and in the
# last round the client and the employer disagree clearly on the boss's view and conduct;
# the fatigue client says they sleep fine while the check-ins show short nights.
ASSESSMENT_ROUNDS = (150, 60, 4)
HISTORY_DAYS = 180  # days of entries: enough past slides and outcomes to learn a ranking
# Past slides (client index -> days back of the worst day) and what followed, a day or two
# after the worst day: an absence (欠勤), or for one client a sick leave (休職) of four weeks
# without check-ins. Spread over the history so that each training period has some.
PAST_SLIDES = {
    1: 150,
    4: 139,
    5: 128,
    8: 118,
    10: 107,
    13: 96,
    16: 86,
    20: 75,
    22: 64,
    25: 53,
    28: 42,
    29: 31,
    3: 24,
}
SICK_LEAVE = 8  # its slide ends in 休職, back at work four weeks later
LEAVE_DAYS = 28
# The sudden drop of about a week ago: the client was absent the day before yesterday.
RECENT_ABSENCE = (SUDDEN_DROP[0], 2)
FLAG_HISTORY_UNTIL = 15  # past flags (handled, with verdicts) up to this many days ago


@dataclass
class DemoResult:
    office: Office
    logins: list[tuple[str, str, str]]  # login, name, role
    password: str
    link_client: Client
    link_token: str
    ranking: TrainResult | None = None  # the office's training at the end of seeding
    # login, name, employer
    employer_logins: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(session: Session, *, now: datetime, seed: int = 7, train: bool = True) -> DemoResult:
    if session.scalar(select(Office).where(Office.name == DEMO_OFFICE)) is not None:
        raise RuntimeError("demo data already present")
    rng = random.Random(seed)
    # An ordinary morning hour; ``checkin demo`` runs this morning's signals and digest at
    # start whatever the hour (jobs/demo.py), so there is always a morning to show.
    office = Office(
        name=DEMO_OFFICE, timezone="Asia/Tokyo", morning_hour=7, created_at=now, updated_at=now
    )
    session.add(office)
    today = local_date(now, office.timezone)
    admin = create_staff(
        session,
        office,
        login="kanri",
        name="管理 太郎",
        password=DEMO_PASSWORD,
        role=Role.SERVICE_MANAGER,
        email=f"kanri@{MAIL_DOMAIN}",
    )
    supporters = [
        create_staff(
            session,
            office,
            login=login,
            name=name,
            password=DEMO_PASSWORD,
            email=f"{login}@{MAIL_DOMAIN}",
        )
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
            service_start=period.after(hire, period.WAIT_MONTHS),
            service_end=period.period_end(period.after(hire, period.WAIT_MONTHS), 36),
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
    _outcomes(session, clients, today, now)
    _past_flags(session, office, clients, today, random.Random(seed + 2))
    employer_user = _employer_account(session, employers[0], clients[CONSENT_CLIENT], now)
    _reports(session, office, clients, now)
    _assessments(session, clients, employer_user, today, now, random.Random(seed + 3))
    _workplace_visits(session, clients, today, now)
    _lifecycle(session, office, clients, supporters, today, now)
    _plans_and_handover(session, clients, admin, today, now)
    ranking = None
    if train:
        from checkin.services.ranking import train_office

        ranking = train_office(session, office, today, now=now)
    return _result(session, office, clients[0], token, ranking)


def _reports(session: Session, office: Office, clients: list[Client], now: datetime) -> None:
    """The monthly support reports (services/demo_reports.py): past months confirmed,
    this month in each state."""
    from checkin.services.demo_reports import seed_reports

    session.flush()
    seed_reports(session, office, clients, now=now)


def demo_info(session: Session, *, now: datetime) -> DemoResult | None:
    """The logins of the demo office already in the database and a fresh check-in link for
    its first client (only a link's hash is stored, so the earlier one cannot be shown
    again: the new link replaces it). None when there is no demo office."""
    office = session.scalar(select(Office).where(Office.name == DEMO_OFFICE))
    if office is None:
        return None
    client = session.scalars(
        select(Client)
        .where(Client.office_id == office.id, Client.status == ClientStatus.ACTIVE)
        .order_by(Client.id)
    ).first()
    if client is None:
        raise RuntimeError("the demo office has no active client")
    token = issue_link(session, client, now=now)
    session.flush()
    return _result(session, office, client, token, None)


def _result(
    session: Session, office: Office, client: Client, token: str, ranking: TrainResult | None
) -> DemoResult:
    staff = session.scalars(
        select(StaffUser)
        .where(StaffUser.office_id == office.id, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    ).all()
    employer_users = session.execute(
        select(EmployerUser, Employer.name)
        .join(Employer, EmployerUser.employer_id == Employer.id)
        .where(Employer.office_id == office.id, EmployerUser.active.is_(True))
        .order_by(EmployerUser.id)
    ).all()
    return DemoResult(
        office,
        [(s.login, s.name, s.role.value) for s in staff],
        DEMO_PASSWORD,
        client,
        token,
        ranking,
        [(u.login, u.name, name) for u, name in employer_users],
    )


# The support plans and the end of service (issue #15): who shows what.
PLAN_OVERDUE_CLIENT = 4  # a plan review 1 month overdue (the morning list, the review list)
PLAN_SOON_CLIENT = 1  # a review due within 30 days (the service manager's list)
NO_DECISION_CLIENT = 5  # 5 months before the end, no handover decision (a notice)
HANDED_OVER_CLIENT = 6  # handed over to a センター with written consent and a disclosure log
DEMO_PLAN = {
    "long_goal": "いまの職場で 無理なく 働き続ける",
    "short_goals": "朝 7時に 起きて 遅刻しない\n困ったときに 上司に 相談できる",
    "policy": "本人のペースを 大切にし、職場と 一緒に 小さな成功を 積み重ねる",
    "content": "月2回の面談 (うち1回は職場訪問)、日々の記録の ふりかえり",
    "frequency": "月2回",
}


def _demo_plan(
    session: Session,
    client: Client,
    start: date,
    manager: StaffUser,
    now: datetime,
) -> ClientDocument:
    from checkin.services import documents, plans

    supporter = session.get(StaffUser, client.supporter_id)
    assert supporter is not None
    doc = plans.new_plan(session, client, start, plans.default_end(start), by=supporter, now=now)
    documents.save(session, doc, DEMO_PLAN, revision=doc.revision, by=supporter, now=now)
    documents.approve(session, doc, by=manager, now=now)
    documents.send(session, doc, by=supporter, now=now)
    documents.confirm(session, doc, channel="web", private_items=[], now=now)
    return doc


def _plans_and_handover(
    session: Session, clients: list[Client], manager: StaffUser, today: date, now: datetime
) -> None:
    """A few plans (one review overdue, one due soon), a client 5 months from the end with
    no handover decision, and one handed over with consent and a disclosure log."""
    from checkin.services import documents, handover, plans

    for i, client in enumerate(clients[:8]):
        months_ago = 7 if i == PLAN_OVERDUE_CLIENT else 6 if i == PLAN_SOON_CLIENT else 2
        start = plans.add_months(today, -months_ago)
        if i == PLAN_SOON_CLIENT:
            start += timedelta(days=12)
        _demo_plan(session, client, start, manager, now - timedelta(days=30 * months_ago))
    clients[NO_DECISION_CLIENT].service_end = plans.add_months(today, 5)
    client = clients[HANDED_OVER_CLIENT]
    client.service_end = plans.add_months(today, 2)
    supporter = session.get(StaffUser, client.supporter_id)
    assert supporter is not None
    # A confirmed report to hand over (unless the report months already made one).
    if (
        documents.latest(session, client.id, DocKind.MONTHLY_REPORT, status=DocStatus.CONFIRMED)
        is None
    ):
        month = plans.add_months(today, -1)
        report = documents.start(
            session,
            client,
            DocKind.MONTHLY_REPORT,
            f"{month.year:04d}-{month.month:02d}",
            {
                "goal": "朝の準備を 前の晩に する",
                "support": "面談で 睡眠の記録を 一緒に見た。遅刻は 0回。",
                "next_office": "センターへの引継ぎの準備",
                "next_client": "センターの担当者と 顔を合わせる",
                "next_employer": "面談の時間を 月1回 とる",
                "shared": "通院日は 第2水曜",
            },
            by=supporter,
            now=now - timedelta(days=8),
        )
        documents.send(session, report, by=supporter, now=now - timedelta(days=8))
        documents.confirm(
            session, report, channel="line", private_items=["shared"], now=now - timedelta(days=7)
        )
    handover.record_decision(
        session,
        client,
        "agency",
        "center",
        "本人が センターでの相談を 続けたいと 希望",
        by=supporter,
        now=now - timedelta(days=20),
    )
    handover.record_handover(
        session,
        client,
        {
            "consent_by": f"{client.name} (本人)",
            "consent_on": (today - timedelta(days=14)).isoformat(),
            "consent_evidence": "引継ぎ同意書 No.2026-031 (事務室の鍵付き棚)",
            "consent_file": "",
            "receiver_name": "みなと障害者就業・生活支援センター",
            "receiver_person": "山田 花子",
            "meeting_on": (today - timedelta(days=3)).isoformat(),
        },
        by=supporter,
        now=now - timedelta(days=14),
    )
    package = handover.make_package(session, client, by=supporter, now=now - timedelta(days=4))
    documents.save(
        session,
        package,
        {"notes": "朝の声かけで 調子が わかります。通院日の前後は 疲れが出やすいです。"},
        revision=package.revision,
        by=supporter,
        now=now - timedelta(days=4),
    )
    documents.send(session, package, by=supporter, now=now - timedelta(days=4))
    handover.disclose(
        session,
        client,
        package,
        ["receiver", "plan", "reports", "trend", "private", "notes"],
        "ケース会議で手渡し",
        by=supporter,
        now=now - timedelta(days=3),
    )


def _employer_account(
    session: Session, employer: Employer, client: Client, now: datetime
) -> EmployerUser:
    """A login for the employer and the client's recorded consent to share summaries with it."""
    assert client.employer_id == employer.id and client.disclosure == Disclosure.OPEN
    login, name = EMPLOYER_LOGIN
    user = EmployerUser(employer_id=employer.id, login=login, name=name)
    user.set_password(DEMO_PASSWORD)
    session.add(user)
    supporter = session.get(StaffUser, client.supporter_id)
    assert supporter is not None
    add_consent(
        session,
        supporter,
        client,
        employer_id=employer.id,
        agency_name=None,
        scopes=CONSENT_SCOPES,
        evidence="同意書 No.2026-001 (デモ)",
        now=now - timedelta(days=60),
    )
    session.flush()
    from checkin.services.employer_voice import write_note

    write_note(
        session,
        user,
        client,
        kind="monthly_answer",
        topic=None,
        text=EMPLOYER_ANSWER,
        now=now - timedelta(days=32),
    )
    write_note(
        session,
        user,
        client,
        kind="concern",
        topic="late",
        text=EMPLOYER_CONCERN,
        now=now - timedelta(days=1),
    )

    return user


def _workplace_visits(session: Session, clients: list[Client], today: date, now: datetime) -> None:
    """Employer contacts: a workplace visit last month for most open-employment clients and
    this month for some, so the duties board shows both states (closed employment: none;
    the overdue clients: none)."""
    first = today.replace(day=1)
    for i, client in enumerate(clients):
        if client.disclosure == Disclosure.CLOSED or client.supporter_id is None or i in OVERDUE:
            continue  # OVERDUE: nobody has been in touch for over a month
        days = [first - timedelta(days=10 + i % 9)]
        if i % 3 == 0 and today > first:
            days.append(first + timedelta(days=i % max((today - first).days, 1)))
        for day in days:
            when = datetime.combine(day, time(14, 0), ZoneInfo("Asia/Tokyo")).astimezone(UTC)
            session.add(
                Contact(
                    office_id=client.office_id,
                    client_id=client.id,
                    staff_id=client.supporter_id,
                    kind=ContactKind.WORKPLACE_VISIT,
                    occurred_at=min(when, now),
                    note="職場を訪問し、上司と本人の様子を確認",
                    created_at=now,
                    updated_at=now,
                )
            )


def _entries(
    session: Session, client: Client, i: int, rng: random.Random, today: date, now: datetime
) -> None:
    usual_mood = rng.choice([3.2, 3.5, 3.8, 4.0, 4.2])
    usual_fatigue = rng.choice([2.0, 2.3, 2.6])
    usual_sleep = rng.choice([6.0, 6.5, 7.0, 7.5])
    adherence = rng.choice([0.97, 0.93, 0.9, 0.85, 0.75])
    workdays = client.weekdays
    rows = []
    peak = PAST_SLIDES.get(i)
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() not in workdays:
            continue
        if i == SILENT and back <= 6:
            continue
        if i == SICK_LEAVE and peak is not None and peak - LEAVE_DAYS < back < peak - 1:
            continue  # on sick leave: no check-ins
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
        if peak is not None and peak - 9 < back <= peak + 8:
            # a past slide: eight days down to the worst day, a week to recover
            k = (peak + 9 - back) / 9 if back >= peak else (back - peak + 9) / 9
            mood -= 1.8 * k
            fatigue += 1.5 * k
            sleep -= 1.3 * k
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


def _outcomes(session: Session, clients: list[Client], today: date, now: datetime) -> None:
    """What the supporters recorded after the past slides (and the recent sudden drop)."""
    recorded = [
        (i, OutcomeKind.SICK_LEAVE if i == SICK_LEAVE else OutcomeKind.ABSENCE, peak - 2)
        for i, peak in PAST_SLIDES.items()
    ]
    recorded.append((RECENT_ABSENCE[0], OutcomeKind.ABSENCE, RECENT_ABSENCE[1]))
    notes = {
        OutcomeKind.ABSENCE: "体調不良で欠勤 (本人から職場に連絡)",
        OutcomeKind.SICK_LEAVE: "主治医の意見で休職 (4週間)",
    }
    for i, kind, back in recorded:
        client = clients[i]
        assert client.supporter_id is not None
        day = today - timedelta(days=back)
        session.add(
            Outcome(
                office_id=client.office_id,
                client_id=client.id,
                kind=kind,
                occurred_on=day,
                note=notes[kind],
                recorded_by_id=client.supporter_id,
                recorded_at=min(now, datetime.combine(day, time(9, 0), tzinfo=UTC)),
            )
        )
    session.flush()


def _past_flags(
    session: Session, office: Office, clients: list[Client], today: date, rng: random.Random
) -> None:
    """The flags the rules raised on the past mornings, handled by the supporters, with their
    verdicts: useful when a slide (and its absence or leave) followed, mostly not otherwise.

    One detector pass over the history (the morning job's own rules and the backtest's
    no-nagging step), not a morning job per day: seeding stays fast."""
    from checkin.services.ranking import FIRST_MORNING_AFTER, training_frames
    from checkin.signals.cooldown import apply_cooldown
    from checkin.signals.flags import compute_mornings

    first = today - timedelta(days=HISTORY_DAYS - FIRST_MORNING_AFTER)
    last = today - timedelta(days=FLAG_HISTORY_UNTIL)
    entries, frame = training_frames(session, office.id, first, last + timedelta(days=1))
    mornings = [first + timedelta(days=d) for d in range((last - first).days + 1)]
    by_morning = compute_mornings(entries, frame, mornings)
    troubled: dict[int, tuple[date, date]] = {}  # client id -> the slide's days, and after
    for i, peak in PAST_SLIDES.items():
        end = peak - LEAVE_DAYS if i == SICK_LEAVE else peak - 5
        troubled[clients[i].id] = (today - timedelta(days=peak + 8), today - timedelta(days=end))
    by_id = {c.id: c for c in clients}
    state: dict = {}
    episodes: dict[tuple[int, str, date], Flag] = {}
    for morning in mornings:
        state, events = apply_cooldown(state, by_morning[morning], morning)
        for ev in events:
            c = ev.candidate
            key = (c.client_id, c.kind, ev.first_date)
            flag = episodes.get(key)
            if flag is None:
                client = by_id[c.client_id]
                flag = Flag(
                    office_id=office.id,
                    client_id=c.client_id,
                    kind=c.kind,
                    severity=Severity(c.severity),
                    score=c.score,
                    reasons=[r.as_dict() for r in c.reasons],
                    first_date=morning,
                    last_date=morning,
                    status=FlagStatus.RESOLVED,
                    assignee_id=client.supporter_id,
                    acted_by_id=client.supporter_id,
                    source="morning",
                    model_version=c.model_version,
                )
                episodes[key] = flag
            elif Severity(c.severity).rank < flag.severity.rank:
                flag.severity = Severity(c.severity)
                flag.reasons = [r.as_dict() for r in c.reasons]
            flag.last_date = morning
            flag.score = max(flag.score, c.score)
    flags = list(episodes.values())
    for flag in flags:
        # handled (seen, called) on the morning it was last shown (10:30 in Tokyo)
        flag.acted_at = datetime.combine(flag.last_date, time(1, 30), tzinfo=UTC)
        flag.created_at = datetime.combine(flag.first_date, time(0, 0), tzinfo=UTC)
        flag.updated_at = flag.acted_at
    session.add_all(flags)
    session.flush()
    feedback = []
    for flag in flags:
        if rng.random() < 0.15:
            continue  # not every flag gets a verdict
        span = troubled.get(flag.client_id)
        in_slide = span is not None and flag.first_date <= span[1] and flag.last_date >= span[0]
        on_leave = flag.client_id == clients[SICK_LEAVE].id and flag.kind == "missing"
        useful = (in_slide and not on_leave) or (not in_slide and rng.random() < 0.1)
        assert flag.acted_by_id is not None and flag.acted_at is not None
        feedback.append(
            FlagFeedback(
                office_id=office.id,
                flag_id=flag.id,
                client_id=flag.client_id,
                useful=useful,
                staff_id=flag.acted_by_id,
                at=flag.acted_at,
            )
        )
    session.add_all(feedback)
    session.flush()


OVERDUE = (5, 13, 27)  # no meeting for over a month: the overview should show them


def _contacts(session: Session, client: Client, i: int, rng: random.Random, now: datetime) -> None:
    """A monthly meeting (the legal minimum) and the odd call, as an office records them."""
    assert client.supporter_id is not None
    months = (0, 1, 2) if i not in OVERDUE else (2,)
    for m in months:
        kind = ContactKind.MEETING if rng.random() < 0.8 else ContactKind.VIDEO
        when = now - timedelta(days=30 * m + rng.randint(3, 25))
        video = kind == ContactKind.VIDEO
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
                # The meeting's details in the same record (place, who, why by video).
                place="オンライン (ビデオ通話)" if video else "事業所の面談室",
                attendees=["client", "supporter"],
                video_reason=VIDEO_REASON if video else None,
                video_conditions=True if video else None,
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


# The stage each client reaches after this many months from hire (as seed_demo sets it),
# with the reason the supporter wrote.
STAGE_STEPS = [
    (10, Stage.ADJUSTMENT, "記録が安定し、職場での困りごとが減ったため"),
    (18, Stage.STABILITY, "3か月アラートがなく、本人が自分で相談できている"),
    (26, Stage.SELF_DRIVING, "本人と話し、困ったときに連絡をもらう形にした"),
]
# People who used the service and are no longer supported, with their employment around
# the retention rate's counting day D (the last 31 March): (name, service start and end in
# days from D, events as (kind, days from D, employer), employed on D).
PastEvent = tuple[EmploymentKind, int, str | None]
PAST_CLIENTS: list[tuple[str, int, int, list[PastEvent], bool]] = [
    ("大野 修二", -1300, -205, [(EmploymentKind.EMPLOYED, -30, None)], True),
    ("坂本 智子", -400, -100, [(EmploymentKind.LEFT, -100, None)], False),
    (
        "原田 涼",
        -500,
        -10,
        [(EmploymentKind.LEFT, -10, None), (EmploymentKind.CHANGED_JOB, 15, "株式会社つばさ")],
        True,
    ),
    (
        "岩崎 陽子",
        -450,
        -12,
        [(EmploymentKind.LEFT, -12, None), (EmploymentKind.CHANGED_JOB, 40, "みなと運輸")],
        False,
    ),
    ("藤井 大樹", -1150, -60, [(EmploymentKind.ON_LEAVE, -30, None)], True),
]


def _lifecycle(
    session: Session,
    office: Office,
    clients: list[Client],
    supporters: list[StaffUser],
    today: date,
    now: datetime,
) -> None:
    """Stage histories, the sick leave as employment events, and people who finished or
    left the service, so that the retention page has a rate a reader can check by hand."""
    tz = office.timezone
    for client in clients:
        assert client.hire_date is not None
        before: Stage = Stage.EXPLORATION
        for months, stage, reason in STAGE_STEPS:
            day = period.after(client.hire_date, months)
            if day > today or STAGE_ORDER.index(stage) > STAGE_ORDER.index(client.stage):
                break
            session.add(
                StageChange(
                    office_id=office.id,
                    client_id=client.id,
                    from_stage=before,
                    to_stage=stage,
                    reason=reason,
                    changed_by_id=client.supporter_id,
                    changed_at=_at(day, tz),
                )
            )
            before = stage
    sick = clients[SICK_LEAVE]
    leave = today - timedelta(days=PAST_SLIDES[SICK_LEAVE] - 2)
    _employment(session, sick, EmploymentKind.ON_LEAVE, leave, None, now)
    _employment(session, sick, EmploymentKind.EMPLOYED, leave + timedelta(LEAVE_DAYS), None, now)
    d = retention_rate.counting_day(retention_rate.fiscal_year_of(today))
    for k, (name, start, end, events, _employed) in enumerate(PAST_CLIENTS):
        hire = d + timedelta(days=start - 183)
        client = Client(
            office=office,
            name=name,
            supporter_id=supporters[k % 3].id,
            hire_date=hire,
            service_start=d + timedelta(days=start),
            service_end=d + timedelta(days=end),
            stage=Stage.SELF_DRIVING,
            status=ClientStatus.ENDED,
        )
        session.add(client)
        session.flush()
        for kind, back, employer in events:
            if d + timedelta(days=back) <= today:  # run in April: no new job yet
                _employment(session, client, kind, d + timedelta(days=back), employer, now)


STAGE_ORDER = lifecycle.STAGE_ORDER


def _at(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(10, 0), ZoneInfo(tz)).astimezone(UTC)


def _employment(
    session: Session,
    client: Client,
    kind: EmploymentKind,
    day: date,
    employer: str | None,
    now: datetime,
) -> None:
    session.add(
        EmploymentEvent(
            office_id=client.office_id,
            client_id=client.id,
            kind=kind,
            on=day,
            state_from=lifecycle.state_from(kind, day),
            grace_until=lifecycle.grace_until(kind, day),
            employer_name=employer,
            recorded_by_id=client.supporter_id,
            recorded_at=now,
        )
    )


def _clamp(x: float) -> int:
    return max(1, min(5, round(x)))


def _answers(
    check: Any, rng: random.Random, level: float, shifts: dict[str, int]
) -> dict[str, Any]:
    """A plausible answer sheet: around ``level``, an area moved by ``shifts``, a few
    "don't know" items and a blank one now and then."""
    from checkin.services.assessment_items import NOT_KNOWN

    answers: dict[str, Any] = {}
    for area in check.areas:
        for item in area.items:
            roll = rng.random()
            if roll < 0.05:
                continue  # left blank
            if roll < 0.1:
                answers[item.key] = NOT_KNOWN
                continue
            value = round(level + shifts.get(area.key, 0) + rng.uniform(-0.6, 0.6))
            answers[item.key] = max(1, min(4, value))
    return {"answers": answers, "notes": {}}


def _assessments(
    session: Session,
    clients: list[Client],
    employer_user: EmployerUser,
    today: date,
    now: datetime,
    rng: random.Random,
) -> None:
    """Rounds of both checks and a confirmed resource map (see ASSESSMENT_ROUNDS)."""
    from checkin.services import assessment_docs, documents, resource_map
    from checkin.services.assessment_items import NATURAL, STABILITY

    consent = clients[CONSENT_CLIENT]
    tired = clients[FATIGUE_RISE[0]]
    plan = [
        # client, sides, level per round, per-side area shifts in the last round
        (consent, ("staff", "client", "employer"), (2.4, 2.9, 3.1)),
        (tired, ("staff", "client"), (3.0, 3.2, 3.0)),
        (clients[1], ("staff", "client"), (2.6, 3.0)),
    ]
    for client, sides, levels in plan:
        supporter = session.get(StaffUser, client.supporter_id)
        for n, (back, level) in enumerate(
            zip(ASSESSMENT_ROUNDS[-len(levels) :], levels, strict=True)
        ):
            day = today - timedelta(days=back)
            when = now - timedelta(days=back)
            last = n == len(levels) - 1
            for side in sides:
                for check in (STABILITY, NATURAL):
                    if side == "client" and not check.client_fills:
                        continue
                    shifts: dict[str, int] = {}
                    if last and client is consent and side == "client":
                        shifts = {"evaluation": 2, "conduct": 1, "satisfaction": -1}
                    if last and client is consent and side == "employer":
                        shifts = {"evaluation": -2, "conduct": -1, "communication": -1}
                    body = _answers(check, rng, level, shifts)
                    if client is tired and side == "client" and check is STABILITY:
                        body["answers"]["health.sleep"] = 4  # "sleeping fine"
                        body["answers"]["health.recovery"] = 3
                    if side == "staff" and check is STABILITY and last:
                        body["notes"]["health"] = "面談で 睡眠の記録を 一緒に見た"
                    assessment_docs.write(
                        session,
                        client,
                        check.kind,
                        side,
                        body,
                        today=day,
                        now=when,
                        by=supporter if side == "staff" else None,
                        employer_user=employer_user if side == "employer" else None,
                    )
    supporter = session.get(StaffUser, consent.supporter_id)
    assert supporter is not None
    body = resource_map.parse_form(
        {
            "e-work-0-who": "青空 次郎 (人事)",
            "e-work-0-what": "シフト、仕事の 量、休みの 相談",
            "e-work-0-phone": "03-1234-5678",
            "e-work-0-hours": "平日 9時〜17時",
            "e-work-1-who": "佐藤 花子 (支援員)",
            "e-work-1-what": "しごとで こまった こと なんでも",
            "e-work-1-phone": "03-9876-5432",
            "e-work-1-hours": "平日 9時〜18時",
            "e-health-0-who": "さくら メンタルクリニック",
            "e-health-0-what": "体調、ねむり、くすり",
            "e-health-0-place": "みらい駅 北口 2階",
            "e-health-0-phone": "03-2222-3333",
            "e-health-0-hours": "月〜土 10時〜18時",
            "e-money-0-who": "市役所 障害福祉課",
            "e-money-0-what": "手当、年金、お金の 手続き",
            "e-money-0-phone": "03-4444-5555",
            "e-money-0-hours": "平日 8時半〜17時",
            "e-life-0-who": "地域活動支援センター ひだまり",
            "e-life-0-what": "休みの日の 居場所、くらしの 相談",
            "e-life-0-place": "みらい町 3-2-1",
            "e-crisis-0-who": "よりそいホットライン",
            "e-crisis-0-what": "夜や 休みの日、つらい とき",
            "e-crisis-0-phone": "0120-279-338",
            "e-crisis-0-hours": "24時間",
        }
    )
    doc = documents.start(
        session,
        consent,
        DocKind.RESOURCE_MAP,
        resource_map.PERIOD,
        body,
        by=supporter,
        now=now - timedelta(days=20),
    )
    documents.send(session, doc, by=supporter, now=now - timedelta(days=20))
    documents.confirm(session, doc, channel="web", private_items=[], now=now - timedelta(days=19))
