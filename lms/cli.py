"""Command-line interface: `flask --app app <group> <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms import migrate

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema through the migrations."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


def register_cli(app: Flask) -> None:
    """Add the product's command groups to the app's CLI."""
    from accounts.cli import centres_cli, users_cli
    from api.cli import api_cli
    from cohorts.cli import retention_cli
    from courses.cli import courses_cli
    from lms.demo import demo_cli
    from lms.outbox import outbox_cli
    from lti.cli import lti_cli
    from xapi.cli import xapi_cli

    for group in (
        db_cli,
        centres_cli,
        users_cli,
        courses_cli,
        demo_cli,
        lti_cli,
        xapi_cli,
        api_cli,
        outbox_cli,
        retention_cli,
    ):
        if group.name not in app.cli.commands:
            app.cli.add_command(group)
