"""The demo shows the whole product: an employer with a consent, staff with addresses, the
logins and a working client link on every start, and a mail sink that keeps the mails."""

from __future__ import annotations

import re
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.cli import main
from checkin.mailsink import MailSink
from checkin.models import CheckinLink, Consent, EmployerUser, StaffUser
from checkin.services import demo
from checkin.services.support import employer_clients
from tests.conftest import csrf_from


def test_the_demo_has_an_employer_account_with_a_consent_for_one_open_employee(
    db: Session, seeded: demo.DemoResult, client: FlaskClient
) -> None:
    login, name = demo.EMPLOYER_LOGIN
    user = db.scalar(select(EmployerUser).where(EmployerUser.login == login))
    assert user is not None and user.name == name and user.active
    assert user.employer.name == "株式会社あおぞら物流"
    assert user.check_password(demo.DEMO_PASSWORD)
    [consent] = db.scalars(select(Consent)).all()
    assert consent.employer_id == user.employer_id and consent.revoked_at is None
    # the employer sees exactly that employee (open employment), with the recorded scopes
    [(employee, scopes)] = employer_clients(db, user)
    assert employee.id == consent.client_id == seeded.link_client.id
    assert employee.disclosure.value == "open"
    assert scopes == frozenset(demo.CONSENT_SCOPES)
    assert seeded.employer_logins == [(login, name, "株式会社あおぞら物流")]
    # and can log in at /employer/login with the printed password
    page = client.get("/employer/login").get_data(as_text=True)
    resp = client.post(
        "/employer/login",
        data={"login": login, "password": demo.DEMO_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert resp.status_code == 302
    assert employee.name in client.get("/employer/").get_data(as_text=True)


def test_every_demo_staff_member_has_a_mail_address(db: Session, seeded: demo.DemoResult) -> None:
    staff = db.scalars(select(StaffUser).where(StaffUser.office_id == seeded.office.id)).all()
    assert {s.login for s in staff} == {login for login, _, _ in seeded.logins}
    assert {s.email for s in staff} == {f"{s.login}@demo.invalid" for s in staff}


def test_a_second_seed_prints_the_logins_and_a_fresh_working_client_link(
    db: Session, database_url: str, seeded: demo.DemoResult, client: FlaskClient
) -> None:
    assert client.get(f"/c/{seeded.link_token}").status_code == 200
    result = CliRunner().invoke(
        main,
        ["seed-demo", "--base-url", "http://127.0.0.1:8080"],
        env={"CHECKIN_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "already loaded" in out
    for login, name, _role in seeded.logins:
        assert re.search(rf"^  {login} +{name} ", out, re.M), out
    assert "password: demo-pass" in out
    assert "http://127.0.0.1:8080/employer/login" in out
    assert re.search(r"^  aozora +青空 次郎 ", out, re.M), out
    links = re.findall(r"http://127\.0\.0\.1:8080/c/([A-Za-z0-9_-]+)", out)
    assert len(links) == 1
    # the printed link opens the client's check-in page; it replaced the earlier one
    page = client.get(f"/c/{links[0]}")
    assert page.status_code == 200
    assert f"{seeded.link_client.name}さん" in page.get_data(as_text=True)
    assert client.get(f"/c/{seeded.link_token}").status_code != 200
    db.expire_all()
    live = db.scalars(select(CheckinLink).where(CheckinLink.revoked_at.is_(None))).all()
    assert [link.client_id for link in live] == [seeded.link_client.id]
    # nothing was seeded twice
    assert len(db.scalars(select(EmployerUser)).all()) == 1


def test_the_mail_sink_writes_each_message_to_an_eml_file(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    with MailSink(folder) as sink:
        assert sink.port > 0  # the system chose the port
        env = sink.smtp_environ()
        assert env["CHECKIN_SMTP_PORT"] == str(sink.port) and env["CHECKIN_SMTP_STARTTLS"] == "0"
        msg = EmailMessage()
        msg["From"] = "checkin@demo.invalid"
        msg["To"] = "sato@demo.invalid"
        msg["Subject"] = "[checkin] 緊急のアラートがあります"
        msg.set_content("佐藤 花子さん\n担当の利用者に緊急のアラートがあります。")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
            smtp.send_message(msg)
            smtp.send_message(msg, to_addrs=["suzuki@demo.invalid"])
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    assert {f.name.split("-", 3)[3] for f in files} == {
        "sato@demo.invalid.eml",
        "suzuki@demo.invalid.eml",
    }
    got = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert got["Subject"] == "[checkin] 緊急のアラートがあります"
    assert "緊急のアラート" in got.get_body().get_content()  # type: ignore[union-attr]
    assert not list(folder.glob(".*"))  # no temporary file left behind
