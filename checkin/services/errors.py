"""Errors the services raise; the web and bot adapters turn them into messages."""

from __future__ import annotations


class ValidationError(Exception):
    """Bad input: field name -> plain-language message. Nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    """The record does not exist or is not visible to this actor (never say which)."""
