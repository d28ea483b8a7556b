"""``checkin line-richmenu``: create the rich menu whose one big button starts a check-in.

The button sends the postback ``ci=start`` (see ``docs/line-richmenu.json``). An office
provides its own 2500x843 image (PNG or JPEG, at most 1 MB), e.g. the words 「きょうの記録」.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from checkin.bot.conversation import START_DATA
from checkin.bot.messenger import DEFAULT_API_BASE_URL

DEFAULT_API_DATA_BASE_URL = "https://api-data.line.me"  # LINE serves uploads from here

RICH_MENU: dict[str, Any] = {
    "size": {"width": 2500, "height": 843},
    "selected": True,
    "name": "checkin: きょうの記録",
    "chatBarText": "きょうの記録",
    "areas": [
        {
            "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
            "action": {
                "type": "postback",
                "label": "きょうの記録",
                "data": START_DATA,
                "displayText": "きょうの記録",
            },
        }
    ],
}


def create_rich_menu(
    token: str, image: bytes, content_type: str, *, base_url: str, data_base_url: str
) -> str:
    """Create the menu, upload its image and make it every user's default. Returns its id."""
    from linebot.v3.messaging import (
        ApiClient,
        Configuration,
        MessagingApi,
        MessagingApiBlob,
        RichMenuRequest,
    )

    api_conf = Configuration(host=base_url.rstrip("/"), access_token=token)
    data_conf = Configuration(host=data_base_url.rstrip("/"), access_token=token)
    with ApiClient(api_conf) as client:
        menu_id = str(
            MessagingApi(client).create_rich_menu(RichMenuRequest.from_dict(RICH_MENU)).rich_menu_id
        )
        client.rest_client.pool_manager.clear()
    with ApiClient(data_conf) as client:
        MessagingApiBlob(client).set_rich_menu_image(
            menu_id, image, _headers={"Content-Type": content_type}
        )
        client.rest_client.pool_manager.clear()
    with ApiClient(api_conf) as client:
        MessagingApi(client).set_default_rich_menu(menu_id)
        client.rest_client.pool_manager.clear()
    return menu_id


@click.command("line-richmenu", help="Create the LINE rich menu with the check-in button.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="2500x843 PNG or JPEG for the menu.",
)
@click.option("--print-json", is_flag=True, help="Only print the rich menu JSON.")
def line_richmenu(image: Path | None, print_json: bool) -> None:
    if print_json:
        click.echo(json.dumps(RICH_MENU, ensure_ascii=False, indent=2))
        return
    token = os.environ.get("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        raise click.ClickException("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN is not set")
    if image is None:
        raise click.ClickException("--image is required (a 2500x843 PNG or JPEG)")
    data = image.read_bytes()
    content_type = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    menu_id = create_rich_menu(
        token,
        data,
        content_type,
        base_url=os.environ.get("CHECKIN_LINE_API_BASE_URL") or DEFAULT_API_BASE_URL,
        data_base_url=os.environ.get("CHECKIN_LINE_API_DATA_BASE_URL") or DEFAULT_API_DATA_BASE_URL,
    )
    click.echo(f"rich menu {menu_id} is now the default for every user")
