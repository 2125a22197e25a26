"""Command-line interface of the api package."""

from __future__ import annotations

from flask.cli import AppGroup

api_cli = AppGroup("api", help="Read API: access tokens for personnel systems.")
