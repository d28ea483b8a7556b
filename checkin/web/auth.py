"""Staff login with hashed passwords and server-signed sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    current_user,
    login_required,
    login_user,
    logout_user,
    user_logged_in,
)
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from checkin.models import EmployerUser, Role, StaffUser
from checkin.services import audit, login_throttle
from checkin.services.staff import authenticate, staff_by_login
from checkin.web import get_db, now, safe_next

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
        return f"s:{self.staff.id}:{session_stamp(self.staff)}"


class EmployerSessionUser:
    """A signed-in employer account (boss or HR): sees consented summaries only."""

    kind = "employer"

    def __init__(self, user: EmployerUser) -> None:
        self.user = user
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return f"e:{self.user.id}:{session_stamp(self.user)}"


def session_stamp(account: StaffUser | EmployerUser) -> str:
    """What a session cookie must carry to stay valid: a piece of the password hash (a
    password change ends every session) and the account's session version (raised at
    logout, so that a copy of a logged-out cookie no longer works)."""
    return f"{account.password_hash[-12:]}.{account.session_version}"


def init_app(app: Flask) -> None:
    from checkin.web import account

    login_manager.init_app(app)
    app.config.setdefault("SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)
    app.before_request(idle_timeout)
    account.init_app(app)  # own password and the forced change


DEFAULT_IDLE_MINUTES = 60
SEEN_KEY = "_seen"  # in the signed session: when the signed-in person last made a request


@user_logged_in.connect
def _started(_app: Any, **_extra: Any) -> None:
    session[SEEN_KEY] = int(now().timestamp())


def idle_timeout() -> Any:
    """Signs out a staff or employer session left unused for ``SESSION_IDLE_MINUTES``
    (``CHECKIN_SESSION_IDLE_MINUTES``); any request keeps it alive."""
    if request.endpoint in (None, "static") or "_user_id" not in session:
        return None
    if not current_user.is_authenticated:
        return None
    at = int(now().timestamp())
    seen = session.get(SEEN_KEY)
    limit = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    if isinstance(seen, int) and at - seen > limit:
        was_employer = getattr(current_user, "kind", None) == "employer"
        logout_user()
        session.pop(SEEN_KEY, None)
        flash(
            _("しばらく操作がなかったため、ログアウトしました。もう一度ログインしてください。"),
            "error",
        )
        login_page = "employer.login" if was_employer else "auth.login"
        nxt = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for(login_page, next=nxt), code=303)
    session[SEEN_KEY] = at
    return None


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
    if row is None or not row.active or session_stamp(row) != stamp:
        return None  # deactivated, password changed or logged out: access ends at once
    if isinstance(row, StaffUser):
        return StaffSessionUser(row)
    return EmployerSessionUser(row)


def current_staff() -> StaffUser:
    return cast(StaffSessionUser, current_user).staff


def landing_url(staff: StaffUser) -> str:
    """Where each role starts: a supporter on their own morning list, the service manager
    and the administrator on the office-wide list (every open flag of the office)."""
    if staff.role in (Role.ADMIN, Role.SERVICE_MANAGER):
        return url_for("alerts.alert_list", all=1)
    return url_for("alerts.alert_list")


Account = TypeVar("Account", StaffUser, EmployerUser)


def attempt_login(
    kind: str,
    authenticate: Callable[[Session, str, str], Account | None],
    lookup: Callable[[Session, str], Account | None],
    office_of: Callable[[Account], int],
) -> tuple[Account | None, str, int]:
    """One login attempt from the form, throttled per login and per address (see
    ``services.login_throttle``): the account, or None with the message and the status to
    answer. Failures and lockouts go to the audit log (the address, never a password nor
    a login that belongs to nobody). Commits."""
    db = get_db()
    # PostgreSQL refuses NUL in text: such a login is simply one that belongs to nobody.
    login = request.form.get("login", "").replace("\x00", "")
    address = request.remote_addr
    at = now()
    lock = login_throttle.current_lock(db, kind, login, address, now=at)
    if lock is not None:  # refused without checking the password
        db.rollback()
        return None, _locked_message(lock, at), 429
    account = authenticate(db, login, request.form.get("password", ""))
    started = login_throttle.record_attempt(
        db, kind, login, address, success=account is not None, now=at
    )
    if account is not None:
        db.commit()
        return account, "", 200
    target = lookup(db, login)
    office_id = office_of(target) if target is not None else None
    detail: dict[str, Any] = {"address": address}
    if target is None:
        detail["unknown_login"] = True
    audit.record(
        db,
        f"{kind}.login_failed",
        office_id=office_id,
        actor_type="anonymous",
        target=target,
        detail=detail,
    )
    if started is not None:
        audit.record(
            db,
            f"{kind}.login_locked",
            office_id=office_id,
            actor_type="anonymous",
            target=target,
            detail={**detail, "by": started.by, "until": started.until.isoformat()},
        )
    db.commit()
    if started is not None:
        return None, _locked_message(started, at), 429
    return None, _("ログインIDかパスワードが違います。"), 401


def _locked_message(lock: login_throttle.Lock, at: datetime) -> str:
    return _(
        "ログインに何度も失敗したため、しばらくログインできません。"
        "%(n)d分ほど待ってから、もう一度お試しください。",
        n=lock.minutes_left(at),
    )


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
        return redirect(landing_url(current_staff()))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        staff, message, status = attempt_login(
            "staff", authenticate, staff_by_login, lambda s: s.office_id
        )
        if staff is None:
            flash(message, "error")
            return render_template("login.html"), status
        db = get_db()
        login_user(StaffSessionUser(staff))
        audit.record(db, "staff.login", office_id=staff.office_id, actor=staff)
        db.commit()
        if staff.must_change_password:
            return redirect(url_for("account.staff_password"))
        return redirect(safe_next(request.args.get("next"), landing_url(staff)))
    return render_template("login.html")


@bp.post("/logout")
def logout() -> Response:
    user = current_user._get_current_object()
    was_employer = getattr(user, "kind", None) == "employer"
    account = getattr(user, "staff", None) or getattr(user, "user", None)
    if account is not None:  # every copy of this session's cookie stops working
        account.session_version += 1
        get_db().commit()
    logout_user()
    return redirect(url_for("employer.login" if was_employer else "auth.login"))
