"""「相談したい」 always reaches a person, and the office can see whether it did.

A real check-in through the web form, the scheduler's own tick against a loopback SMTP
server, and the pages staff read: the alert list, the overview, /ops/jobs and the staff page.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Flag, Notification, NotificationStatus, StaffLeave
from checkin.services.delivery import Why, deliveries, staff_reach
from checkin.services.links import issue_link
from jobs.mail import MAX_ATTEMPTS, Mailer, MailSettings
from jobs.registry import JOBS
from jobs.scheduler import SchedulerApp
from tests.conftest import NOW, TODAY, AuthActions, World, csrf_from
from tests.jobs.conftest import Inbox

Smtp = tuple[Inbox, MailSettings]
URGENT = next(spec for spec in JOBS if spec.id == "urgent-mail")
UNREACHED = "まだ だれにも 通知できていません"
LINK_RE = re.compile(r"https://checkin\.example(/flags/(\d+))")


def addresses(db: Session, world: World) -> None:
    world.sato.email = "sato@office.example"
    world.suzuki.email = "suzuki@office.example"
    world.manager.email = "kanri@office.example"
    db.commit()


def ask_to_talk(client: FlaskClient, db: Session, world: World) -> int:
    """Client A (sato's, backed up by suzuki) checks in on the web with 「相談したい」."""
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    form = client.get(f"/c/{token}").get_data(as_text=True)
    resp = client.post(
        f"/c/{token}",
        data={
            "mood": "2",
            "fatigue": "4",
            "sleep_hours": "5",
            "sleep_quality": "2",
            "day": "today",
            "wants_contact": "1",
            "csrf_token": csrf_from(form),
        },
    )
    assert resp.status_code == 303 and "u=1" in resp.headers["Location"]
    flag = db.scalar(select(Flag).where(Flag.client_id == world.client_a.id))
    assert flag is not None and flag.kind == "contact"
    return flag.id


def scheduler(
    factory: sessionmaker[Session], settings: MailSettings | None, at: datetime
) -> SchedulerApp:
    mailer = Mailer(settings) if settings is not None else None
    return SchedulerApp(factory, mail=settings, mailer=mailer, clock=lambda: at, holder="h:1")


def tick(factory: sessionmaker[Session], settings: MailSettings, at: datetime) -> dict[str, int]:
    """One tick of the scheduler's urgent-mail job, as the running process does it."""
    res = scheduler(factory, settings, at).run_job(URGENT)
    assert res is not None
    return dict(res.counts)


def page(client: FlaskClient, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def flag_card(html: str, flag_id: int) -> str:
    start = html.index(f'id="flag-{flag_id}"')
    end = html.find('<li class="card flag', start)
    return html[start : end if end > 0 else len(html)]


@pytest.fixture
def mail_app(app: Flask, smtp_server: Smtp) -> Flask:
    """The web app with mail on: it reads the same CHECKIN_SMTP_HOST as the scheduler."""
    app.config["SMTP_HOST"] = smtp_server[1].host
    return app


def test_an_urgent_check_in_is_mailed_within_one_tick_with_a_link_to_the_flag(
    mail_app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    smtp_server: Smtp,
) -> None:
    inbox, settings = smtp_server
    addresses(db, world)
    flag_id = ask_to_talk(client, db, world)
    counts = tick(factory, settings, NOW + timedelta(seconds=40))
    assert counts["mail_sent_urgent"] == 1 and "urgent_unreached" not in counts
    [msg] = inbox.messages
    assert msg["To"] == "sato@office.example"
    body = msg.get_content()
    m = LINK_RE.search(body)
    assert m is not None and int(m.group(2)) == flag_id
    # No health data in the mail: no answers, no reasons, no name (office default: counts).
    assert "田中" not in body and "相談したい" not in body and "気分" not in body
    # The link works: the login first, then the flag on sato's own alert list.
    resp = client.get(m.group(1))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    auth.login("sato")
    resp = client.get(m.group(1))
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/alerts#flag-{flag_id}")
    card = flag_card(page(client, "/alerts"), flag_id)
    assert "メールで通知しました: 佐藤" in card and UNREACHED not in card


def test_the_link_leads_each_reader_to_where_they_can_see_the_flag(
    mail_app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
) -> None:
    flag_id = ask_to_talk(client, db, world)
    auth.login("kanri")  # a manager: the whole office's list
    loc = client.get(f"/flags/{flag_id}").headers["Location"]
    assert loc.endswith(f"/alerts?all=1#flag-{flag_id}")
    assert f'id="flag-{flag_id}"' in page(client, "/alerts?all=1")
    client.post("/logout")
    auth.login("suzuki")  # the backup: not on their list before escalation, the client page
    loc = client.get(f"/flags/{flag_id}").headers["Location"]
    assert loc.endswith(f"/clients/{world.client_a.id}#flag-{flag_id}")
    assert f'id="flag-{flag_id}"' in page(client, f"/clients/{world.client_a.id}")
    client.post("/logout")
    auth.login("yoso")  # another office: no such flag
    assert client.get(f"/flags/{flag_id}").status_code == 404


def test_with_nobody_reachable_the_flag_and_the_overview_say_so_and_nothing_is_dropped(
    mail_app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    smtp_server: Smtp,
) -> None:
    inbox, settings = smtp_server
    # sato and suzuki have no address; the manager has one but is on leave today.
    world.manager.email = "kanri@office.example"
    db.add(StaffLeave(staff_id=world.manager.id, starts_on=TODAY, ends_on=TODAY))
    db.commit()
    flag_id = ask_to_talk(client, db, world)
    counts = tick(factory, settings, NOW + timedelta(seconds=40))
    assert counts["urgent_unreached"] == 1 and inbox.messages == []
    # A later tick still counts it: it is never marked done and forgotten.
    assert tick(factory, settings, NOW + timedelta(minutes=2))["urgent_unreached"] == 1
    assert db.scalar(select(Notification)) is None

    auth.login("sato")
    card = flag_card(page(client, "/alerts"), flag_id)
    assert UNREACHED in card
    assert "だれにも メールを送れません" in card
    client.post("/logout")

    auth.login("kanri")
    overview = page(client, "/overview")
    section = overview[overview.index('id="unreached"') :]
    assert "まだ だれにも 通知できていない緊急アラート (1件)" in section
    assert "田中 健太" in section and f"/flags/{flag_id}" in section
    assert 'id="mail-off"' not in overview  # mail is on: that is not the reason

    ops = page(client, "/ops/jobs")
    box = ops[ops.index(f'id="unreached-{flag_id}"') :]
    box = box[: box.index("</section>")]
    assert "担当: 佐藤 —" in box and "メールアドレスがありません" in box
    assert "副担当: 鈴木 —" in box
    assert "サービス管理責任者: 管理 —" in box and "休み中です" in box

    staff_page = page(client, "/admin/staff")
    row = staff_page[staff_page.index('id="staff-sato"') :]
    assert "通知できません: メールアドレスがありません" in row[: row.index("</tr>")]
    row = staff_page[staff_page.index('id="staff-kanri"') :]
    assert "通知できません: 休み中です" in row[: row.index("</tr>")]

    # Setting an address on the staff page is enough: the next tick mails sato.
    form = csrf_from(staff_page)
    resp = client.post(
        f"/admin/staff/{world.sato.id}/email", data={"email": "bad", "csrf_token": form}
    )
    db.expire_all()
    assert resp.status_code == 303 and world.sato.email is None  # refused, nothing saved
    client.post(
        f"/admin/staff/{world.sato.id}/email",
        data={"email": " sato@office.example ", "csrf_token": form},
    )
    db.expire_all()
    assert world.sato.email == "sato@office.example"
    counts = tick(factory, settings, NOW + timedelta(minutes=3))
    assert counts["mail_sent_urgent"] == 1
    assert [m["To"] for m in inbox.messages] == ["sato@office.example"]
    assert 'id="unreached"' not in page(client, "/overview")


def test_everyone_on_leave_is_nobody_reachable(db: Session, world: World) -> None:
    addresses(db, world)
    for person in (world.sato, world.suzuki, world.manager):
        db.add(StaffLeave(staff_id=person.id, starts_on=TODAY, ends_on=TODAY))
    db.commit()
    from checkin.services.flags import upsert_candidates
    from checkin.signals import contact_candidate

    [flag] = upsert_candidates(
        db, world.office, TODAY, [contact_candidate(world.client_a.id, TODAY)], now=NOW
    ).touched
    state = deliveries(db, world.office, [flag], today=TODAY, now=NOW, mail_on=True)[flag.id]
    assert state.alarm and state.recipients == [] and Why.NO_RECIPIENT in state.reasons
    people = staff_reach(db, world.office.id, TODAY)
    assert all(p.on_leave and not p.reachable for p in people.values())
    # The day after the leave: the flag's assignee (the backup, since sato was away when
    # it was raised) is back and is the one to be mailed.
    assert flag.assignee_id == world.suzuki.id
    tomorrow = TODAY + timedelta(days=1)
    state = deliveries(db, world.office, [flag], today=tomorrow, now=NOW, mail_on=True)[flag.id]
    assert [p.login for p in state.recipients] == ["suzuki"]
    assert Why.NO_RECIPIENT not in state.reasons


def test_with_mail_off_the_overview_says_urgent_requests_wait_for_someone_to_look(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    addresses(db, world)  # addresses are no use without a mail server
    flag_id = ask_to_talk(client, db, world)
    auth.login("kanri")
    overview = page(client, "/overview")
    assert 'id="mail-off"' in overview
    assert "だれかがアラート一覧を開くまで、だれにも気づかれません" in overview
    assert "まだ だれにも 通知できていない緊急アラート (1件)" in overview
    card = flag_card(page(client, "/alerts?all=1"), flag_id)
    assert UNREACHED in card and "メールの送信が設定されていません。" in card
    ops = page(client, "/ops/jobs")
    assert "CHECKIN_SMTP_HOST" in ops and f'id="unreached-{flag_id}"' in ops
    assert "メールの送信が設定されていない" in page(client, "/admin/staff")


def test_a_send_failure_is_retried_and_shown_until_the_mail_goes(
    mail_app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    smtp_server: Smtp,
) -> None:
    inbox, settings = smtp_server
    addresses(db, world)
    flag_id = ask_to_talk(client, db, world)
    inbox.refuse = True
    counts = tick(factory, settings, NOW + timedelta(seconds=40))
    assert counts["mail_retry_later"] == 1 and inbox.messages == []
    auth.login("sato")
    card = flag_card(page(client, "/alerts"), flag_id)
    assert UNREACHED in card and "メールの送信に失敗しました。" in card
    client.post("/logout")
    auth.login("kanri")
    ops = page(client, "/ops/jobs")
    table = ops[ops.index('id="troubled"') :]
    assert "佐藤" in table and "1回 失敗" in table and "SMTP" in table  # 451 Try again later
    client.post("/logout")
    # The server is back; the retry waits for its backoff (2 minutes), then goes.
    inbox.refuse = False
    tick(factory, settings, NOW + timedelta(minutes=2))
    assert inbox.messages == []
    tick(factory, settings, NOW + timedelta(minutes=3))
    assert [m["To"] for m in inbox.messages] == ["sato@office.example"]
    auth.login("sato")
    card = flag_card(page(client, "/alerts"), flag_id)
    assert UNREACHED not in card and "メールで通知しました: 佐藤" in card


def test_when_the_outbox_gives_up_the_next_person_in_line_is_mailed(
    mail_app: Flask,
    client: FlaskClient,
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    smtp_server: Smtp,
) -> None:
    inbox, settings = smtp_server
    addresses(db, world)
    flag_id = ask_to_talk(client, db, world)
    inbox.refuse = True
    at = NOW
    for _ in range(MAX_ATTEMPTS):
        at += timedelta(minutes=2**MAX_ATTEMPTS)
        tick(factory, settings, at)
    note = db.scalar(select(Notification).where(Notification.staff_id == world.sato.id))
    assert note is not None and note.status == NotificationStatus.FAILED
    flag = db.get(Flag, flag_id)
    assert flag is not None
    state = deliveries(db, world.office, [flag], today=TODAY, now=at, mail_on=True)[flag_id]
    assert Why.GAVE_UP in state.reasons
    inbox.refuse = False
    tick(factory, settings, at + timedelta(minutes=1))
    # The backup supporter is next (the client's backup), not sato again.
    assert [m["To"] for m in inbox.messages] == ["suzuki@office.example"]


def test_a_mail_that_waits_too_long_or_a_stopped_scheduler_is_an_alarm(
    db: Session, world: World, factory: sessionmaker[Session], smtp_server: Smtp
) -> None:
    from checkin.services.flags import upsert_candidates
    from checkin.signals import contact_candidate

    addresses(db, world)
    [flag] = upsert_candidates(
        db, world.office, TODAY, [contact_candidate(world.client_a.id, TODAY)], now=NOW
    ).touched
    db.commit()

    def state(at: datetime) -> list[Why]:
        db.expire_all()
        f = db.get(Flag, flag.id)
        assert f is not None
        return deliveries(db, world.office, [f], today=TODAY, now=at, mail_on=True)[flag.id].reasons

    # Nobody runs the scheduler: an alarm at once.
    assert state(NOW) == [Why.SCHEDULER_DOWN]
    # A scheduler holds the lease (without mail, so nothing is sent): fine for a while...
    scheduler(factory, None, NOW).heartbeat()
    assert state(NOW + timedelta(seconds=30)) == []
    # ... but not for longer than the grace period.
    assert scheduler(factory, None, NOW + timedelta(minutes=6)).heartbeat()
    assert state(NOW + timedelta(minutes=6)) == [Why.NOT_SENT]


def test_a_manager_sets_their_own_address_on_the_staff_page(
    client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    auth.login("kanri")
    html = page(client, "/admin/staff")
    row = html[html.index('id="staff-kanri"') :]
    row = row[: row.index("</tr>")]
    assert "通知できません: メールアドレスがありません" in row
    assert f'action="/admin/staff/{world.manager.id}/email"' in row
    resp = client.post(
        f"/admin/staff/{world.manager.id}/email",
        data={"email": "kanri@office.example", "csrf_token": csrf_from(html)},
    )
    assert resp.status_code == 303
    db.expire_all()
    assert world.manager.email == "kanri@office.example"
    html = page(client, "/admin/staff")
    row = html[html.index('id="staff-kanri"') :]
    assert "メール: kanri@office.example" in row[: row.index("</tr>")]
    # Another office's staff member cannot be changed from here.
    resp = client.post(
        f"/admin/staff/{world.outsider.id}/email",
        data={"email": "x@y.example", "csrf_token": csrf_from(html)},
    )
    assert resp.status_code == 404
