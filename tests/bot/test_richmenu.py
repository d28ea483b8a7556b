"""The rich menu command, through the real SDK against the stub LINE API."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from checkin.bot.richmenu import RICH_MENU
from checkin.cli import main
from tests.bot.conftest import TOKEN, StubLine

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_the_documented_json_is_the_one_the_command_creates(repo_root: Path) -> None:
    doc = json.loads((repo_root / "docs" / "line-richmenu.json").read_text())
    assert doc == RICH_MENU
    assert RICH_MENU["areas"][0]["action"]["data"] == "ci=start"


def test_the_command_creates_uploads_and_sets_the_default(stub: StubLine, tmp_path: Path) -> None:
    image = tmp_path / "menu.png"
    image.write_bytes(PNG)
    env = {
        "CHECKIN_LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "CHECKIN_LINE_API_BASE_URL": stub.url,
        "CHECKIN_LINE_API_DATA_BASE_URL": stub.url,
    }
    result = CliRunner().invoke(main, ["line-richmenu", "--image", str(image)], env=env)
    assert result.exit_code == 0, result.output
    paths = [r.path for r in stub.requests]
    assert paths == [
        "/v2/bot/richmenu",
        "/v2/bot/richmenu/richmenu-stub-1/content",
        "/v2/bot/user/all/richmenu/richmenu-stub-1",
    ]
    assert stub.requests[0].body["areas"][0]["action"]["data"] == "ci=start"
    upload = stub.requests[1]
    assert upload.headers["Content-Type"] == "image/png" and upload.size == len(PNG)
