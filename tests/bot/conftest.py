"""LINE fixtures: a local stub of LINE's Messaging API (the real SDK talks to it over HTTP),
signed webhook bodies in LINE's documented format, and a clock the tests move."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from checkin.bot import LineState
from checkin.bot.messenger import LineMessenger
from checkin.web import create_app
from tests.conftest import NOW

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    size: int = 0


@dataclass
class StubLine:
    """Answers like LINE's Messaging API and records every request."""

    requests: list[Recorded] = field(default_factory=list)
    quota_limit: int | None = None  # None: LINE reports no limit
    quota_used: int = 0
    push_status: int = 200  # set to 500 to make pushes fail
    accepted_keys: set[str] = field(default_factory=set)
    url: str = ""
    reply_gate: threading.Event | None = None  # when set, replies wait for it (a slow LINE)
    replies_answered: int = 0

    def reset(self) -> None:
        self.requests.clear()
        self.quota_limit = None
        self.quota_used = 0
        self.push_status = 200
        self.accepted_keys.clear()
        self.reply_gate = None
        self.replies_answered = 0

    def __call__(self, environ: Any, start_response: Any) -> Any:
        req = Request(environ)
        body = req.get_json(silent=True)
        size = len(req.get_data())
        self.requests.append(Recorded(req.method, req.path, dict(req.headers), body, size))
        return self._answer(req, body)(environ, start_response)

    def _answer(self, req: Request, body: Any) -> Response:
        def js(obj: Any, status: int = 200) -> Response:
            return Response(json.dumps(obj), status=status, mimetype="application/json")

        if req.headers.get("Authorization") != f"Bearer {TOKEN}":
            return js({"message": "Authentication failed"}, 401)
        sent = {"sentMessages": [{"id": "1", "quoteToken": "q"}]}
        if req.path == "/v2/bot/message/reply":
            if self.reply_gate is not None:
                self.reply_gate.wait(5)
            self.replies_answered += 1
            return js(sent)
        if req.path == "/v2/bot/message/push":
            key = req.headers.get("X-Line-Retry-Key", "")
            if key in self.accepted_keys:
                return js({"message": "The retry key is already accepted"}, 409)
            if self.push_status != 200:
                return js({"message": "stub failure"}, self.push_status)
            self.accepted_keys.add(key)
            self.quota_used += 1
            return js(sent)
        if req.path == "/v2/bot/message/quota":
            if self.quota_limit is None:
                return js({"type": "none"})
            return js({"type": "limited", "value": self.quota_limit})
        if req.path == "/v2/bot/message/quota/consumption":
            return js({"totalUsage": self.quota_used})
        if req.path == "/v2/bot/richmenu":
            return js({"richMenuId": "richmenu-stub-1"})
        if req.path.startswith(("/v2/bot/richmenu/", "/v2/bot/user/all/richmenu/")):
            return js({})
        return js({"message": "Not found"}, 404)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    @property
    def replies(self) -> list[Recorded]:
        return self.calls("/v2/bot/message/reply")

    @property
    def pushes(self) -> list[Recorded]:
        return [r for r in self.calls("/v2/bot/message/push") if r.body is not None]


@pytest.fixture(scope="session")
def _stub_server() -> Iterator[StubLine]:
    stub = StubLine()
    server = make_server("127.0.0.1", 0, stub, threaded=True)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def stub(_stub_server: StubLine) -> StubLine:
    _stub_server.reset()
    return _stub_server


@pytest.fixture
def messenger(stub: StubLine) -> LineMessenger:
    return LineMessenger(TOKEN, stub.url)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(engine: Engine, database_url: str, stub: StubLine, clock: Clock) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "ENGINE": engine,
            "SERVER_NAME": "checkin.test",
            "CLOCK": clock,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_BASE_URL": stub.url,
            "LINE_BASIC_ID": "@checkin-test",
            "SESSION_IDLE_MINUTES": 365 * 24 * 60,  # the clock moves by days (see ../conftest)
        }
    )
    yield app
    state: LineState = app.extensions["checkin.line"]
    state.replies.shutdown()


_ids = itertools.count(1)


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(
    kind: str, user: str, *, event_id: str | None = None, redelivery: bool = False, **extra: Any
) -> dict[str, Any]:
    n = next(_ids)
    ev: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": 1781049600000 + n,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id or f"01TESTEVENT{n:015d}",
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if kind != "unfollow":
        ev["replyToken"] = f"reply-token-{n}"
    ev.update(extra)
    return ev


def text(user: str, message: str, **kw: Any) -> dict[str, Any]:
    n = next(_ids)
    return event(
        "message",
        user,
        message={"id": str(n), "type": "text", "quoteToken": f"qt{n}", "text": message},
        **kw,
    )


def postback(user: str, data: str, **kw: Any) -> dict[str, Any]:
    return event("postback", user, postback={"data": data}, **kw)


def follow(user: str) -> dict[str, Any]:
    return event("follow", user, follow={"isUnblocked": False})


def unfollow(user: str) -> dict[str, Any]:
    return event("unfollow", user)


class Line:
    """Posts signed webhook bodies to the app and reads what the bot replied."""

    def __init__(self, client: FlaskClient, app: Flask, stub: StubLine) -> None:
        self.client = client
        self.app = app
        self.stub = stub

    def post(self, *events: dict[str, Any], signature: str | None = None) -> Any:
        body = json.dumps({"destination": "Ubot", "events": list(events)}).encode()
        headers = {"Content-Type": "application/json"}
        headers["X-Line-Signature"] = signature if signature is not None else sign(body)
        resp = self.client.post("/line/webhook", data=body, headers=headers)
        self.app.extensions["checkin.line"].replies.drain()
        return resp

    def post_raw(self, body: bytes) -> Any:
        resp = self.client.post(
            "/line/webhook",
            data=body,
            headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)},
        )
        self.app.extensions["checkin.line"].replies.drain()
        return resp

    def last_reply(self) -> list[dict[str, Any]]:
        assert self.stub.replies, "the bot did not reply"
        messages: list[dict[str, Any]] = self.stub.replies[-1].body["messages"]
        return messages

    def last_text(self) -> str:
        return "\n".join(m["text"] for m in self.last_reply())

    def buttons(self) -> dict[str, str]:
        """Label -> postback data of the quick-reply buttons in the last reply."""
        out = {}
        for m in self.last_reply():
            for item in (m.get("quickReply") or {}).get("items", []):
                out[item["action"]["label"]] = item["action"]["data"]
        return out

    def say(self, user: str, message: str) -> str:
        resp = self.post(text(user, message))
        assert resp.status_code == 200
        return self.last_text()

    def tap(self, user: str, label: str) -> str:
        data = self.buttons()[label]
        resp = self.post(postback(user, data))
        assert resp.status_code == 200
        return self.last_text()


@pytest.fixture
def line(client: FlaskClient, app: Flask, stub: StubLine) -> Line:
    return Line(client, app, stub)
