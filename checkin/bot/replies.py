"""Sending replies after the webhook has answered LINE (its budget is 2 seconds).

A small thread pool per process: the webhook commits its work, queues the replies and returns
200 at once. Replies are free on LINE plans; a reply that fails is logged, the check-in is
already saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait

from checkin.bot.messenger import Message, Messenger, SendError

log = logging.getLogger(__name__)


class ReplyQueue:
    def __init__(self, messenger: Callable[[], Messenger | None], workers: int = 4) -> None:
        self._messenger = messenger
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, reply_token: str, messages: Sequence[Message]) -> None:
        with self._lock:
            if self._pool is None:  # created lazily: safe with pre-forking servers
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="line-reply")
            fut = self._pool.submit(self._send, reply_token, list(messages))
            self._pending.add(fut)
        fut.add_done_callback(self._done)

    def _done(self, fut: Future[None]) -> None:
        with self._lock:
            self._pending.discard(fut)

    def _send(self, reply_token: str, messages: list[Message]) -> None:
        messenger = self._messenger()
        if messenger is None:
            log.warning("LINE access token not set: reply dropped")
            return
        try:
            messenger.reply(reply_token, messages)
        except SendError as e:
            log.warning("LINE reply failed: %s", e)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued reply is sent (tests, shutdown)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
