"""A person's own account: changing one's password (staff and employer accounts), and the
forced change after an administrator chose the password (a new account or a reset).

While ``must_change_password`` is set, the signed-in person reaches only the change page,
logout and the language switch; every other page sends them to the change page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from checkin.models import EmployerUser, StaffUser
from checkin.services.errors import ValidationError
from checkin.services.staff import MIN_PASSWORD, change_own_password
from checkin.web import get_db
from checkin.web.auth import (
    EmployerSessionUser,
    StaffSessionUser,
    current_staff,
    landing_url,
    staff_required,
)
from checkin.web.employer import current_employer_user, employer_required

bp = Blueprint("account", __name__)

# What a person who must change their password may still open.
OPEN_DURING_FORCED_CHANGE = frozenset(
    {
        "account.staff_password",
        "account.employer_password",
        "auth.logout",
        "auth.login",
        "employer.login",
        "set_language",
        "static",
    }
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def forced_password_change() -> Any:
        if request.endpoint in OPEN_DURING_FORCED_CHANGE or request.endpoint is None:
            return None
        user = current_user._get_current_object()
        if isinstance(user, StaffSessionUser) and user.staff.must_change_password:
            return redirect(url_for("account.staff_password"), code=303)
        if isinstance(user, EmployerSessionUser) and user.user.must_change_password:
            return redirect(url_for("account.employer_password"), code=303)
        return None


def _change(account: StaffUser | EmployerUser, office_id: int, template: str) -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        db = get_db()
        try:
            change_own_password(
                db,
                account,
                current=request.form.get("current", ""),
                new=request.form.get("new", ""),
                again=request.form.get("again", ""),
                office_id=office_id,
            )
        except ValidationError as e:
            db.rollback()
            errors = e.errors
        else:
            db.commit()
            # The session carries a stamp of the password: sign this one in again (others end).
            if isinstance(account, StaffUser):
                login_user(StaffSessionUser(account))
                target = landing_url(account)
            else:
                login_user(EmployerSessionUser(account))
                target = url_for("employer.home")
            flash(_("パスワードを変えました。"), "ok")
            return redirect(target, code=303)
    return render_template(
        template,
        errors=errors,
        forced=account.must_change_password,
        min_length=MIN_PASSWORD,
    ), (400 if errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required()
def staff_password() -> Any:
    staff = current_staff()
    return _change(staff, staff.office_id, "account/password.html")


@bp.route("/employer/account/password", methods=["GET", "POST"])
@employer_required
def employer_password() -> Any:
    user = current_employer_user()
    return _change(user, user.employer.office_id, "account/password.html")
