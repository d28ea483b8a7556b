"""WSGI entry point for production servers: ``gunicorn 'checkin.wsgi:app'``."""

from checkin.web import create_app

app = create_app()
