"""The last check before anything is written: text the database cannot keep is refused.

PostgreSQL refuses a NUL character in text and text longer than a ``String(n)`` column
(SQLite keeps both, so the two would differ). Forms check their fields with their own
messages; this guard, run on every flush of every session (web, LINE, imports, jobs),
turns whatever slips through into a :class:`ValidationError` (a message, nothing saved)
instead of a database error (a 500, or a LINE event retried forever).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from checkin.services.errors import ValidationError, _l


def problems(obj: Any) -> dict[str, str]:
    """Each text column of ``obj`` whose value the database cannot store -> a message."""
    errors: dict[str, str] = {}
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        value = getattr(obj, attr.key, None)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            errors[attr.key] = _l("使えない文字 (NUL) が入っています。")
            continue
        column = attr.columns[0]
        length = getattr(column.type, "length", None)
        if isinstance(column.type, String) and length and len(value) > length:
            errors[attr.key] = _l("長すぎます。%(n)d文字までにしてください。", n=length)
    return errors


def check_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    errors: dict[str, str] = {}
    for obj in (*session.new, *session.dirty):
        errors.update(problems(obj))
    if errors:
        raise ValidationError(errors)
