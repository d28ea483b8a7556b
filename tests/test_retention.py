"""Anonymizing a client after the keeping period (or on a lawful request), and pruning the
data kept only for delivery (docs/retention.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from checkin.cli import main
from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    CheckinLink,
    Client,
    ClientStatus,
    Consent,
    Contact,
    ContactKind,
    Flag,
    FlagStatus,
    LineAccount,
    LineConversation,
    LineEvent,
    LineLinkCode,
    LinePushLog,
    Notification,
    NotificationStatus,
    Outcome,
    OutcomeKind,
    PushStatus,
    Role,
    Severity,
    StaffUser,
)
from checkin.services import retention, transfer
from checkin.services.retention import Refusal, Refused, anonymize_client, keep_until
from jobs.base import JobContext
from jobs.registry import JOBS
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, _password_hash, csrf_from

NAME = "田中 健太"


def populate(db: Session, world: World, *, ended_on: date | None) -> Client:
    """client_a with a bit of everything: notes, a link, LINE, a flag, mails."""
    c = world.client_a
    c.name_kana = "たなか けんた"
    if ended_on is not None:
        c.status = ClientStatus.ENDED
        c.service_end = ended_on
    for back in range(1, 6):
        db.add(
            CheckIn(
                client_id=c.id,
                local_date=TODAY - timedelta(days=back),
                mood=3,
                fatigue=2,
                sleep_hours=Decimal("6.5"),
                note="上司に しかられた",
                channel=Channel.WEB,
            )
        )
    flag = Flag(
        office_id=c.office_id,
        client_id=c.id,
        kind="trend",
        severity=Severity.HIGH,
        score=0.8,
        reasons=[{"code": "mood_down", "text": "気分が下がっています", "values": {}}],
        first_date=TODAY,
        last_date=TODAY,
        status=FlagStatus.RESOLVED,
        note="電話で話した: 通院中",
    )
    db.add(flag)
    db.flush()
    db.add_all(
        [
            Contact(
                office_id=c.office_id,
                client_id=c.id,
                staff_id=world.sato.id,
                kind=ContactKind.CALL,
                occurred_at=NOW,
                note="服薬の相談",
                flag_id=flag.id,
            ),
            Consent(
                office_id=c.office_id,
                client_id=c.id,
                recipient_type="agency",
                agency_name="相談支援センター",
                scopes=["trend"],
                evidence="同意書 田中健太 署名",
                recorded_by_id=world.sato.id,
                recorded_at=NOW,
            ),
            Outcome(
                office_id=c.office_id,
                client_id=c.id,
                kind=OutcomeKind.QUIT,
                occurred_on=TODAY - timedelta(days=2),
                note="家族の事情",
                recorded_by_id=world.sato.id,
                recorded_at=NOW,
            ),
            CheckinLink(
                client_id=c.id, token_hash="a" * 64, created_at=NOW, card_token="sealed-token"
            ),
            AuditEvent(
                at=NOW,
                office_id=c.office_id,
                actor_type="staff",
                actor_id=world.sato.id,
                action="flag.resolve",
                target_type="flag",
                target_id=flag.id,
                client_id=c.id,
                detail={"note": "電話で話した: 通院中"},
            ),
        ]
    )
    account = LineAccount(line_user_id="U" + "1" * 32, client_id=c.id, first_seen_at=NOW)
    db.add(account)
    db.flush()
    db.add_all(
        [
            LineLinkCode(
                client_id=c.id,
                code_hash="b" * 64,
                created_at=NOW,
                expires_at=NOW,
                used_at=NOW,
                used_by_id=account.id,
            ),
            LineConversation(
                account_id=account.id,
                local_date=TODAY,
                step="mood",
                answers={"mood": 2},
                nonce="n1",
                started_at=NOW,
                updated_at=NOW,
            ),
            LineEvent(
                webhook_event_id="ev-1",
                event_type="message",
                line_user_id=account.line_user_id,
                received_at=NOW,
            ),
            LinePushLog(
                office_id=c.office_id,
                client_id=c.id,
                local_date=TODAY,
                kind="reminder",
                status=PushStatus.SENT,
                retry_key="r-1",
                created_at=NOW,
                updated_at=NOW,
            ),
            _mail("urgent-1", world, f"緊急: {NAME}さん", flag_id=flag.id),
            _mail("digest-1", world, "朝のまとめ", body=f"{NAME}さん ほか2名"),
            _mail("digest-2", world, "朝のまとめ", body="伊藤 美咲さん"),
        ]
    )
    db.commit()
    return c


def _mail(
    key: str,
    world: World,
    subject: str,
    *,
    body: str = "本文",
    flag_id: int | None = None,
    at: Any = NOW,
) -> Notification:
    return Notification(
        dedupe_key=key,
        kind="urgent" if flag_id else "digest",
        office_id=world.office.id,
        staff_id=world.sato.id,
        flag_id=flag_id,
        to_address="sato@example.jp",
        subject=subject,
        body=body,
        status=NotificationStatus.SENT,
        created_at=at,
    )


def office_counts(db: Session, world: World) -> dict[str, Any]:
    db.expire_all()
    tables = transfer.office_tables(db, world.office, transfer.MACHINE)
    out: dict[str, Any] = {name: len(t[1]) for name, t in tables.items()}
    for model in (CheckIn, Flag, Contact, Consent, Outcome):
        out[model.__tablename__] = db.scalar(select(func.count()).select_from(model))
    c = db.get(Client, world.client_a.id)
    assert c is not None
    out["dates"] = (c.hire_date, c.service_start, c.service_end, c.status, c.employer_id)
    out["answers"] = db.execute(
        select(CheckIn.local_date, CheckIn.mood, CheckIn.fatigue, CheckIn.sleep_hours)
        .where(CheckIn.client_id == c.id)
        .order_by(CheckIn.local_date)
    ).all()
    return out


def test_keep_until_is_five_years_after_the_end() -> None:
    assert keep_until(date(2021, 3, 31)) == date(2026, 3, 31)
    assert keep_until(date(2024, 2, 29)) == date(2029, 3, 1)


def test_refused_while_active_or_within_five_years(db: Session, world: World) -> None:
    with pytest.raises(Refused) as e:
        anonymize_client(db, world.client_a, now=NOW)
    assert e.value.reason is Refusal.NOT_ENDED
    with pytest.raises(Refused):  # a lawful request does not anonymize an active client
        anonymize_client(db, world.client_a, now=NOW, lawful_request="本人の請求")
    world.client_a.status = ClientStatus.ENDED
    world.client_a.service_end = date(2021, 6, 11)  # 5 years on 2026-06-11: tomorrow
    with pytest.raises(Refused) as e:
        anonymize_client(db, world.client_a, now=NOW)
    assert e.value.reason is Refusal.TOO_EARLY and e.value.keep_until == date(2026, 6, 11)
    assert "2026-06-11" in e.value.english()
    world.client_a.service_end = None
    with pytest.raises(Refused) as e:
        anonymize_client(db, world.client_a, now=NOW)
    assert e.value.reason is Refusal.NO_END_DATE
    db.rollback()
    assert db.get(Client, world.client_a.id).name == NAME  # type: ignore[union-attr]


def test_anonymizing_keeps_the_counts_and_removes_names_notes_links_and_line(
    db: Session, world: World
) -> None:
    c = populate(db, world, ended_on=date(2021, 6, 10))  # exactly 5 years ago
    before = office_counts(db, world)
    result = anonymize_client(db, c, now=NOW)
    db.commit()
    assert not result.already
    assert office_counts(db, world) == before
    c = db.get(Client, c.id)  # type: ignore[assignment]
    assert c.name == f"匿名 {c.id}" and c.name_kana is None and c.anonymized_at == NOW
    cid = c.id
    assert not db.scalars(select(CheckIn.note).where(CheckIn.note.is_not(None))).all()
    assert db.scalars(select(Contact.note)).all() == [None]
    assert db.scalars(select(Flag.note)).all() == [None]
    assert db.scalars(select(Outcome.note)).all() == [None]
    assert db.scalars(select(Consent.evidence)).all() == [""]
    assert db.scalars(select(Consent.agency_name)).all() == ["相談支援センター"]
    link = db.scalars(select(CheckinLink)).one()
    assert link.revoked_at == NOW and link.card_token is None
    for model in (LineAccount, LineLinkCode, LineConversation, LineEvent, LinePushLog):
        assert db.scalar(select(func.count()).select_from(model)) == 0, model
    mails = {n.dedupe_key: (n.subject, n.body) for n in db.scalars(select(Notification))}
    assert mails == {
        "urgent-1": ("", ""),
        "digest-1": ("", ""),
        "digest-2": ("朝のまとめ", "伊藤 美咲さん"),
    }
    details = [e.detail for e in db.scalars(select(AuditEvent).where(AuditEvent.client_id == cid))]
    dump = repr(details)
    assert "通院" not in dump and NAME not in dump and "田中" not in dump
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "client.anonymize")).one()
    assert event.actor_type == "cli" and event.detail == {"via": "cli", "lawful_request": False}
    # idempotent: again, nothing changes and no second audit event
    again = anonymize_client(db, c, now=NOW + timedelta(days=1))
    db.commit()
    assert again.already and again.counts == {}
    assert office_counts(db, world) == before
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "client.anonymize")
        )
        == 1
    )


def test_a_lawful_request_anonymizes_before_five_years_and_is_audited(
    db: Session, world: World
) -> None:
    c = populate(db, world, ended_on=TODAY - timedelta(days=30))
    anonymize_client(db, c, now=NOW, lawful_request="本人からの利用停止等の請求 (2026-06-01)")
    db.commit()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "client.anonymize")).one()
    assert event.detail == {
        "via": "cli",
        "lawful_request": True,
        "reason": "本人からの利用停止等の請求 (2026-06-01)",
    }


def test_client_document_rows_stay_with_their_free_text_blanked(db: Session, world: World) -> None:
    from checkin.models import DocKind
    from checkin.services import documents

    c = populate(db, world, ended_on=date(2020, 1, 1))
    mine = documents.start(
        db, c, DocKind.MONTHLY_REPORT, "2019-12", {"goal": "田中さんの ひみつ"}, by=None, now=NOW
    )
    other = documents.start(
        db,
        world.client_b,
        DocKind.MONTHLY_REPORT,
        "2019-12",
        {"goal": "そのまま"},
        by=None,
        now=NOW,
    )
    mine.client_comment = "ちがいます"
    db.commit()
    result = anonymize_client(db, c, now=NOW)
    db.commit()
    assert result.counts["documents"] == 1
    db.refresh(mine)
    db.refresh(other)
    # The row stays (the office's count of reports), its words are gone.
    assert (mine.kind, mine.period, mine.body, mine.client_comment) == (
        DocKind.MONTHLY_REPORT,
        "2019-12",
        {},
        None,
    )
    assert other.body == {"goal": "そのまま"}


def test_the_command_refuses_then_anonymizes(
    db: Session, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKIN_DATABASE_URL", database_url)
    c = populate(db, world, ended_on=TODAY - timedelta(days=400))
    runner = CliRunner()
    args = ["anonymize-client", "--office", str(world.office.id), "--client", str(c.id)]
    res = runner.invoke(main, args)
    assert res.exit_code == 1 and "must be kept until 2030-05-06" in res.output
    res = runner.invoke(
        main, ["anonymize-client", "--office", str(world.other_office.id), "--client", str(c.id)]
    )
    assert res.exit_code == 1 and "has no client" in res.output
    res = runner.invoke(main, [*args, "--lawful-request", "裁判所の命令"])
    assert res.exit_code == 0, res.output
    assert f"client {c.id} anonymized" in res.output
    res = runner.invoke(main, args)  # again: fine, nothing more
    assert res.exit_code == 0 and "already anonymized" in res.output
    db.expire_all()
    assert db.get(Client, c.id).name == f"匿名 {c.id}"  # type: ignore[union-attr]


def test_an_administrator_anonymizes_from_the_client_page_after_confirming(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    admin = StaffUser(
        office_id=world.office.id,
        login="admin",
        name="管理者",
        role=Role.ADMIN,
        password_hash=_password_hash(),
    )
    db.add(admin)
    c = populate(db, world, ended_on=TODAY - timedelta(days=10))
    url = f"/clients/{c.id}"
    # a service manager has neither the form nor the action
    manager = app.test_client()
    AuthActions(manager).login("kanri")
    page = manager.get(url).get_data(as_text=True)
    assert "/anonymize" not in page
    assert manager.post(f"{url}/anonymize", data={"csrf_token": csrf_from(page)}).status_code == 403
    auth.login("admin", PASSWORD)
    page = client.get(url).get_data(as_text=True)
    assert f"{url}/anonymize" in page
    token = csrf_from(page)
    # within 5 years and no reason: refused with the date, nothing changed
    resp = client.post(f"{url}/anonymize", data={"csrf_token": token}, follow_redirects=True)
    assert "2031-05-31 まで" in resp.get_data(as_text=True)
    # with a reason: the confirmation page, then the action
    ask = client.post(
        f"{url}/anonymize", data={"csrf_token": token, "lawful_request": "本人の請求"}
    )
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "はい、匿名化します" in html and "本人の請求" in html
    db.expire_all()
    assert db.get(Client, c.id).anonymized_at is None  # type: ignore[union-attr]
    done = client.post(
        f"{url}/anonymize",
        data={"csrf_token": token, "lawful_request": "本人の請求", "confirm": "1"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "記録を匿名化しました" in html and NAME not in html
    log = client.get(f"{url}/audit").get_data(as_text=True)
    assert "管理者が 利用者の記録を匿名化しました (法令に基づく請求: 本人の請求)" in log
    # another office's administrator: 404
    world.outsider.role = Role.ADMIN
    db.commit()
    other = app.test_client()
    AuthActions(other).login("yoso")
    page = other.get("/alerts").get_data(as_text=True)
    resp = other.post(f"{url}/anonymize", data={"csrf_token": csrf_from(page), "confirm": "1"})
    assert resp.status_code == 404


def test_the_prune_job_forgets_old_mail_bodies_and_push_logs(
    db: Session, world: World, factory: sessionmaker[Session]
) -> None:
    old = NOW - timedelta(days=31)
    db.add_all(
        [
            _mail("old-sent", world, "古い", body=f"{NAME}さん", at=old),
            _mail("new-sent", world, "新しい", body="残る", at=NOW - timedelta(days=29)),
        ]
    )
    pending = _mail("old-pending", world, "送信待ち", body="まだ送る", at=old)
    pending.status = NotificationStatus.PENDING
    db.add(pending)
    for key, day in (("p-old", TODAY - timedelta(days=91)), ("p-new", TODAY - timedelta(days=89))):
        db.add(
            LinePushLog(
                office_id=world.office.id,
                client_id=world.client_a.id,
                local_date=day,
                kind="reminder",
                status=PushStatus.SENT,
                retry_key=key,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    db.add(LineEvent(webhook_event_id="e-old", event_type="follow", received_at=old))
    db.commit()
    spec = next(s for s in JOBS if s.id == "delivery-data-prune")
    result = spec.func(JobContext(factory=factory, now=NOW))
    assert +result.counts == {"mail_bodies": 1, "push_logs": 1, "events": 1}
    db.expire_all()
    mails = {n.dedupe_key: (n.subject, n.body) for n in db.scalars(select(Notification))}
    assert mails == {
        "old-sent": ("", ""),
        "new-sent": ("新しい", "残る"),
        "old-pending": ("送信待ち", "まだ送る"),
    }
    assert db.scalars(select(LinePushLog.retry_key)).all() == ["p-new"]
    # the next tick finds nothing more
    assert +spec.func(JobContext(factory=factory, now=NOW)).counts == {}


def test_pruning_needs_the_pinned_clock(db: Session, world: World) -> None:
    db.add(_mail("m", world, "件名", at=NOW))
    db.commit()
    assert retention.prune_delivery_data(db, now=NOW + timedelta(days=30)).mail_bodies == 0
    assert retention.prune_delivery_data(db, now=NOW + timedelta(days=31)).mail_bodies == 1


def test_an_anonymized_client_cannot_be_renamed_or_restarted(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    c = populate(db, world, ended_on=date(2020, 1, 1))
    anonymize_client(db, c, now=NOW)
    db.commit()
    auth.login("kanri")
    page = client.get(f"/clients/{c.id}").get_data(as_text=True)
    assert f"/clients/{c.id}/edit" not in page and "/status" not in page
    assert "2026-06-10 に匿名化" in page
    token = csrf_from(page)
    resp = client.post(
        f"/clients/{c.id}/status",
        data={"csrf_token": token, "status": "active"},
        follow_redirects=True,
    )
    assert "匿名化した利用者の情報は変更できません" in resp.get_data(as_text=True)
    resp = client.post(f"/clients/{c.id}/edit", data={"csrf_token": token, "name": NAME})
    assert resp.status_code == 303
    db.expire_all()
    again = db.get(Client, c.id)
    assert again is not None and again.status == ClientStatus.ENDED
    assert again.name == f"匿名 {c.id}"
