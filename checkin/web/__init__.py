"""The Flask application factory."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm import Session

from checkin.db import make_engine, make_session_factory
from checkin.services.errors import ValidationError
from checkin.settings import load_settings
from checkin.timeutil import utcnow

csrf = CSRFProtect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Defaults, then ``CHECKIN_*`` environment variables, then ``config`` (tests)."""
    app = Flask(__name__)
    settings = load_settings()
    app.config.from_mapping(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        TIMEZONE=settings.timezone,
        ENV=settings.env,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a form left open over lunch must still submit
        MAX_CONTENT_LENGTH=256 * 1024,
        PUBLIC_BASE_URL=None,
    )
    app.config.from_prefixed_env("CHECKIN")
    if config:
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        if app.config["ENV"] not in ("development", "testing"):
            raise RuntimeError(
                "CHECKIN_SECRET_KEY must be set outside development "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if app.config["ENV"] not in ("development", "testing"):
        app.config["SESSION_COOKIE_SECURE"] = True

    engine = app.config.get("ENGINE") or make_engine(app.config["DATABASE_URL"])
    app.extensions["checkin.sessionmaker"] = make_session_factory(engine)
    app.extensions["checkin.engine"] = engine

    from checkin.web import admin, alerts, auth, client_form, clients, employer, ops, transfer

    @app.before_request
    def upload_limits() -> None:
        # Registered before CSRFProtect's hook, which is the first to read the form.
        limit = transfer.UPLOAD_LIMITS.get(request.endpoint or "")
        if limit is not None:
            request.max_content_length = limit

    csrf.init_app(app)

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(client_form.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(transfer.bp)
    app.register_blueprint(employer.bp)
    app.register_blueprint(ops.bp)

    app.jinja_env.globals["timedelta"] = timedelta

    @app.template_filter("local")
    def local_time(value: datetime, zone: str) -> str:
        return value.astimezone(ZoneInfo(zone)).strftime("%m/%d %H:%M")

    from checkin import bot

    bot.init_app(app)

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.after_request
    def security_headers(resp: Any) -> Any:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        # Client links carry their token in the path: never leak it in a Referer.
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        )
        return resp

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html",
            title="送信できませんでした",
            message="ページの有効期限が切れました。ページを開きなおして、もう一度送ってください。",
        ), 400

    @app.errorhandler(403)
    def forbidden(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html",
            title="このページは表示できません",
            message="このアカウントには、このページを見る権限がありません。"
            "本人の同意や共有の範囲については、支援事業所にお問い合わせください。",
        ), 403

    @app.errorhandler(404)
    def not_found(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html", title="ページが見つかりません", message="このページは ありません。"
        ), 404

    @app.errorhandler(413)
    def too_large(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html", title="送信できませんでした", message="送った内容が大きすぎます。"
        ), 413

    return app


def now() -> datetime:
    """The current time; tests may pin it with ``config["CLOCK"]`` (a callable)."""
    from flask import current_app

    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def flash_errors(error: ValidationError) -> None:
    """Show each of a validation error's plain-language messages on the next page."""
    from flask import flash

    for message in error.errors.values():
        flash(message, "error")


def get_db() -> Session:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        from flask import current_app

        g.db = current_app.extensions["checkin.sessionmaker"]()
    db: Session = g.db
    return db
