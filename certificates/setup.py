"""The certificates domain in an app: issuance on completion, pages, public verification."""

from __future__ import annotations

from typing import Any

from flask import Flask

from accounts.models import User
from certificates import records
from certificates.services import connect_signals, expiring_soon
from certificates.views import bp, verify_bp
from lms import hooks
from lms.blueprints import register_blueprints


def trainee_home(user: User) -> dict[str, Any]:
    """The trainee's home page: certificates that expire soon."""
    return {"expiring": expiring_soon(user)}


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    connect_signals()
    hooks.register(app, "home:trainee", trainee_home)
    return register_blueprints(app, prefix, [(bp, "/certificates"), (verify_bp, "/verify")])
