"""The cohorts domain in an app: cohorts, rosters, evaluations of a cohort, dashboards."""

from __future__ import annotations

from typing import Any

from flask import Flask

from accounts.models import User
from cohorts import evaluation_views, records, services, views
from cohorts import tasks as _tasks  # noqa: F401 - declares the cohorts' background jobs
from cohorts.cli import retention_cli
from lms import hooks
from lms.blueprints import register_blueprints
from lms.cli import add_commands


def trainer_home(user: User) -> dict[str, Any]:
    """The trainer's home page: their cohorts."""
    return {"cohorts": services.cohorts_for_trainer(user)}


def init_app(app: Flask, prefix: str) -> set[str]:
    """Register the domain (see lms.Domain)."""
    hooks.register(app, "personal_record", records.personal_record)
    hooks.register(app, "home:trainer", trainer_home)
    hooks.register(app, "may_manage_trainee", services.may_assess)
    hooks.register(app, "trainees_managed_by", services.trainee_ids_managed_by)
    hooks.register(app, "cohort_members", services.member_ids)
    add_commands(app, retention_cli)
    return register_blueprints(
        app, prefix, [(views.bp, "/cohorts"), (evaluation_views.bp, "/evaluations")]
    )
