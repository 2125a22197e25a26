"""The accounts domain in an app: sign-in, account pages, the platform's centre pages, commands."""

from __future__ import annotations

from flask import Flask

from accounts import records, services
from accounts.centres import local_time
from accounts.cli import centres_cli, users_cli
from accounts.login import init_login
from accounts.platform_views import bp as platform_bp
from accounts.ranks import rank_label, vocabulary
from accounts.views import admin_bp, bp
from lms import hooks
from lms.blueprints import register_blueprints
from lms.cli import add_commands


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    init_login(app)
    app.add_template_filter(local_time)
    app.add_template_filter(rank_label)
    vocabulary()  # read at start (once per process), not in a trainer's first request
    hooks.register(app, "home:admin", services.administrator_home)
    hooks.register(app, "home:platform_admin", services.platform_home)
    hooks.register(app, "language_chosen", services.set_preferred_language)
    add_commands(app, centres_cli, users_cli)
    return register_blueprints(
        app, prefix, [(bp, ""), (admin_bp, "/admin"), (platform_bp, "/platform")]
    )
