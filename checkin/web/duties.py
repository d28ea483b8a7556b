"""The monthly duties board (/duties): per client, this month's meeting, report and
employer contact (seed 003), for a supporter's own clients or a manager's whole office."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from checkin.models import Role
from checkin.services import labels, transfer
from checkin.services.errors import ValidationError
from checkin.services.monthly import DutyRow, Month, board_for, count_items, parse_month
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.auth import current_staff, staff_required
from checkin.web.transfer import _download

bp = Blueprint("duties", __name__)
MANAGERS = (Role.ADMIN, Role.SERVICE_MANAGER)


def _month() -> tuple[Month, str | None]:
    """The month asked for (``?month=2026-11``), or this month and why not."""
    today = local_date(now(), current_staff().office.timezone)
    try:
        return parse_month(request.args.get("month"), today), None
    except ValidationError as e:
        return Month.of(today), str(e.errors["month"])


def _everyone() -> bool:
    return request.args.get("all") == "1" and current_staff().role in MANAGERS


@bp.get("/duties")
@staff_required()
def board() -> tuple[str, int]:
    staff = current_staff()
    month, error = _month()
    today = local_date(now(), staff.office.timezone)
    everyone = _everyone()
    rows = board_for(get_db(), staff, month, everyone=everyone)
    return render_template(
        "duties.html",
        rows=rows,
        month=month,
        this_month=Month.of(today),
        counts=count_items(rows),
        everyone=everyone,
        can_see_all=staff.role in MANAGERS,
        month_error=error,
        words=_words(),
    ), (400 if error else 200)


def _day(d: date) -> str:
    return f"{d.year}/{d.month}/{d.day}"  # as a Japanese Excel writes a date


def _words() -> dict[str, str]:
    """Every word the board's rows use, translated once per request (not once per cell)."""
    words = {f"report.{k}": str(v) for k, v in labels.REPORT_STATES.items()}
    words |= {f"employer.{k}": str(v) for k, v in labels.EMPLOYER_STATES.items()}
    words |= {f"item.{k}": str(v) for k, v in labels.DUTY_ITEMS.items()}
    words |= {
        "done": _("済み"),
        "not_yet": _("まだ"),
        "sep": str(labels.SEPARATOR),
        "list_sep": _("、"),
        "open": _("開く"),
        "unassigned": _("未定"),
    }
    return words


def _table(rows: list[DutyRow], month: Month) -> transfer.Table:
    headers = [
        _("月"),
        _("利用者"),
        _("担当"),
        _("この月の支援期間"),
        _("面談"),
        _("面談の日"),
        _("支援レポート"),
        _("企業への連絡"),
        _("企業への連絡の日"),
        _("まだのもの"),
    ]
    w = _words()
    out: list[list[Any]] = []
    for r in rows:
        out.append(
            [
                month.period,
                r.client.name,
                r.client.supporter.name if r.client.supporter else "",
                f"{_day(r.in_service_from)}〜{_day(r.in_service_to)}",
                w["done"] if r.meetings else w["not_yet"],
                w["sep"].join(_day(d) for d in r.meetings),
                w[f"report.{r.report}"],
                w[f"employer.{r.employer}"],
                r.employer_on,
                w["sep"].join(w[f"item.{k}"] for k in r.open_items),
            ]
        )
    return headers, out


@bp.get("/duties.<fmt>")
@staff_required()
def export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    staff = current_staff()
    month, error = _month()
    if error:
        abort(400)
    db = get_db()
    rows = board_for(db, staff, month, everyone=_everyone())
    table = _table(rows, month)
    transfer.record_export(db, staff, f"duties:{month.period}", fmt)
    db.commit()
    stem = f"duties-{month.period}"
    if fmt == "csv":
        return _download(transfer.to_csv(table, japanese=True), f"{stem}.csv", fmt)
    body = transfer.to_xlsx({"duties": table}, {"duties": _("月の義務")})
    return _download(body, f"{stem}.xlsx", fmt)
