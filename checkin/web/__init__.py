"""The Flask application factory."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, abort, g, has_request_context, redirect, render_template, request
from flask_babel import Babel, Domain, get_locale, get_translations
from flask_babel import _get_current_context as _babel_context
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from checkin import logs

# Re-exported: the pages (and other code) import these from here.
from checkin.appctx import csrf as csrf
from checkin.appctx import get_db as get_db
from checkin.appctx import now as now
from checkin.appctx import public_url as public_url
from checkin.db import make_session_factory, make_web_engine
from checkin.services import labels
from checkin.services.errors import NotFound, ValidationError
from checkin.settings import UnsafeSettings, check_production_settings, load_settings
from checkin.timeutil import local_date


class _RequestDomain(Domain):
    """Flask-Babel's domain, with the request's catalogue looked up once per locale.

    Flask-Babel finds the catalogue again on every ``gettext`` (the context, the locale and
    its identifier string): about 20 µs, and a page calls it hundreds of times. The cache
    is kept on Flask-Babel's own request context and keyed by the locale object, so
    ``force_locale`` (which swaps that object) still gets its own language.
    """

    def get_translations(self) -> Any:
        ctx = _babel_context()
        if ctx is None:
            return super().get_translations()
        locale = get_locale()
        cached = getattr(ctx, "checkin_translations", None)
        if cached is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        ctx.checkin_translations = (locale, translations)
        return translations


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _RequestDomain(domain=self.domain)


babel = _Babel()

# Japanese is the source language (the msgids are the Japanese text); English is translated
# in checkin/translations/en. The choice lives in a cookie so that it also works for people
# who are not logged in (clients on /c/<token>, employers), then Accept-Language, then ja.
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
# Every page carries a name, health data or a token: all but these are sent no-store.
CACHEABLE_ENDPOINTS = frozenset({"static"})


def select_locale() -> str:
    """The request's language: the cookie, then Accept-Language, then Japanese."""
    if not has_request_context() or request.blueprint == "line":
        return DEFAULT_LANGUAGE  # jobs, CLI, mails and the LINE conversation stay Japanese
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect.

    The one check for every ``next`` (staff and employer login, the language switch).
    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/%09/evil.example`` or ``/%5C/evil.example`` would leave the site: any control
    character, space or backslash is refused, as is anything with a scheme or a host.
    """
    if not target or not target.startswith("/"):
        return default
    if any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


# The largest id a database column holds (BIGINT); Flask's ``int`` accepts any length.
MAX_ID = 2**63 - 1


# Views that answer a NUL themselves: the logins (just a wrong login, throttled and
# counted), the client's check-in form (its own message in plain words), the LINE webhook
# (a JSON body: the event is refused and logged).
OWN_NUL_CHECK = frozenset({"auth.login", "employer.login", "client_form.checkin"})


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id above what the database holds is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def form_id(value: str) -> int:
    """An id from a form field or the query string, for ``request.form.get(name, type=form_id)``
    (and lists): a ValueError for anything a database id cannot be, so werkzeug gives the
    default instead."""
    n = int(value)
    if not 0 < n <= MAX_ID:
        raise ValueError(value)
    return n


def form_ids(values: list[str]) -> list[int]:
    """The valid ids among ``values`` (a form's repeated field)."""
    ids = []
    for v in values:
        try:
            ids.append(form_id(v))
        except ValueError:
            continue
    return ids


def _request_translations() -> Any:
    """The current request's translations, looked up once per request."""
    cached = g.get("_checkin_translations")
    if cached is None:
        cached = g._checkin_translations = get_translations()
    return cached


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Defaults, then ``CHECKIN_*`` environment variables, then ``config`` (tests)."""
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    settings = load_settings()
    app.config.from_mapping(
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        TIMEZONE=settings.timezone,
        ENV=settings.env,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a form left open over lunch must still submit
        # Flask-WTF's extra check on HTTPS wants a Referer from this site, but every page is
        # sent Referrer-Policy: no-referrer (client links carry their token): over HTTPS every
        # POST, the login first, would fail. The CSRF token and SameSite cookies remain.
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        PUBLIC_BASE_URL=None,
        TRUSTED_PROXIES=0,
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
    )
    app.config.from_prefixed_env("CHECKIN")
    if config:
        app.config.update(config)
    check_production_settings(app.config)  # a weak secret key, LINE without its secret
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32)  # development only (checked above)
    if app.config["ENV"] not in ("development", "testing"):
        app.config["SESSION_COOKIE_SECURE"] = True
    trust_proxies(app)

    engine = app.config.get("ENGINE") or make_web_engine(app.config["DATABASE_URL"])
    app.extensions["checkin.sessionmaker"] = make_session_factory(engine)
    app.extensions["checkin.engine"] = engine

    from checkin.web import (
        admin,
        alerts,
        assessments,
        auth,
        client_form,
        clients,
        duties,
        employer,
        lifecycle,
        line_staff,
        ops,
        transfer,
    )
    from checkin.web.cards import bp as cards_bp
    from checkin.web.documents import bp as documents_bp
    from checkin.web.plans import bp as plans_bp
    from checkin.web.reports import bp as reports_bp
    from checkin.web.setup import bp as setup_bp

    @app.before_request
    def upload_limits() -> None:
        # Registered before CSRFProtect's hook, which is the first to read the form.
        limit = transfer.UPLOAD_LIMITS.get(request.endpoint or "")
        if limit is not None:
            request.max_content_length = limit

    @app.before_request
    def refuse_nul() -> Any:
        # PostgreSQL cannot store a NUL character: refuse it in any field, once, here.
        if request.blueprint == "line" or request.endpoint in OWN_NUL_CHECK:
            return None
        fields = (*request.args.items(multi=True), *request.form.items(multi=True))
        if any("\x00" in k or "\x00" in v for k, v in fields):
            return render_template(
                "error.html",
                title=_("送信できませんでした"),
                message=_(
                    "送った内容に 使えない文字 (NUL) が 入っていました。"
                    "ページを開きなおして、もう一度 入力してください。"
                ),
            ), 400
        return None

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    logs.hide_tokens_in_access_logs()
    # Templates call gettext for every translated string (hundreds on the alert list):
    # look the request's catalogue up once, not through Flask-Babel's context on each call.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def language() -> dict[str, Any]:
        return {"current_language": str(get_locale() or DEFAULT_LANGUAGE)}

    @app.get("/lang/<code>")
    def set_language(code: str) -> Any:
        """The language switch: a plain link (works without JavaScript), remembered in a
        cookie; goes back to the page it was clicked on."""
        if code not in LANGUAGES:
            abort(404)
        resp = redirect(safe_next(request.args.get("next")), code=303)
        resp.set_cookie(
            LANG_COOKIE,
            code,
            max_age=LANG_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        )
        return resp

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(client_form.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(duties.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(transfer.bp)
    app.register_blueprint(employer.bp)
    app.register_blueprint(assessments.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(lifecycle.bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(line_staff.bp)  # the staff's LINE pages (linking codes, notices)
    app.register_blueprint(plans_bp)

    app.jinja_env.globals["timedelta"] = timedelta
    # The words for stored codes (stages, statuses, ...) come from one place:
    # {{ labels.STAGES.label(client.stage) }}.
    app.jinja_env.globals["labels"] = labels
    # A name a person may need to type as it is (a setting, a file's code column): shown as
    # code and marked translate="no" (the visible-text test allows it only there).
    # Japanese examples (「令和8年6月1日」) keep lang="ja" on an English page.
    app.jinja_env.globals["code"] = lambda text: Markup('<code translate="no"{}>{}</code>').format(
        Markup(' lang="ja"') if re.search(r"[\u3000-\u9fff]", str(text)) else "", text
    )

    # Stored times are UTC; people read them in the office's zone (zone: Office.timezone).
    @app.template_filter("local")
    def local_time(value: datetime, zone: str) -> str:
        return value.astimezone(ZoneInfo(zone)).strftime("%m/%d %H:%M")

    @app.template_filter("local_date")
    def local_day(value: datetime, zone: str) -> str:
        return local_date(value, zone).isoformat()

    @app.template_filter("local_datetime")
    def local_datetime(value: datetime, zone: str) -> str:
        return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")

    from checkin import bot

    bot.init_app(app)

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.after_request
    def security_headers(resp: Any) -> Any:
        if request.endpoint != "static":
            resp.vary.update(("Accept-Language", "Cookie"))  # the language depends on both
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        # Client links carry their token in the path: never leak it in a Referer.
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        )
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Health data, names and links that are credentials: never kept by a browser's
            # or a proxy's cache (the back button on a shared PC, a company proxy).
            resp.cache_control.no_store = True  # kept with a view's own directives
        if request.is_secure:  # TLS here, or at a proxy trusted by CHECKIN_TRUSTED_PROXIES
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("送信できませんでした"),
            message=_(
                "ページの有効期限が切れました。ページを開きなおして、もう一度送ってください。"
            ),
        ), 400

    @app.errorhandler(ValidationError)
    def invalid(e: ValidationError) -> tuple[str, int]:
        # Bad input a view did not catch itself (e.g. text the database cannot keep, found
        # at the last check before writing): nothing is saved, the messages are shown.
        db = g.get("db")
        if db is not None:
            db.rollback()
        return render_template(
            "error.html",
            title=_("送信できませんでした"),
            message=" ".join(str(m) for m in e.errors.values()),
        ), 400

    @app.errorhandler(403)
    def forbidden(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("このページは表示できません"),
            message=_(
                "このアカウントには、このページを見る権限がありません。"
                "本人の同意や共有の範囲については、支援事業所にお問い合わせください。"
            ),
        ), 403

    @app.errorhandler(404)
    @app.errorhandler(NotFound)  # another office's record does not exist for this user
    def not_found(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html", title=_("ページが見つかりません"), message=_("このページは ありません。")
        ), 404

    @app.errorhandler(413)
    def too_large(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html", title=_("送信できませんでした"), message=_("送った内容が大きすぎます。")
        ), 413

    @app.errorhandler(400)
    def bad_request(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("送信できませんでした"),
            message=_(
                "送った内容を読み取れませんでした。ページを開きなおして、もう一度送ってください。"
            ),
        ), 400

    @app.errorhandler(405)
    def method_not_allowed(e: Any) -> tuple[str, int, dict[str, str]]:
        # e.g. a form's address opened directly, or reloaded after sending
        allow = ", ".join(getattr(e, "valid_methods", None) or ())
        return (
            render_template(
                "error.html",
                title=_("このページは開けません"),
                message=_(
                    "このアドレスは直接開くことができません。前のページに戻って、もう一度操作してください。"
                ),
            ),
            405,
            {"Allow": allow} if allow else {},
        )

    @app.errorhandler(500)
    def server_error(_e: Any) -> tuple[str, int]:
        return render_template(
            "error.html",
            title=_("エラーが起きました"),
            message=_(
                "うまく処理できませんでした。しばらくしてから、もう一度ためしてください。"
                "続くときは、支援事業所に連絡してください。"
            ),
        ), 500

    return app


def trust_proxies(app: Flask) -> None:
    """Behind reverse proxies, believe their ``X-Forwarded-For/-Proto/-Host/-Port``
    (``CHECKIN_TRUSTED_PROXIES``: how many proxies stand in front, usually 1; 0, the
    default, believes none). Then the client's address (login throttling, the audit log)
    and HTTPS (secure cookies, HSTS, external links) are the visitor's, not the proxy's.
    Set it only when every request passes through that many proxies you run: a visitor
    reaching the app directly could otherwise claim any address (docs/production.md)."""
    try:
        hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    except (TypeError, ValueError):
        raise UnsafeSettings(
            "CHECKIN_TRUSTED_PROXIES must be a whole number (0, 1, 2...)"
        ) from None
    if hops < 0:
        raise UnsafeSettings("CHECKIN_TRUSTED_PROXIES must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def flash_errors(error: ValidationError) -> None:
    """Show each of a validation error's plain-language messages on the next page."""
    from flask import flash

    for message in error.errors.values():
        flash(str(message), "error")  # str(): a lazy message is translated now


@dataclass
class Saved:
    """What :func:`saving` reports: ``ok`` once the change is committed."""

    ok: bool = False


@contextmanager
def saving(*, bad_value: str | None = None) -> Iterator[Saved]:
    """One change made by a view: committed when the block succeeds; on bad input
    (``ValidationError``, or ``ValueError`` from parsing a form field when ``bad_value``
    gives its message) rolled back with the plain-language messages flashed, so that the
    caller redirects back and nothing is saved. A service's ``NotFound`` passes through to
    the 404 page.

    ::

        with saving() as saved:
            flag = hand_over(db, staff, flag_id, to, now=now())
        if saved.ok:
            flash(_("引き継ぎました。"), "ok")
        return redirect(back, code=303)
    """
    from flask import flash

    db = get_db()
    saved = Saved()
    try:
        yield saved
    except ValidationError as e:
        db.rollback()
        flash_errors(e)
    except ValueError:
        if bad_value is None:
            raise
        db.rollback()
        flash(bad_value, "error")
    else:
        db.commit()
        saved.ok = True
