"""gunicorn settings for checkin: the one way to run the web server in production.

    .venv/bin/gunicorn -c gunicorn.conf.py

(from the repository, or give the path of this file). Environment variables:

- ``CHECKIN_BIND`` (default ``127.0.0.1:8000``): where to listen, behind the TLS proxy;
- ``CHECKIN_WEB_WORKERS`` (default 3): worker processes;
- ``CHECKIN_WEB_TIMEOUT`` (default 30 s): a worker silent this long is killed and replaced;
- every ``CHECKIN_*`` setting of the app itself (README).

The app is loaded once in the master (``preload_app``) and the workers are forked from it,
so a worker that crashes is replaced in well under a second (loading the app, with pandas
and scikit-learn, takes several seconds). The database connection pool is not shared
across the fork: each worker starts with an empty pool (``post_fork``).
"""

from __future__ import annotations

import os

wsgi_app = "checkin.wsgi:app"
bind = os.environ.get("CHECKIN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CHECKIN_WEB_WORKERS", "3"))
worker_class = "sync"
# CHECKIN_WEB_PRELOAD=0 only to measure the difference (bench/worker_crash.py).
preload_app = os.environ.get("CHECKIN_WEB_PRELOAD", "1") != "0"
# No control socket (gunicornc): its default path in $HOME is shared by every instance on
# the host; signals (HUP to reload, TERM to stop) are the supervisor's interface.
control_socket_disable = True
# Requests are short (the slowest page takes a fraction of a second): a worker that is stuck
# this long is killed and replaced; on SIGTERM, requests in flight get this long to finish.
timeout = int(os.environ.get("CHECKIN_WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Sizes a browser or LINE never exceeds; larger request lines are refused before the app.
limit_request_line = 8190
# The access log goes to stderr (the supervisor's journal). Method, path without the query
# string, status, size and time: no query string, referrer or user agent. The path of a
# client's link is itself a credential (/c/<token>, /me/<signed>, /setup/<token>): the app's
# filter (checkin/logs.py), installed on gunicorn's loggers when the app is loaded, writes
# it as /c/… in every access and error line.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# gunicorn takes X-Forwarded-Proto (https, so the app sends HSTS and secure cookies) only
# from the reverse proxy at this address.
forwarded_allow_ips = os.environ.get("CHECKIN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server: object, worker: object) -> None:
    """A forked worker must not use the connections the master may have opened: drop them
    from this worker's pool without closing them (they belong to the master)."""
    from checkin.logs import hide_tokens_in_access_logs
    from checkin.wsgi import app

    app.extensions["checkin.engine"].dispose(close=False)
    hide_tokens_in_access_logs()
