"""The monthly cycle (issue 14): meetings as one record, the employer side's notes, and
the duties board with its exports, morning-list section and digest line."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Consent,
    Contact,
    ContactKind,
    Disclosure,
    Employer,
    EmployerNote,
    EmployerUser,
    Flag,
    FlagStatus,
    Severity,
)
from checkin.services import audit_text, support
from checkin.services.delivery import deliveries, mailed_at_once
from checkin.services.errors import ValidationError
from checkin.services.flags import alert_list
from checkin.services.monthly import (
    EmployerState,
    Month,
    ReportState,
    board_for,
    due_duties,
    duties_board,
    in_service,
    month_employer_notes,
    month_meetings,
    parse_month,
)
from jobs import messages
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Tokyo on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=9)


def meet(db: Session, world: World, client: Client, when: datetime, **kw: Any) -> Contact:
    kind = kw.pop("kind", "meeting")
    c = support.record_contact(
        db,
        world.sato,
        client,
        kind=kind,
        occurred_at=when,
        note=kw.pop("note", None),
        flag_id=None,
        now=max(when, NOW),
        meeting=kw.pop("meeting", None),
    )
    db.commit()
    return c


# --- meetings ---------------------------------------------------------------------------


def test_a_meeting_is_one_contact_record_with_its_details(db: Session, world: World) -> None:
    c = meet(
        db,
        world,
        world.client_a,
        at(TODAY, 14),
        meeting=support.MeetingInput(
            place="職場の会議室",
            attendees=["client", "supporter", "employer"],
            employer_attendee="人事 花子",
        ),
    )
    assert db.scalars(select(Contact)).all() == [c]
    assert c.attendees == ["client", "supporter", "employer"]
    assert c.place == "職場の会議室" and c.employer_attendee == "人事 花子"
    assert c.video_reason is None


def test_a_video_meeting_needs_its_reason_and_the_conditions(db: Session, world: World) -> None:
    for m, field in (
        (support.MeetingInput(attendees=["client", "supporter"]), "video_reason"),
        (
            support.MeetingInput(attendees=["client", "supporter"], video_reason="遠方の職場"),
            "video_conditions",
        ),
        (support.MeetingInput(attendees=["supporter"], place="x"), "attendees"),
        (support.MeetingInput(attendees=["client"], place="x" * 201), "place"),
    ):
        with pytest.raises(ValidationError) as e:
            meet(db, world, world.client_a, at(TODAY), kind="video", meeting=m)
        assert field in e.value.errors
        db.rollback()
    assert db.scalars(select(Contact)).all() == []
    ok = meet(
        db,
        world,
        world.client_a,
        at(TODAY),
        kind="video",
        meeting=support.MeetingInput(
            attendees=["client", "supporter"], video_reason="遠方の職場", video_conditions=True
        ),
    )
    assert ok.video_conditions is True


def test_month_meetings_follow_the_office_calendar(db: Session, world: World) -> None:
    # 2026-05-31 23:30 Tokyo is May; 2026-06-01 00:10 Tokyo is June (UTC still May 31).
    may_end = datetime(2026, 5, 31, 14, 30, tzinfo=UTC)
    june_start = datetime(2026, 5, 31, 15, 10, tzinfo=UTC)
    meet(db, world, world.client_a, may_end)
    meet(db, world, world.client_a, june_start)
    meet(db, world, world.client_a, at(TODAY), kind="call")  # not a meeting
    may = month_meetings(db, world.client_a.id, 2026, 5)
    june = month_meetings(db, world.client_a.id, 2026, 6)
    assert [c.occurred_at for c in may] == [may_end]
    assert [c.occurred_at for c in june] == [june_start]


def test_the_client_page_form_records_a_meeting_and_the_timeline_shows_it(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    url = f"/clients/{world.client_a.id}"
    form = {
        "csrf_token": auth.token(url),
        "kind": "video",
        "occurred_at": "2026-06-09T15:00",
        "note": "睡眠のこと",
        "meeting_fields": "1",
        "place": "自宅とオンライン",
        "attendee": ["client", "supporter"],
        "video_reason": "",
    }
    client.post(f"{url}/contacts", data=form)
    assert db.scalars(select(Contact)).all() == []  # no reason: nothing saved
    page = client.get(url).get_data(as_text=True)
    assert "対面でできなかった理由" in page
    form.update(video_reason="職場が遠方", video_conditions="1")
    assert client.post(f"{url}/contacts", data=form).status_code == 303
    db.expire_all()
    (c,) = db.scalars(select(Contact)).all()
    assert c.kind == ContactKind.VIDEO and c.video_reason == "職場が遠方"
    page = client.get(url).get_data(as_text=True)
    assert "オンラインの理由: 職場が遠方" in page and "出席: 本人・支援員" in page
    tl = client.get(f"{url}/timeline.json").get_json()
    (entry,) = tl["contacts"]
    assert "職場が遠方" in entry["detail"] and entry["label"] == "面談 (オンライン)"


# --- the employer side -------------------------------------------------------------------


@pytest.fixture
def employer(db: Session, world: World) -> Employer:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら")
    db.add(e)
    db.flush()
    for c in (world.client_a, world.client_b, world.client_c):
        c.employer_id = e.id
    db.add(
        EmployerUser(
            employer_id=e.id,
            login="aozora-hr",
            name="人事 花子",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.commit()
    support.add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=e.id,
        agency_name=None,
        scopes=["trend", "employer_notes"],
        evidence="同意書 2026-05-01",
        now=NOW,
    )
    support.add_consent(  # client_c: reading only, no voice
        db,
        world.sato,
        world.client_c,
        employer_id=e.id,
        agency_name=None,
        scopes=["trend"],
        evidence="同意書 2026-05-02",
        now=NOW,
    )
    db.commit()
    return e


def employer_login(client: FlaskClient) -> None:
    page = client.get("/employer/login").get_data(as_text=True)
    resp = client.post(
        "/employer/login",
        data={"login": "aozora-hr", "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert resp.status_code == 302


def post_concern(client: FlaskClient, client_id: int, **data: str) -> Any:
    page = client.get("/employer/").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "kind": "concern", "topic": "late", **data}
    return client.post(f"/employer/clients/{client_id}/notes", data=form)


def test_a_concern_reaches_the_supporters_list_at_once_as_its_own_flag(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    page = client.get(f"/employer/clients/{world.client_a.id}").get_data(as_text=True)
    assert "気になること" in page
    resp = post_concern(client, world.client_a.id, text="今週2回、10分ほど遅刻しました。")
    assert resp.status_code == 303
    (note,) = db.scalars(select(EmployerNote)).all()
    flag = db.get(Flag, note.flag_id)
    assert flag is not None and flag.kind == "employer" and flag.source == "employer"
    assert flag.assignee_id == world.sato.id and flag.severity == Severity.HIGH
    assert "今週2回、10分ほど遅刻しました。" in flag.reasons[0]["text"]
    assert [f.id for f in alert_list(db, world.sato, today=TODAY)] == [flag.id]
    # mailed at once like an urgent flag: the delivery says whether it reached anyone
    assert mailed_at_once(flag)
    states = deliveries(db, world.office, [flag], today=TODAY, now=NOW, mail_on=False)
    assert states[flag.id].alarm  # no mail configured: the page says nobody was told
    mail = messages.urgent_mail("佐藤", flag, world.office.mail_detail, None)
    assert "勤め先から「気になること」" in mail.subject and "遅刻" not in mail.body
    # a second concern while the first is being handled: back on top, both words kept
    flag.status = FlagStatus.ACKNOWLEDGED
    db.commit()
    post_concern(client, world.client_a.id, topic="absence", text="金曜に休みました。")
    db.expire_all()
    assert db.scalars(select(Flag)).all() == [flag]
    assert flag.status == FlagStatus.OPEN
    assert [r["values"]["topic"] for r in flag.reasons] == ["absence", "late"]
    # audited, and readable by staff
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "employer_note.create"))
    lines = audit_text.describe(db, list(events))
    assert [ln.sentence for ln in lines] == [
        "人事 花子 (株式会社あおぞら)が 事業所に「気になること」を送りました"
    ] * 2
    # on the timeline and the client page
    staff = client.application.test_client()
    AuthActions(staff).login("sato")
    tl = staff.get(f"/clients/{world.client_a.id}/timeline.json").get_json()
    assert [n["text"] for n in tl["employer_notes"]] == [
        "今週2回、10分ほど遅刻しました。",
        "金曜に休みました。",
    ]
    assert "金曜に休みました。" in staff.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert len(month_employer_notes(db, world.client_a.id, 2026, 6)) == 2
    assert month_employer_notes(db, world.client_a.id, 2026, 5) == []


def test_the_monthly_answer_counts_as_the_employer_contact(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    resp = post_concern(client, world.client_a.id, kind="monthly_answer", text="安定しています")
    assert resp.status_code == 303
    assert db.scalars(select(Flag)).all() == []  # an answer raises no flag
    rows = {r.client.id: r for r in duties_board(db, world.office, Month(2026, 6))}
    assert rows[world.client_a.id].employer == EmployerState.DONE
    assert rows[world.client_a.id].employer_on == TODAY
    assert rows[world.client_c.id].employer == EmployerState.OPEN


@pytest.mark.parametrize("who", ["client_b", "client_c", "other_client"])
def test_without_the_voice_scope_the_form_is_refused(
    client: FlaskClient, db: Session, world: World, employer: Employer, who: str
) -> None:
    employer_login(client)
    target = getattr(world, who)
    if who == "client_c":  # a reading consent, without the voice scope: no form either
        page = client.get(f"/employer/clients/{target.id}").get_data(as_text=True)
        assert "気になること" not in page
    assert post_concern(client, target.id, text="遅刻").status_code == 403
    assert db.scalars(select(EmployerNote)).all() == []


def test_closed_employment_has_no_employer_side(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    world.client_a.disclosure = Disclosure.CLOSED  # consent recorded before: ignored
    db.commit()
    employer_login(client)
    assert client.get(f"/employer/clients/{world.client_a.id}").status_code == 403
    assert post_concern(client, world.client_a.id, text="遅刻").status_code == 403
    assert db.scalars(select(EmployerNote)).all() == []


def test_a_revoked_consent_stops_the_next_request(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    employer_login(client)
    assert post_concern(client, world.client_a.id, text="一度目").status_code == 303
    page = client.get("/employer/").get_data(as_text=True)
    consent = db.scalars(select(Consent).where(Consent.client_id == world.client_a.id)).one()
    support.revoke_consent(db, world.sato, consent.id, now=NOW)
    db.commit()
    resp = client.post(
        f"/employer/clients/{world.client_a.id}/notes",
        data={"csrf_token": csrf_from(page), "kind": "concern", "topic": "late", "text": "二度目"},
    )
    assert resp.status_code == 403
    assert [n.text for n in db.scalars(select(EmployerNote))] == ["一度目"]


@pytest.mark.parametrize(
    "data",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "あ" * 1001},
        {"text": "遅刻", "topic": "nope"},
        {"text": "遅刻", "kind": "nope"},
        {"text": "遅刻\x00"},
    ],
)
def test_bad_input_is_a_message_and_saves_nothing(
    client: FlaskClient, db: Session, world: World, employer: Employer, data: dict[str, str]
) -> None:
    employer_login(client)
    resp = post_concern(client, world.client_a.id, **data)
    assert resp.status_code in (303, 400)
    assert db.scalars(select(EmployerNote)).all() == []
    assert db.scalars(select(Flag)).all() == []
    assert not db.scalars(
        select(AuditEvent).where(AuditEvent.action == "employer_note.create")
    ).all()


def test_the_consent_form_offers_the_voice_scope(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    page = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert 'value="employer_notes"' in page
    assert "「気になること」と月1回の連絡の返事" in page


# --- the duties board --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "days"),
    [((2026, 2), 28), ((2028, 2), 29), ((2026, 4), 30), ((2026, 12), 31), ((2027, 1), 31)],
)
def test_months_of_28_to_31_days_and_the_year_end(month: tuple[int, int], days: int) -> None:
    m = Month(*month)
    assert m.last.day == days and m.first.day == 1
    assert (m.last - m.due_from).days == 7
    assert m.next().first == m.last + timedelta(days=1)
    assert m.prev().next() == m


def test_parse_month_refuses_bad_and_future_months() -> None:
    assert parse_month(None, TODAY) == Month(2026, 6)
    assert parse_month("2025-12", TODAY) == Month(2025, 12)
    for bad in ("2026-13", "2026-00", "26-1", "2026-6", "abc", "2026-07"):
        with pytest.raises(ValidationError):
            parse_month(bad, TODAY)


def test_meetings_at_the_year_end_fall_in_their_own_month(db: Session, world: World) -> None:
    world.client_a.service_start = world.client_c.service_start = date(2025, 6, 1)
    db.commit()
    meet(db, world, world.client_a, datetime(2025, 12, 31, 14, 59, tzinfo=UTC))  # 23:59 JST
    meet(db, world, world.client_c, datetime(2025, 12, 31, 15, 0, tzinfo=UTC))  # Jan 1 JST
    dec = {r.client.id: r for r in duties_board(db, world.office, Month(2025, 12))}
    jan = {r.client.id: r for r in duties_board(db, world.office, Month(2026, 1))}
    assert dec[world.client_a.id].meetings == [date(2025, 12, 31)]
    assert not dec[world.client_c.id].meetings
    assert jan[world.client_c.id].meetings == [date(2026, 1, 1)]
    assert not jan[world.client_a.id].meetings


def test_clients_count_only_for_the_months_they_were_in_service(db: Session, world: World) -> None:
    world.client_a.service_start = date(2026, 3, 15)
    world.client_a.service_end = date(2026, 5, 10)
    db.commit()
    ids = {
        m: {r.client.id: r for r in duties_board(db, world.office, Month(2026, m))}
        for m in (2, 3, 4, 5, 6)
    }
    assert world.client_a.id not in ids[2] and world.client_a.id not in ids[6]
    assert ids[3][world.client_a.id].in_service_from == date(2026, 3, 15)
    assert ids[5][world.client_a.id].in_service_to == date(2026, 5, 10)
    assert ids[4][world.client_a.id].in_service_from == date(2026, 4, 1)
    assert world.client_b.id in ids[6]
    # ended without an end date: up to the month of the change
    from zoneinfo import ZoneInfo

    world.client_b.status = ClientStatus.ENDED
    world.client_b.updated_at = datetime(2026, 4, 20, tzinfo=UTC)
    assert in_service(world.client_b, Month(2026, 5), ZoneInfo("Asia/Tokyo")) is None


def test_closed_employment_is_not_applicable_and_reports_have_states(
    db: Session, world: World, employer: Employer
) -> None:
    world.client_b.disclosure = Disclosure.CLOSED
    db.commit()
    meet(db, world, world.client_a, at(TODAY))
    support.record_contact(
        db,
        world.sato,
        world.client_c,
        kind="workplace_visit",
        occurred_at=at(date(2026, 6, 3)),
        note=None,
        flag_id=None,
        now=NOW,
    )
    db.commit()
    rows = {r.client.id: r for r in duties_board(db, world.office, Month(2026, 6))}
    a, b, c = rows[world.client_a.id], rows[world.client_b.id], rows[world.client_c.id]
    assert a.meetings == [TODAY] and a.employer == EmployerState.OPEN
    assert b.employer == EmployerState.CLOSED_EMPLOYMENT and "employer" not in b.open_items
    assert c.employer == EmployerState.DONE and c.employer_on == date(2026, 6, 3)
    assert c.meetings == []  # a workplace visit is an employer contact, not the meeting
    assert a.report == ReportState.NONE and "report" in a.open_items
    assert world.other_client.id not in rows


def test_the_board_page_supporter_manager_and_another_office(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    meet(db, world, world.client_a, at(TODAY))
    auth.login("sato")
    page = client.get("/duties").get_data(as_text=True)
    assert world.client_a.name in page and world.client_c.name in page
    assert world.client_b.name not in page  # suzuki's
    assert "6/10" in page and "2026年6月" in page
    assert client.get("/duties?all=1").get_data(as_text=True).count(world.client_b.name) == 0
    resp = client.get("/duties?month=2026-13")
    assert resp.status_code == 400 and "2026-11 の形" in resp.get_data(as_text=True)
    assert "2026年5月" in client.get("/duties?month=2026-05").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": auth.token("/duties")})
    auth.login("kanri")
    page = client.get("/duties?all=1").get_data(as_text=True)
    assert world.client_b.name in page and world.other_client.name not in page
    client.post("/logout", data={"csrf_token": auth.token("/duties")})
    auth.login("yoso")
    page = client.get("/duties?all=1").get_data(as_text=True)
    assert world.client_a.name not in page and world.other_client.name in page


def test_csv_and_xlsx_exports_have_japanese_headers_and_are_audited(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    meet(db, world, world.client_a, at(TODAY))
    auth.login("sato")
    resp = client.get("/duties.csv?month=2026-06")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["月", "利用者", "担当", "この月の支援期間", "面談"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name[world.client_a.name][4:7] == ["済み", "2026/6/10", "未作成"]
    assert by_name[world.client_c.name][4] == "まだ"
    assert world.client_b.name not in by_name
    wb = load_workbook(io.BytesIO(client.get("/duties.xlsx?month=2026-06").get_data()))
    ws = wb["月の義務"]
    assert [c.value for c in ws[1]][:2] == ["月", "利用者"]
    assert client.get("/duties.pdf").status_code == 404
    assert client.get("/duties.csv?month=bad").status_code == 400
    assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()) == 2


def test_open_duties_reach_the_morning_list_in_their_own_section_last_week_only(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    assert due_duties(db, world.sato, date(2026, 6, 22)) == []  # 8 days before the end
    due = due_duties(db, world.sato, date(2026, 6, 23))
    assert {r.client.id for r in due} == {world.client_a.id, world.client_c.id}
    meet(db, world, world.client_a, at(date(2026, 6, 5)))
    due = {r.client.id: r for r in due_duties(db, world.sato, date(2026, 6, 23))}
    assert due[world.client_a.id].open_items == ["report"]
    # a risk flag stays first: the duties are a section of their own after the flags
    db.add(
        Flag(
            office_id=world.office.id,
            client_id=world.client_c.id,
            kind="trend",
            severity=Severity.HIGH,
            score=2.0,
            reasons=[{"code": "mood_low", "text": "気分が下がっています", "values": {}}],
            first_date=date(2026, 6, 23),
            last_date=date(2026, 6, 23),
            assignee_id=world.sato.id,
        )
    )
    db.commit()
    app.config["CLOCK"] = lambda: at(date(2026, 6, 23), 9)
    auth.login("sato")
    page = client.get("/alerts").get_data(as_text=True)
    assert page.index("気分が下がっています") < page.index("今月の義務 (月末まで1週間)")
    assert "支援レポート" in page[page.index('id="duties"') :]
    app.config["CLOCK"] = lambda: NOW  # June 10: no duties section yet
    assert 'id="duties"' not in client.get("/alerts").get_data(as_text=True)


def test_the_digest_says_how_many_duties_are_due() -> None:
    mail = messages.digest_mail(
        "佐藤",
        [],
        date(2026, 6, 24),
        None,  # type: ignore[arg-type]
        "https://checkin.example",
        duties={"meeting": 1, "report": 2, "employer": 0, "total": 3},
    )
    assert "今月の義務 3件" in mail.subject
    assert "今月の義務で まだのもの: 3件 (面談 1件 / 支援レポート 2件)" in mail.body
    assert "https://checkin.example/duties" in mail.body
    plain = messages.digest_mail("佐藤", [], date(2026, 6, 10), None, None)  # type: ignore[arg-type]
    assert "義務" not in plain.body


def test_board_for_a_supporter_never_shows_the_whole_office(db: Session, world: World) -> None:
    rows = board_for(db, world.sato, Month(2026, 6), everyone=True)
    assert {r.client.id for r in rows} == {world.client_a.id, world.client_c.id}
    rows = board_for(db, world.manager, Month(2026, 6), everyone=True)
    assert {r.client.id for r in rows} == {
        world.client_a.id,
        world.client_b.id,
        world.client_c.id,
    }


def test_the_report_state_follows_the_months_document(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    from checkin.models import DocKind
    from checkin.services import documents as docs

    def state() -> tuple[ReportState, int | None]:
        db.expire_all()
        rows = {r.client.id: r for r in duties_board(db, world.office, Month(2026, 6))}
        r = rows[world.client_a.id]
        return r.report, r.report_id

    assert state() == (ReportState.NONE, None)
    may = docs.start(
        db, world.client_a, DocKind.MONTHLY_REPORT, "2026-05", {}, by=world.sato, now=NOW
    )
    db.commit()
    assert state() == (ReportState.NONE, None)  # another month's report
    doc = docs.start(
        db, world.client_a, DocKind.MONTHLY_REPORT, "2026-06", {}, by=world.sato, now=NOW
    )
    db.commit()
    assert state() == (ReportState.DRAFT, doc.id) and may.id != doc.id
    docs.send(db, doc, by=world.sato, now=NOW)
    db.commit()
    assert state() == (ReportState.SENT, doc.id)
    docs.return_with_comment(db, doc, "ここが ちがいます", channel="web", now=NOW)
    db.commit()
    assert state() == (ReportState.RETURNED, doc.id)
    docs.send(db, doc, by=world.sato, now=NOW)
    docs.confirm(db, doc, channel="web", private_items=[], now=NOW)
    db.commit()
    assert state() == (ReportState.CONFIRMED, doc.id)
    auth.login("sato")
    page = client.get("/duties").get_data(as_text=True)
    assert "本人確認済み" in page and f"/documents/{doc.id}" in page


def test_the_office_export_keeps_a_meetings_details(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    meet(
        db,
        world,
        world.client_a,
        at(TODAY),
        kind="video",
        meeting=support.MeetingInput(
            attendees=["client", "supporter"], video_reason="遠方の職場", video_conditions=True
        ),
    )
    auth.login("kanri")
    body = client.get("/export/office.csv?table=contacts").get_data().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))[:2]
    assert header[-4:] == ["場所", "出席した人", "企業の方の名前", "オンラインにした理由"]
    assert row[-4:] == ["", "本人・支援員", "", "遠方の職場"]
    machine = client.get("/export/office.csv?table=contacts&variant=machine").get_data()
    assert "client,supporter" in machine.decode("utf-8-sig")


def test_a_concern_is_not_rated_like_a_signal(
    client: FlaskClient, db: Session, world: World, employer: Employer
) -> None:
    from checkin.services.outcomes import flag_feedback

    employer_login(client)
    post_concern(client, world.client_a.id, text="遅刻が続いています")
    flag = db.scalars(select(Flag)).one()
    with pytest.raises(ValidationError):
        flag_feedback(db, world.sato, flag.id, True, now=NOW)
    db.rollback()
    staff = client.application.test_client()
    AuthActions(staff).login("sato")
    page = staff.get("/alerts").get_data(as_text=True)
    assert "遅刻が続いています" in page and "役に立った" not in page
