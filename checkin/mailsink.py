"""A loopback SMTP sink for the demo: every message it receives becomes one .eml file.

`checkin demo` starts it and points the scheduler's ``CHECKIN_SMTP_*`` at it, so the
morning digest and the urgent mails of the demo office land in ``instance/mail/`` (open
them with any mail program) without configuring or reaching a real mail server. It is
an aiosmtpd server (a development dependency) bound to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class EmlWriter:
    """aiosmtpd handler: writes each message, as received, to ``folder/<time>-<to>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        to = re.sub(r"[^A-Za-z0-9@._-]", "_", (envelope.rcpt_tos or ["unknown"])[0])[:60]
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{secrets.token_hex(3)}-{to}.eml"
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, self.folder / name)  # a reader never sees half a message
        return "250 OK"


class _Controller(Controller):
    """aiosmtpd's threaded controller, on a port the system chooses when given port 0."""

    def _trigger_server(self) -> None:
        server = self.server
        if self.port == 0 and isinstance(server, asyncio.Server):
            self.port = int(server.sockets[0].getsockname()[1])
        super()._trigger_server()


class MailSink:
    """``with MailSink(folder) as sink:`` an SMTP server on ``127.0.0.1:sink.port``."""

    def __init__(self, folder: Path, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self._controller = _Controller(EmlWriter(folder), hostname=host, port=port)

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def smtp_environ(self) -> dict[str, str]:
        """The ``CHECKIN_SMTP_*`` settings that send the scheduler's mail here."""
        return {
            "CHECKIN_SMTP_HOST": self.host,
            "CHECKIN_SMTP_PORT": str(self.port),
            "CHECKIN_SMTP_STARTTLS": "0",
            "CHECKIN_SMTP_FROM": "checkin@demo.invalid",
        }
