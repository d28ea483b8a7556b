"""Operations: what the scheduler did (/ops/jobs), for admins and service managers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, or_, select

from checkin.models import Notification, NotificationStatus, Role, StaffUser
from checkin.services.delivery import office_alarms
from checkin.services.ranking import latest_models
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.alerts import mail_on
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
    today = local_date(now(), tz)
    # Mails that failed at least once (retrying or given up), newest first.
    troubled = list(
        db.scalars(
            select(Notification)
            .where(
                Notification.office_id == staff.office_id,
                or_(
                    Notification.status == NotificationStatus.FAILED,
                    (Notification.status == NotificationStatus.PENDING)
                    & (Notification.attempts > 0),
                ),
            )
            .order_by(Notification.id.desc())
            .limit(20)
        )
    )

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
        mail_on=mail_on(),
        link_base=current_app.config.get("PUBLIC_BASE_URL"),
        unreached=office_alarms(db, staff.office, today=today, now=now(), mail_on=mail_on()),
        troubled=troubled,
        names=dict(
            db.execute(
                select(StaffUser.id, StaffUser.name).where(StaffUser.office_id == staff.office_id)
            ).all()
        ),
    )
