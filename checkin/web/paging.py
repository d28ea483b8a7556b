"""Pages of a long list (the office's alerts, the overview's clients): plain links that keep
the page's other query arguments, so paging works without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for


@dataclass(frozen=True)
class Paging:
    page: int  # 1-based, within 1..pages
    pages: int
    total: int
    per_page: int
    prev_url: str | None
    next_url: str | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return self.offset + 1

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)


def page_url(endpoint: str, page: int, **values: Any) -> str:
    """This request's list (same filters) at another page."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    if page > 1:
        args["page"] = str(page)
    return url_for(endpoint, **args, **values)


def paginate(total: int, per_page: int, endpoint: str, anchor: str | None = None) -> Paging:
    """The page asked for in ``?page=`` (a wrong or past-the-end number gives the nearest
    page), with the links to the pages before and after it (at ``anchor`` on the page)."""
    pages = max(1, -(-total // per_page))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return Paging(
        page=page,
        pages=pages,
        total=total,
        per_page=per_page,
        prev_url=page_url(endpoint, page - 1, _anchor=anchor) if page > 1 else None,
        next_url=page_url(endpoint, page + 1, _anchor=anchor) if page < pages else None,
    )


def page_of(position: int, per_page: int) -> dict[str, Any]:
    """The ``page`` argument of the page that shows the item at ``position`` (0 first)."""
    page = position // per_page + 1
    return {"page": page} if page > 1 else {}
