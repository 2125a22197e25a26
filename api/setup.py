"""The read API in an app: its settings, its routes, token administration, commands."""

from __future__ import annotations

import os

from flask import Flask

from api.cli import api_cli
from api.settings import settings
from api.views import admin_bp, bp
from lms.blueprints import register_blueprints
from lms.cli import add_commands
from lms.settings import apply_defaults


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    apply_defaults(app, settings(os.environ))
    add_commands(app, api_cli)
    return register_blueprints(app, prefix, [(bp, "/api/v1"), (admin_bp, "/admin/api-tokens")])
