"""The LTI 1.3 tool in an app: its settings, launch pages, platform administration, commands."""

from __future__ import annotations

import os

from flask import Flask

from lms.blueprints import register_blueprints
from lms.cli import add_commands
from lms.settings import apply_defaults
from lti.cli import lti_cli
from lti.receivers import connect
from lti.settings import settings
from lti.views import admin_bp, bp


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    apply_defaults(app, settings(os.environ))
    connect()
    add_commands(app, lti_cli)
    return register_blueprints(app, prefix, [(bp, "/lti"), (admin_bp, "/admin/lti")])
