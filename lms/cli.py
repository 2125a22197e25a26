"""Command-line interface: `flask --app app <group> <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms import migrate
from lms.outbox import outbox_cli
from lms.tasks import tasks_cli

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema through the migrations."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


def register_cli(app: Flask) -> None:
    """The shell's command groups (each domain adds its own in its setup)."""
    add_commands(app, db_cli, outbox_cli, tasks_cli)


def add_commands(app: Flask, *groups: AppGroup) -> None:
    """Add a domain's command groups to the app (once)."""
    for group in groups:
        if group.name not in app.cli.commands:
            app.cli.add_command(group)
