"""The office overview for the service manager (#5)."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Contact, ContactKind, FlagStatus, OfficeClosedDay
from checkin.services.flags import upsert_candidates
from checkin.services.links import issue_link
from checkin.services.overview import office_overview
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, TODAY, AuthActions, World


def setup(db: Session, world: World) -> None:
    cands = [
        FlagCandidate(world.client_a.id, "contact", "urgent", 100.0, (Reason("x", "t"),)),
        FlagCandidate(world.client_a.id, "trend", "watch", 40.0, (Reason("x", "t"),)),
        FlagCandidate(world.client_b.id, "trend", "high", 60.0, (Reason("x", "t"),)),
    ]
    flags = upsert_candidates(db, world.office, TODAY, cands, now=NOW).touched
    flags[2].status = FlagStatus.ACKNOWLEDGED
    issue_link(db, world.client_b, now=NOW - timedelta(days=60))  # a card, never used
    # client_a answered every weekday for four weeks; client_c only twice.
    for back in range(1, 29):
        d = TODAY - timedelta(days=back)
        if d.weekday() < 5:
            db.add(
                CheckIn(
                    client_id=world.client_a.id,
                    local_date=d,
                    mood=3,
                    fatigue=3,
                    channel=Channel.WEB,
                )
            )
    for back in (2, 9):
        db.add(
            CheckIn(
                client_id=world.client_c.id,
                local_date=TODAY - timedelta(days=back),
                mood=3,
                fatigue=3,
                channel=Channel.WEB,
            )
        )
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_a.id,
            staff_id=world.sato.id,
            kind=ContactKind.MEETING,
            occurred_at=NOW - timedelta(days=3),
        )
    )
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_b.id,
            staff_id=world.suzuki.id,
            kind=ContactKind.CALL,
            occurred_at=NOW - timedelta(days=45),
        )
    )
    db.commit()


def test_overview_numbers(db: Session, world: World) -> None:
    setup(db, world)
    ov = office_overview(db, world.office, today=TODAY, no_contact_days=30)
    assert ov.by_risk == {"urgent": 1, "high": 1, "watch": 0, "none": 1}
    loads = {s.staff.login: s for s in ov.supporters}
    assert (loads["sato"].clients, loads["sato"].open_flags, loads["sato"].urgent_open) == (2, 2, 1)
    assert (loads["suzuki"].clients, loads["suzuki"].open_flags, loads["suzuki"].acknowledged) == (
        1,
        0,
        1,
    )
    assert [r.client.id for r in ov.clients][:2] == [world.client_a.id, world.client_b.id]
    assert {r.client.id for r in ov.without_contact()} == {world.client_b.id, world.client_c.id}
    rates = {r.client.id: r.answer_rate for r in ov.clients}
    assert rates[world.client_a.id] == 1.0
    # lowest first: client_b never answered their card, client_c answered 2 of the 7
    # weekdays since their first answer
    assert rates[world.client_b.id] == 0.0 and rates[world.client_c.id] == 2 / 7
    assert [r.client.id for r in ov.low_answer_rate()] == [world.client_b.id, world.client_c.id]
    assert world.other_client.id not in rates


def test_overview_page_is_for_managers(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    setup(db, world)
    auth.login("sato")
    assert client.get("/overview").status_code == 403
    auth.login("kanri")
    html = client.get("/overview?days=30").get_data(as_text=True)
    assert "30日以上 連絡・面談の記録がない利用者 (2人)" in html
    assert world.other_client.name not in html


def test_the_answer_rate_counts_expected_days_as_the_signals_do(db: Session, world: World) -> None:
    # Client a got a card 14 days ago (service start 1/1), the office was closed on 6/1 and
    # 6/2, and client a answered every other weekday since the card: every expected day.
    issue_link(db, world.client_a, now=NOW - timedelta(days=14))
    closed = (date(2026, 6, 1), date(2026, 6, 2))
    db.add_all(OfficeClosedDay(office_id=world.office.id, day=d) for d in closed)
    for back in range(1, 15):
        d = TODAY - timedelta(days=back)
        if d.weekday() < 5 and d not in closed:
            db.add(
                CheckIn(
                    client_id=world.client_a.id,
                    local_date=d,
                    mood=3,
                    fatigue=3,
                    channel=Channel.WEB,
                )
            )
    db.commit()
    rates = {
        r.client.id: r.answer_rate for r in office_overview(db, world.office, today=TODAY).clients
    }
    assert rates[world.client_a.id] == 1.0
    # No card, no LINE, no answer: no expected day yet, no rate (not a low one).
    assert rates[world.client_b.id] is None
