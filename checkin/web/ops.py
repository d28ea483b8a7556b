"""Operations: what the scheduler did (/ops/jobs), for admins and service managers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from sqlalchemy import func, select

from checkin.models import Notification, NotificationStatus, Role
from checkin.services.ranking import latest_models
from checkin.web import get_db, now
from checkin.web.auth import current_staff, staff_required
from jobs.status import format_counts, job_status

bp = Blueprint("ops", __name__)


@bp.get("/ops/jobs")
@staff_required(Role.ADMIN, Role.SERVICE_MANAGER)
def jobs_page() -> str:
    staff = current_staff()
    db = get_db()
    # Job ticks are global (counts only); runs and mails are this office's only.
    status = job_status(db, office_id=staff.office_id, limit=50)
    mails = dict(
        db.execute(
            select(Notification.status, func.count(Notification.id))
            .where(Notification.office_id == staff.office_id)
            .group_by(Notification.status)
        ).all()
    )
    tz = ZoneInfo(staff.office.timezone)

    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%m/%d %H:%M:%S") if value else "-"

    return render_template(
        "ops/jobs.html",
        status=status,
        lease_live=status.lease_live(now()),
        mails={s.value: mails.get(s, 0) for s in NotificationStatus},
        local=local,
        counts=format_counts,
        tzname=staff.office.timezone,
        rankers=latest_models(db, staff.office_id),
    )
