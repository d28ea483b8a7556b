"""Staff login with hashed passwords and server-signed sessions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from checkin.models import EmployerUser, Role, StaffUser
from checkin.services import audit
from checkin.services.staff import authenticate
from checkin.web import get_db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("ログインしてください。")
login_manager.localize_callback = str  # flash the message in the request's language


class StaffSessionUser:
    """What Flask-Login keeps: the staff row, re-read from the database on every request."""

    kind = "staff"

    def __init__(self, staff: StaffUser) -> None:
        self.staff = staff
        self.is_authenticated = True
        self.is_active = staff.active
        self.is_anonymous = False

    def get_id(self) -> str:
        # The hash suffix ends existing sessions when the password changes.
        return f"s:{self.staff.id}:{self.staff.password_hash[-12:]}"


class EmployerSessionUser:
    """A signed-in employer account (boss or HR): sees consented summaries only."""

    kind = "employer"

    def __init__(self, user: EmployerUser) -> None:
        self.user = user
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return f"e:{self.user.id}:{self.user.password_hash[-12:]}"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> StaffSessionUser | EmployerSessionUser | None:
    kind, _, rest = user_id.partition(":")
    sid, _, stamp = rest.partition(":")
    if not sid.isdigit():
        return None
    row: StaffUser | EmployerUser | None
    if kind == "s":
        row = get_db().get(StaffUser, int(sid))
    elif kind == "e":
        row = get_db().get(EmployerUser, int(sid))
    else:
        return None
    if row is None or not row.active or row.password_hash[-12:] != stamp:
        return None  # deactivated or password changed: access ends at once
    if isinstance(row, StaffUser):
        return StaffSessionUser(row)
    return EmployerSessionUser(row)


def current_staff() -> StaffUser:
    return cast(StaffSessionUser, current_user).staff


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


F = TypeVar("F", bound=Callable[..., Any])


def staff_required(*roles: Role) -> Callable[[F], F]:
    def deco(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not isinstance(current_user._get_current_object(), StaffSessionUser):
                abort(403)  # an employer account never reaches staff pages
            if roles and current_staff().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return deco


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        if getattr(current_user, "kind", None) == "employer":
            return redirect(url_for("employer.home"))
        return redirect(url_for("alerts.alert_list"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        db = get_db()
        staff = authenticate(db, request.form.get("login", ""), request.form.get("password", ""))
        if staff is None:
            flash(_("ログインIDかパスワードが違います。"), "error")
            return render_template("login.html"), 401
        login_user(StaffSessionUser(staff))
        audit.record(db, "staff.login", office_id=staff.office_id, actor=staff)
        db.commit()
        return redirect(local_path(request.args.get("next"), url_for("alerts.alert_list")))
    return render_template("login.html")


@bp.post("/logout")
def logout() -> Response:
    was_employer = getattr(current_user, "kind", None) == "employer"
    logout_user()
    return redirect(url_for("employer.login" if was_employer else "auth.login"))
