"""Importing clients from files and exporting records (issue 7)."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Channel, CheckIn, Client, Contact, ContactKind, Employer
from checkin.services.transfer import TEMPLATE_HEADERS, neutralise
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from

HEADER = ",".join(TEMPLATE_HEADERS)


def rows_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(
    client: FlaskClient, auth: AuthActions, content: bytes, filename: str = "clients.csv"
) -> Any:
    return client.post(
        "/clients/import",
        data={"csrf_token": auth.token("/clients/import"), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def clients(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Client)) or 0


GOOD_ROWS = [
    f"利用者{i},りようしゃ{i},sato,suzuki,,2026-0{1 + i % 5}-01,,,adjustment,open,01234,19:00,web"
    for i in range(30)
]


def test_import_previews_then_saves_all(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    before = clients(db)
    resp = upload(client, auth, rows_csv(*GOOD_ROWS))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "30行、問題はありません" in html
    assert clients(db) == before  # the preview saves nothing
    payload = html.split('name="payload" value="')[1].split('"')[0]
    resp = client.post(
        "/clients/import/confirm",
        data={
            "csrf_token": auth.token("/clients/import"),
            "filename": "clients.csv",
            "payload": payload,
        },
    )
    assert resp.status_code == 303
    assert clients(db) == before + 30
    c = db.scalars(select(Client).where(Client.name == "利用者3")).one()
    assert (c.supporter_id, c.backup_supporter_id, c.stage.value) == (
        world.sato.id,
        world.suzuki.id,
        "adjustment",
    )
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "import.clients")).one()


def test_import_reads_excel_and_shift_jis(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    db.add(Employer(office_id=world.office.id, name="ひかり食品"))
    db.commit()
    auth.login("kanri")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["name", "supporter_login", "employer", "hire_date"])
    ws.append(["佐々木 杏", "sato", "ひかり食品", "2026-02-01"])
    buf = io.BytesIO()
    wb.save(buf)
    assert "問題はありません" in upload(client, auth, buf.getvalue(), "c.xlsx").get_data(
        as_text=True
    )
    sjis = rows_csv("森 葵,もり あおい,sato,,,2026-03-01,,,,,,,").decode().encode("cp932")
    assert "問題はありません" in upload(client, auth, sjis).get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (rows_csv("a,b", header="氏名,番号"), "知らない列があります"),
        (rows_csv("田中,,sato,,,2026-99-01,,,,,,,"), "入社日: 2026年99月1日という日はありません"),
        (rows_csv("田中 次郎,,nobody,,,,,,,,,,"), "職員「nobody」はこの事業所にいません"),
        (rows_csv("田中 次郎,,yoso,,,,,,,,,,"), "職員「yoso」はこの事業所にいません"),
        (rows_csv("田中 次郎,,,,未登録社,,,,,,,,"), "企業「未登録社」が未登録"),
        (rows_csv("同じ人,,,,,2026-01-01,,,,,,,", "同じ人,,,,,2026-01-01,,,,,,,"), "2行目と同じ"),
        (rows_csv('"=HYPERLINK(""http://evil"",""x"")",,,,,,,,,,,,'), "先頭に = + - @"),
        (rows_csv("田中 健太,,,,,,,,,,,,"), "すでに登録されています"),
        (
            rows_csv("終わり,,,,,2026-01-01,2026-07-01,2026-06-01,,,,,"),
            "支援終了日が支援開始日より前",
        ),
        (b"", "ファイルが空です"),
    ],
)
def test_bad_files_are_refused_row_by_row_and_save_nothing(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, content: bytes, message: str
) -> None:
    auth.login("kanri")
    before = clients(db)
    good_then_bad = content
    resp = upload(client, auth, good_then_bad)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert message in html, html[-2000:]
    assert 'name="payload"' not in html
    assert clients(db) == before


def test_a_50_mb_upload_is_refused(live_server: str, db: Session, world: World) -> None:
    # Over real HTTP: the server must stop reading and answer 413, saving nothing.
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{live_server}/login").read().decode()
    opener.open(
        f"{live_server}/login",
        urllib.parse.urlencode(
            {"login": "kanri", "password": PASSWORD, "csrf_token": csrf_from(page)}
        ).encode(),
    )
    token = csrf_from(opener.open(f"{live_server}/clients/import").read().decode())
    boundary = "checkinboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + rows_csv(*GOOD_ROWS)
        + b"x" * (50 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(
        f"{live_server}/clients/import",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req)
    assert err.value.code == 413
    assert "大きすぎます" in err.value.read().decode()
    err.value.close()
    assert clients(db) == 4


def test_supporters_cannot_import(client: FlaskClient, world: World, auth: AuthActions) -> None:
    auth.login("sato")
    assert client.get("/clients/import").status_code == 403


def test_client_export_csv_and_xlsx_are_audited_and_safe(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    db.add(
        CheckIn(
            client_id=world.client_a.id,
            local_date=TODAY,
            mood=2,
            fatigue=4,
            note="=1+2",
            channel=Channel.WEB,
        )
    )
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_a.id,
            staff_id=world.sato.id,
            kind=ContactKind.CALL,
            occurred_at=NOW,
            note="電話",
        )
    )
    db.commit()
    auth.login("sato")
    resp = client.get(f"/clients/{world.client_a.id}/export.csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["利用者ID", "名前", "日付", "気分"]
    assert rows[1][1] == "田中 健太" and rows[1][3] == "2" and rows[1][8] == "'=1+2"
    resp = client.get(f"/clients/{world.client_a.id}/export.xlsx")
    wb = load_workbook(io.BytesIO(resp.get_data()))
    assert wb.sheetnames == ["利用者", "記録", "アラート", "連絡"]
    assert [r[3] for r in wb["連絡"].iter_rows(min_row=2, values_only=True)] == ["電話"]
    assert wb["記録"].cell(2, 9).value == "'=1+2"
    assert wb["利用者"].cell(2, 2).value == world.client_a.name
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.client_id, e.detail["format"]) for e in exports] == [  # type: ignore[index]
        (world.client_a.id, "csv"),
        (world.client_a.id, "xlsx"),
    ]


def test_export_respects_office_isolation(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    assert client.get(f"/clients/{world.other_client.id}/export.csv").status_code == 404
    assert client.get("/export/office.xlsx").status_code == 403
    auth.login("kanri")
    wb = load_workbook(io.BytesIO(client.get("/export/office.xlsx").get_data()))
    names = [r[1] for r in wb["利用者"].iter_rows(min_row=2, values_only=True)]
    assert world.client_a.name in names and world.other_client.name not in names


@pytest.mark.parametrize("value", ["=cmd", "+1", "-1", "@x", "\tx"])
def test_neutralise(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("普通の名前") == "普通の名前"


ENTRY_HEADER = "client_id,date,mood,fatigue,sleep_hours,sleep_quality,wants_contact,note"


def upload_history(client: FlaskClient, auth: AuthActions, content: bytes) -> Any:
    return client.post(
        "/clients/import/history",
        data={
            "csrf_token": auth.token("/clients/import/history"),
            "file": (io.BytesIO(content), "history.csv"),
        },
        content_type="multipart/form-data",
    )


def year_of_entries(client_ids: list[int]) -> bytes:
    lines = [ENTRY_HEADER]
    for cid in client_ids:
        for back in range(365, 0, -1):
            d = TODAY - timedelta(days=back)
            if d.weekday() < 5:
                lines.append(f"{cid},{d},{3 + back % 3 // 2},2,7,3,false,")
    return ("\n".join(lines) + "\n").encode()


def test_a_year_of_past_entries_is_imported_all_at_once(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth.login("kanri")
    content = year_of_entries([world.client_a.id, world.client_b.id])
    resp = upload_history(client, auth, content)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-1500:]
    assert "2人" in html and "問題はありません" in html
    payload = html.split('name="payload" value="')[1].split('"')[0]
    from checkin.services import transfer

    monkeypatch.setattr(transfer, "IMPORT_CHUNK", 200)  # show progress on a small file
    resp = client.post(
        "/clients/import/history/confirm",
        data={
            "csrf_token": auth.token("/clients/import/history"),
            "filename": "history.csv",
            "payload": payload,
        },
    )
    assert resp.status_code == 200 and resp.is_streamed
    page = resp.get_data(as_text=True)  # the import runs while the page is read
    assert page.count(" 件</li>") >= 3 and "件の記録を取り込みました" in page
    db.expire_all()
    n = db.scalar(select(func.count()).select_from(CheckIn))
    assert n == content.count(b"\n") - 1
    assert {c for c in db.scalars(select(CheckIn.channel).distinct())} == {Channel.IMPORT}
    # Importing the same file again: every row is already there, nothing changes.
    resp = upload_history(client, auth, content)
    assert resp.status_code == 400 and "すでにあります" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CheckIn)) == n


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["OTHER,2026-05-01,3,2,7,3,false,"], "この事業所の利用者ではありません"),
        (["A,2026-05-01,,2,7,3,false,"], "取り込みには必要です"),
        (["A,2026-13-01,3,2,7,3,false,"], "3行目「日付」: 2026年13月1日という日はありません"),
        (["A,2026-05-01,9,2,7,3,false,"], "3行目「気分」: 1〜5の数字で入れてください"),
        (["A,2027-01-01,3,2,7,3,false,"], "未来の日付"),
        (
            ["A,2026-05-01,3,2,7,3,false,", "A,2026-05-01,4,2,7,3,false,"],
            "4行目: 3行目と同じ利用者・同じ日です",
        ),
    ],
)
def test_bad_history_rows_are_named_and_nothing_is_saved(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, rows: list[str], message: str
) -> None:
    auth.login("kanri")
    lines = [
        r.replace("OTHER", str(world.other_client.id)).replace("A,", f"{world.client_a.id},", 1)
        for r in rows
    ]
    good = f"{world.client_a.id},2026-04-01,3,2,7,3,false,"
    resp = upload_history(client, auth, ("\n".join([ENTRY_HEADER, good, *lines]) + "\n").encode())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert message in html.replace("&#39;", "'"), html[-1500:]
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0
