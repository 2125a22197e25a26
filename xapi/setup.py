"""xAPI in an app: its settings, the statements sent on domain events, commands."""

from __future__ import annotations

import os

from flask import Flask

from lms.cli import add_commands
from lms.settings import apply_defaults
from xapi.cli import xapi_cli
from xapi.receivers import connect
from xapi.settings import settings


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain); it has no pages."""
    apply_defaults(app, settings(os.environ))
    connect()
    add_commands(app, xapi_cli)
    return set()
