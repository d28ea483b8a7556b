"""A confirmation step, without JavaScript, before any action that cuts someone off
(stopping a staff account, ending or pausing support, revoking a consent or a link,
unlinking LINE).

The button on the page posts without ``confirm`` (or the address is opened directly): the
view answers with a page saying in plain words what will happen and to whom, with
「はい、…します」 (the same POST with ``confirm=1``) and 「やめる」 (back). Only the confirmed
POST acts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import render_template, request


def confirmed() -> bool:
    """Whether this request is the confirmed POST (the only one that may act)."""
    return request.method == "POST" and request.form.get("confirm") == "1"


def ask(
    *,
    title: str,
    message: str,
    yes: str,
    back: str,
    details: Sequence[str] = (),
    hidden: Mapping[str, str] | None = None,
) -> str:
    """The confirmation page for this request's action (posting back to the same path)."""
    return render_template(
        "confirm.html",
        title=title,
        message=message,
        details=details,
        yes=yes,
        back=back,
        action=request.path,
        hidden=dict(hidden or {}),
    )
