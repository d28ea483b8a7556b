"""Staff login with hashed passwords and server-signed sessions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from checkin.models import Role, StaffUser
from checkin.services import audit
from checkin.services.staff import authenticate
from checkin.web import get_db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "ログインしてください。"


class StaffSessionUser:
    """What Flask-Login keeps: the staff row, re-read from the database on every request."""

    def __init__(self, staff: StaffUser) -> None:
        self.staff = staff
        self.is_authenticated = True
        self.is_active = staff.active
        self.is_anonymous = False

    def get_id(self) -> str:
        # The hash prefix ends existing sessions when the password changes.
        return f"{self.staff.id}:{self.staff.password_hash[-12:]}"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> StaffSessionUser | None:
    sid, _, stamp = user_id.partition(":")
    if not sid.isdigit():
        return None
    staff = get_db().get(StaffUser, int(sid))
    if staff is None or not staff.active or staff.password_hash[-12:] != stamp:
        return None  # deactivated or password changed: access ends at once
    return StaffSessionUser(staff)


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
            if roles and current_staff().role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return deco


@bp.get("/")
def index() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("alerts.alert_list"))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        db = get_db()
        staff = authenticate(db, request.form.get("login", ""), request.form.get("password", ""))
        if staff is None:
            flash("ログインIDかパスワードが違います。", "error")
            return render_template("login.html"), 401
        login_user(StaffSessionUser(staff))
        audit.record(db, "staff.login", office_id=staff.office_id, actor=staff)
        db.commit()
        return redirect(local_path(request.args.get("next"), url_for("alerts.alert_list")))
    return render_template("login.html")


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))
