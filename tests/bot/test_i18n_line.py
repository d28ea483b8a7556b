"""The LINE parts that staff see, in English; the LINE conversation itself stays Japanese."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from checkin.bot.messenger import LineMessenger
from tests.bot.conftest import Clock, StubLine
from tests.bot.test_reminders import WED, at, link, run
from tests.conftest import AuthActions, World, csrf_from
from tests.test_i18n import assert_no_japanese, english, user_data


def test_the_line_notice_and_linking_page_in_english(
    db: Session,
    world: World,
    stub: StubLine,
    messenger: LineMessenger,
    client: FlaskClient,
    auth: AuthActions,
    clock: Clock,
) -> None:
    link(db, world.client_a, world.client_b, world.client_c)
    run(db, messenger, at(WED, 18, 5), limit=2)
    clock.now = at(WED, 19)
    english(client)
    auth.login("kanri")
    page = client.get("/alerts?all=1").get_data(as_text=True)
    assert "Not reminded on LINE today" in page
    assert "(monthly sending limit reached)" in page
    assert_no_japanese(page, user_data(db))

    detail = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "Linked (" in detail
    code = client.post(
        f"/clients/{world.client_a.id}/line/code", data={"csrf_token": csrf_from(detail)}
    )
    html = code.get_data(as_text=True)
    assert code.status_code == 200, html[-500:]
    assert "LINE linking code for" in html
    assert_no_japanese(html, user_data(db))
