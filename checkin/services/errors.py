"""Errors the services raise; the web and bot adapters turn them into messages."""

from __future__ import annotations

from typing import Any, cast

from flask_babel import lazy_gettext, lazy_ngettext


def _l(message: str, **variables: Any) -> str:
    """A message for people, translated when it is shown (the reader's language, Japanese
    outside a web request). Marked for extraction (``make messages``); the lazy string
    behaves as a ``str``."""
    return cast(str, lazy_gettext(message, **variables))


def _nl(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``_l`` for a message with a count (``%(num)d``): English has a singular and a
    plural form ("1 more problem", "2 more problems"); Japanese has one."""
    return cast(str, lazy_ngettext(singular, plural, num, **variables))


class ValidationError(Exception):
    """Bad input: field name -> plain-language message. Nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    """The record does not exist or is not visible to this actor (never say which)."""
