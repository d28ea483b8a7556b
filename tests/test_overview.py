"""The office overview for the service manager (#5)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.models import Channel, CheckIn, Contact, ContactKind, FlagStatus
from checkin.services.flags import upsert_candidates
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
    # lowest first: client_b never answered, client_c answered 2 of 20 expected days
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
