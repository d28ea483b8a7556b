"""Importing clients from files and exporting records (issue 7)."""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, time, timedelta
from http.cookiejar import CookieJar
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import from_excel, to_excel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    Client,
    ClientStatus,
    Contact,
    ContactKind,
    Disclosure,
    Employer,
    Office,
    Role,
    StaffUser,
    Stage,
)
from checkin.services import cells, labels
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


def upload_history(
    client: FlaskClient, auth: AuthActions, content: bytes, filename: str = "history.csv"
) -> Any:
    return client.post(
        "/clients/import/history",
        data={
            "csrf_token": auth.token("/clients/import/history"),
            "file": (io.BytesIO(content), filename),
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


# --- files as Japanese offices keep them (issue 12) ---------------------------------------


def confirm(client: FlaskClient, auth: AuthActions, html: str, url: str, name: str) -> Any:
    payload = html.split('name="payload" value="')[1].split('"')[0]
    return client.post(
        url,
        data={"csrf_token": auth.token("/clients/import"), "filename": name, "payload": payload},
    )


def xlsx(*rows: list[Any], title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "value",
    [
        "2026/6/1",
        "2026/06/01",
        "2026-06-01",
        "2026-6-1",
        "2026年6月1日",
        "２０２６／６／１",
        "2026/6/1 0:00",
        "20260601",
        "令和8年6月1日",
        "R8.6.1",
        "r8/6/1",
        datetime(2026, 6, 1),
        date(2026, 6, 1),
        to_excel(date(2026, 6, 1)),  # openpyxl's own count of Excel's serial days
    ],
)
def test_date_forms(value: Any) -> None:
    assert cells.parse_date(value) == date(2026, 6, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0001-01-01", "1年は使えません"),
        ("9999/12/31", "9999年は使えません"),
        (datetime(9999, 12, 31), "9999年は使えません"),
        ("2026/2/30", "2026年2月30日という日はありません"),
        ("令和1年4月30日", "元号と日付が合いません"),
        ("H31.5.1", "元号と日付が合いません"),
        ("来週", "日付として読めません"),
        (3_000_000, "日付ではありません"),
        (datetime(2026, 6, 1, 9, 30), "時刻が入っています"),
    ],
)
def test_bad_dates_are_refused_with_a_message(value: Any, message: str) -> None:
    with pytest.raises(cells.CellError) as err:
        cells.parse_date(value)
    assert message in str(err.value.message)


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("月火水木金", "01234"),
        ("月,火,水", "012"),
        ("月、水、金", "024"),
        ("月・水・金", "024"),
        ("月〜金", "01234"),
        ("月～金", "01234"),
        ("月-金", "01234"),
        ("火曜〜木曜", "123"),
        ("平日", "01234"),
        ("土日", "56"),
        ("01234", "01234"),
        ("42", "24"),
    ],
)
def test_weekday_forms(value: str, codes: str) -> None:
    assert cells.parse_weekdays(value) == codes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1234, "数値 1234 になっています"),
        (1234.0, "数値 1234 になっています"),
        ("月月", "曜日として読めません"),
        ("金〜月", "前から順に"),
        ("0178", "月=0 … 日=6"),
    ],
)
def test_bad_weekdays_are_refused(value: Any, message: str) -> None:
    with pytest.raises(cells.CellError) as err:
        cells.parse_weekdays(value)
    assert message in str(err.value.message)


def test_a_label_changed_in_labels_py_changes_every_page(
    client: FlaskClient, world: World, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One set of words: the pages read labels.py, so a label changes in one place.
    monkeypatch.setitem(labels.STAGES.labels, Stage.SELF_DRIVING, "ひとり立ち期")
    monkeypatch.setitem(labels.DISCLOSURES.labels, Disclosure.OPEN, "開示して就労")
    monkeypatch.setitem(labels.CLIENT_STATUSES.labels, ClientStatus.ACTIVE, "支援している")
    auth.login("kanri")
    listing = client.get("/clients").get_data(as_text=True)
    assert "ひとり立ち期" in listing and "支援している" in listing
    form = client.get("/clients/new").get_data(as_text=True)
    assert '<option value="self_driving"' in form and "ひとり立ち期</option>" in form
    assert "開示して就労</option>" in form
    detail = client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    assert "開示して就労" in detail
    alerts = client.get("/alerts").get_data(as_text=True)
    assert "ひとり立ち期</option>" in alerts


HISTORY_CONFIRM = "/clients/import/history/confirm"
JA_HEADER = (
    "名前,ふりがな,担当,副担当,企業,入社日,支援開始日,支援終了日,段階,開示,曜日,リマインド,方法"
)


def test_japanese_labels_dates_weekdays_and_supporter_names_are_read(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    db.add(Employer(office_id=world.office.id, name="ひかり食品"))
    db.commit()
    auth.login("kanri")
    rows = [
        "青木 一郎,,佐藤,鈴木,ひかり食品,2026/4/1,2026/06/01,令和11年5月31日,"
        "調整期,オープン,月火水木金,19:00,ウェブ",
        '石井 二郎,,sato,,,2026-04-01,2026年6月1日,,順行期,クローズ就労,"月,水,金",19時,LINE',
        "上田 三郎,,佐藤　,,,R8.4.1,,,自立拡大期,closed,月〜金,,line",
        "江藤 四郎,,SATO,,,,,,支援離脱期,open,平日,,web",
        "小川 五郎,,,,,,,,self_driving,オープン就労,土日,,",
        "加藤 六郎,,,,,,,,模索期,クローズ,01234,,",
    ]
    resp = upload(client, auth, rows_csv(*rows, header=JA_HEADER))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-3000:]
    assert (
        "6行、問題はありません" in html and "担当 佐藤・副担当 鈴木・調整期・オープン就労" in html
    )
    resp = confirm(client, auth, html, "/clients/import/confirm", "clients.csv")
    assert resp.status_code == 303
    db.expire_all()
    got = {
        c.name: c
        for c in db.scalars(select(Client).where(Client.name.in_([r.split(",")[0] for r in rows])))
    }
    a, b, c, d, e, f = (got[r.split(",")[0]] for r in rows)
    assert (a.supporter_id, a.backup_supporter_id) == (world.sato.id, world.suzuki.id)
    assert (a.hire_date, a.service_start, a.service_end) == (
        date(2026, 4, 1),
        date(2026, 6, 1),
        date(2029, 5, 31),
    )
    assert a.employer is not None and a.employer.name == "ひかり食品"
    assert [x.stage.value for x in (a, b, c, d, e, f)] == [
        "adjustment",
        "adjustment",
        "stability",
        "self_driving",
        "self_driving",
        "exploration",
    ]
    assert [x.disclosure.value for x in (a, b, c, d, e, f)] == [
        "open",
        "closed",
        "closed",
        "open",
        "open",
        "closed",
    ]
    assert [x.checkin_weekdays for x in (a, b, c, d, e, f)] == [
        "01234",
        "024",
        "01234",
        "01234",
        "56",
        "01234",
    ]
    assert [x.channel_preference.value for x in (a, b, c)] == ["web", "line", "line"]
    assert b.reminder_time is not None and b.reminder_time.hour == 19
    assert {b.supporter_id, c.supporter_id, d.supporter_id} == {world.sato.id}
    assert c.hire_date == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ",,,,,,,,実行期,,,,",
            "段階: 「実行期」は使えません。使えるのは 模索期・調整期・安定期・自走期 です。",
        ),
        (
            ",,,,,,,,,半分,,,",
            "開示: 「半分」は使えません。使えるのは オープン就労・クローズ就労 です。",
        ),
        (",,,,,,,,,,,,メール", "方法: 「メール」は使えません。使えるのは ウェブ・LINE です。"),
        (",,,,,0001/1/1,,,,,,,", "入社日: 1年は使えません"),
        (",,,,,9999-01-01,,,,,,,", "入社日: 9999年は使えません"),
        (",,,,,,,,,,毎週,,", "曜日: 「毎週」は曜日として読めません"),
        (",,,,,,,,,,,25:00,", "リマインド: 「25:00」は時刻として読めません"),
        (",,だれか,,,,,,,,,,", "担当: 職員「だれか」はこの事業所にいません"),
        (",,同名,,,,,,,,,,", "「同名」という名前の職員が2人います。ログインIDで入れてください"),
    ],
)
def test_bad_cells_name_their_column_and_the_allowed_labels(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    row: str,
    message: str,
) -> None:
    for login in ("dou1", "dou2"):
        db.add(StaffUser(office_id=world.office.id, login=login, name="同名", password_hash="x"))
    db.commit()
    auth.login("kanri")
    before = clients(db)
    resp = upload(client, auth, rows_csv("新井 七海" + row, header=JA_HEADER))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and message in html, html[-2500:]
    assert "問題なし" not in html and 'name="payload"' not in html
    assert clients(db) == before


def japanese_excel_workbook(weekday_of_row_3: Any) -> bytes:
    """A client list saved the way Japanese Excel saves one: real date cells, slash dates
    typed as text, 「月火水木金」, Japanese labels; one weekday cell as Excel leaves 01234."""
    return xlsx(
        ["名前", "ふりがな", "担当", "入社日", "支援開始日", "段階", "開示", "曜日", "リマインド"],
        [
            "西田 春",
            "にしだ はる",
            "佐藤",
            datetime(2026, 4, 1),
            "2026/6/1",
            "調整期",
            "オープン",
            "月火水木金",
            time(19, 0),
        ],
        [
            "東 夏",
            "ひがし なつ",
            "suzuki",
            "2026/4/15",
            datetime(2026, 6, 2),
            "模索期",
            "クローズ",
            weekday_of_row_3,
            None,
        ],
        [
            "南 秋",
            None,
            "鈴木",
            "令和8年5月1日",
            46174,
            "安定期",
            "オープン就労",
            "月〜金",
            "18:30",
        ],
    )


def test_excel_mangled_weekdays_are_refused_and_the_preview_says_so(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    before = clients(db)
    resp = upload(client, auth, japanese_excel_workbook(1234), "名簿.xlsx")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    bad_row = html.split("<td>3</td>")[1].split("</tr>")[0]
    assert "曜日: 曜日が数値 1234 になっています" in bad_row and "問題なし" not in bad_row
    assert "問題のある行があります" in html and 'name="payload"' not in html
    # Confirming the same file anyway (a forged form) saves nothing either.
    import base64

    resp = client.post(
        "/clients/import/confirm",
        data={
            "csrf_token": auth.token("/clients/import"),
            "filename": "名簿.xlsx",
            "payload": base64.b64encode(japanese_excel_workbook(1234)).decode(),
        },
    )
    assert resp.status_code == 400 and "数値 1234" in resp.get_data(as_text=True)
    assert clients(db) == before
    # A Shift_JIS CSV that Excel saved after opening: 01234 became "1234" there too.
    sjis = rows_csv("森 葵,,,,,,,,,,1234,,", header=JA_HEADER).decode().encode("cp932")
    html = upload(client, auth, sjis).get_data(as_text=True)
    assert "曜日「1234」は Excel が先頭の 0 (月曜日) を消したおそれ" in html
    assert clients(db) == before


def test_a_japanese_excel_workbook_is_imported(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    resp = upload(client, auth, japanese_excel_workbook("月水金"), "名簿.xlsx")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-3000:]
    resp = confirm(client, auth, html, "/clients/import/confirm", "名簿.xlsx")
    assert resp.status_code == 303
    done = client.get(resp.headers["Location"])
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="import-actions"' in page
    assert all(n in page for n in ("西田 春", "東 夏", "南 秋")) and "月水金" in page
    assert world.client_a.name not in page  # only this import's clients
    db.expire_all()
    got = {
        c.name: c
        for c in db.scalars(select(Client).where(Client.name.in_(["西田 春", "東 夏", "南 秋"])))
    }
    assert got["西田 春"].hire_date == date(2026, 4, 1)
    assert got["西田 春"].service_start == date(2026, 6, 1)
    assert got["東 夏"].service_start == date(2026, 6, 2)
    assert got["南 秋"].service_start == from_excel(46174).date()
    assert got["南 秋"].hire_date == date(2026, 5, 1)
    assert got["東 夏"].checkin_weekdays == "024" and got["南 秋"].checkin_weekdays == "01234"
    assert got["東 夏"].disclosure.value == "closed" and got["南 秋"].stage.value == "stability"
    assert got["西田 春"].reminder_time == time(19, 0)
    assert got["南 秋"].reminder_time == time(18, 30)
    assert got["南 秋"].supporter_id == world.suzuki.id
    # The result page belongs to this office only.
    import_id = resp.headers["Location"].rsplit("/", 1)[1]
    auth.login("yoso")
    assert client.get(f"/clients/import/{import_id}").status_code in (403, 404)


def test_history_reads_japanese_headers_excel_cells_and_names(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    content = xlsx(
        ["名前", "日付", "気分", "疲れ", "睡眠時間", "眠りの質", "相談したい", "メモ"],
        ["田中 健太", datetime(2026, 6, 1), 3, 2, 7.5, 4, "はい", "眠れた"],
        ["伊藤　美咲", "2026/6/2", "4", "2", None, None, None, None],
        ["渡辺 大輔", "令和8年6月3日", 2, 4, 5, 2, False, None],
    )
    resp = client.post(
        "/clients/import/history",
        data={
            "csrf_token": auth.token("/clients/import/history"),
            "file": (io.BytesIO(content), "日報.xlsx"),
        },
        content_type="multipart/form-data",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-2000:]
    resp = confirm(client, auth, html, "/clients/import/history/confirm", "日報.xlsx")
    assert "3件の記録を取り込みました" in resp.get_data(as_text=True)
    db.expire_all()
    got = {(e.client_id, e.local_date): e for e in db.scalars(select(CheckIn))}
    a = got[(world.client_a.id, date(2026, 6, 1))]
    assert (a.mood, a.fatigue, float(a.sleep_hours or 0), a.sleep_quality, a.wants_contact) == (
        3,
        2,
        7.5,
        4,
        True,
    )
    assert got[(world.client_b.id, date(2026, 6, 2))].mood == 4
    assert got[(world.client_c.id, date(2026, 6, 3))].wants_contact is False


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        ("利用者ID,名前,日付,気分,疲れ", "A,伊藤 美咲,2026/6/1,3,2", "は「田中 健太」さんです"),
        ("名前,日付,気分,疲れ", "だれか,2026/6/1,3,2", "利用者「だれか」はこの事業所にいません"),
        ("利用者ID,日付,気分,疲れ", "A,9999/6/1,3,2", "2行目「日付」: 9999年は使えません"),
        ("利用者ID,日付,気分,疲れ,相談したい", "A,2026/6/1,3,2,たぶん", "はい / いいえ"),
        ("利用者ID,日付,気分", "A,2026/6/1,3", "必要な列がありません: 疲れ"),
    ],
)
def test_bad_history_cells_are_named_in_japanese(
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    header: str,
    row: str,
    message: str,
) -> None:
    auth.login("kanri")
    content = rows_csv(row.replace("A,", f"{world.client_a.id},", 1), header=header)
    resp = upload_history(client, auth, content)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_exports_show_office_times_and_labels_the_machine_export_codes_and_utc(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    # 20:30 UTC on 9 June is 05:30 on 10 June in Tokyo; 23:59 UTC is 08:59 the next day.
    early = datetime(2026, 6, 9, 20, 30, tzinfo=UTC)
    db.add(
        CheckIn(
            client_id=world.client_a.id,
            local_date=date(2026, 6, 10),
            mood=4,
            fatigue=2,
            wants_contact=True,
            channel=Channel.LINE,
            created_at=early,
            updated_at=early,
        )
    )
    db.add(
        Contact(
            office_id=world.office.id,
            client_id=world.client_a.id,
            staff_id=world.sato.id,
            kind=ContactKind.WORKPLACE_VISIT,
            occurred_at=datetime(2026, 6, 9, 23, 59, tzinfo=UTC),
        )
    )
    db.commit()
    auth.login("kanri")
    wb = load_workbook(io.BytesIO(client.get("/export/office.xlsx").get_data()))
    entry = next(wb["記録"].iter_rows(min_row=2, values_only=True))
    assert entry[:3] == (world.client_a.id, "田中 健太", datetime(2026, 6, 10))
    assert entry[7:12] == (
        "はい",
        None,
        "LINE",
        datetime(2026, 6, 10, 5, 30),
        datetime(2026, 6, 10, 5, 30),
    )
    contact = next(wb["連絡"].iter_rows(min_row=2, values_only=True))
    assert contact[1:5] == ("田中 健太", datetime(2026, 6, 10, 8, 59), "職場訪問", "佐藤")
    people = {r[1]: r for r in wb["利用者"].iter_rows(min_row=2, values_only=True)}
    a = people["田中 健太"]
    assert a[3:5] == ("佐藤", "鈴木") and a[9:15] == (
        "模索期",
        "オープン就労",
        "月火水木金",
        None,
        "ウェブ",
        "利用中",
    )
    assert people["渡辺 大輔"][9] == "自走期"
    text = client.get("/export/office.csv?table=entries").get_data().decode("utf-8-sig")
    assert "2026/6/10,4,2,,,はい,,LINE,2026/6/10 5:30,2026/6/10 5:30" in text
    # The machine-readable variant: codes, ISO dates, UTC timestamps, logins.
    resp = client.get("/export/office.csv?table=entries&variant=machine")
    assert "machine" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["client_id", "name", "date"]
    assert rows[1][2:] == [
        "2026-06-10",
        "4",
        "2",
        "",
        "",
        "1",
        "",
        "line",
        "2026-06-09T20:30:00Z",
        "2026-06-09T20:30:00Z",
    ]
    wb = load_workbook(io.BytesIO(client.get("/export/office.xlsx?variant=machine").get_data()))
    assert wb.sheetnames == ["clients", "entries", "flags", "contacts"]
    contact = next(wb["contacts"].iter_rows(min_row=2, values_only=True))
    assert contact[2:5] == ("2026-06-09T23:59:00Z", "workplace_visit", "sato")
    assert client.get("/export/office.xlsx?variant=other").status_code == 404


def test_the_japanese_export_imports_again(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    db.add(Employer(office_id=world.office.id, name="ひかり食品"))
    db.commit()
    auth.login("kanri")
    # The office's clients, with every kind of value the form can hold.
    resp = upload(
        client,
        auth,
        rows_csv(
            "村上 雪,むらかみ ゆき,佐藤,鈴木,ひかり食品,2026/2/1,2026/3/1,2029/2/28,"
            "安定期,クローズ,月水木,08:15,LINE",
            header=JA_HEADER,
        ),
    )
    assert (
        confirm(
            client, auth, resp.get_data(as_text=True), "/clients/import/confirm", "c.csv"
        ).status_code
        == 303
    )
    history = (
        "\n".join(
            [ENTRY_HEADER]
            + [
                f"{world.client_a.id},2026-05-{d:02d},{1 + d % 5},{1 + d % 3},6.5,3,"
                f"{d % 2 == 0},=note {d}"
                for d in range(1, 21)
            ]
        )
        + "\n"
    )
    resp = upload_history(client, auth, history.encode())
    done = confirm(client, auth, resp.get_data(as_text=True), HISTORY_CONFIRM, "h.csv")
    assert "20件の記録を取り込みました" in done.get_data(as_text=True)
    exported = client.get("/export/office.xlsx").get_data()

    def snapshot(office_id: int) -> list[tuple[Any, ...]]:
        db.expire_all()
        return sorted(
            (
                c.name,
                c.name_kana,
                c.supporter.name if c.supporter else None,
                c.backup_supporter.name if c.backup_supporter else None,
                c.employer.name if c.employer else None,
                c.hire_date,
                c.service_start,
                c.service_end,
                c.stage,
                c.disclosure,
                c.checkin_weekdays,
                c.reminder_time,
                c.channel_preference,
                c.status,
            )
            for c in db.scalars(select(Client).where(Client.office_id == office_id))
        )

    def entries() -> list[tuple[Any, ...]]:
        db.expire_all()
        return sorted(
            (
                e.client_id,
                e.local_date,
                e.mood,
                e.fatigue,
                e.sleep_hours,
                e.sleep_quality,
                e.wants_contact,
                e.note,
            )
            for e in db.scalars(select(CheckIn))
        )

    # The entries come back from the Japanese export as they were.
    before = entries()
    assert len(before) == 20 and before[0][-1] == "=note 1"
    db.execute(CheckIn.__table__.delete())
    db.commit()
    resp = upload_history(client, auth, exported, "office.xlsx")  # the workbook's 記録 sheet
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-2000:]
    done = confirm(client, auth, html, HISTORY_CONFIRM, "office.xlsx")
    assert "20件の記録を取り込みました" in done.get_data(as_text=True)
    assert entries() == before
    # The clients come back in a new office with the same staff names and employer.
    office = world.office
    new = Office(name="C事業所", timezone="Asia/Tokyo")
    db.add(new)
    db.flush()
    db.add_all(
        [
            StaffUser(
                office_id=new.id,
                login="c-kanri",
                name="管理",
                role=Role.SERVICE_MANAGER,
                password_hash=world.manager.password_hash,
            ),
            StaffUser(office_id=new.id, login="c-sato", name="佐藤", password_hash="x"),
            StaffUser(office_id=new.id, login="c-suzuki", name="鈴木", password_hash="x"),
            Employer(office_id=new.id, name="ひかり食品"),
        ]
    )
    db.commit()
    auth.login("c-kanri")
    resp = upload(client, auth, exported, "office.xlsx")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "4行、問題はありません" in html, html[-2500:]
    assert confirm(client, auth, html, "/clients/import/confirm", "office.xlsx").status_code == 303
    assert snapshot(new.id) == snapshot(office.id)
