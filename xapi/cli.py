"""Command-line interface of the xapi package."""

from __future__ import annotations

from flask.cli import AppGroup

xapi_cli = AppGroup(
    "xapi", help="xAPI: the statement outbox and its delivery to the learning record store."
)
