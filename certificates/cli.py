"""Command-line interface of the certificates package: `flask retention run`."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from certificates.retention import apply_retention, due_for_pseudonymisation
from lms.db import db, utcnow

retention_cli = AppGroup("retention", help="The retention policy of trainees' records.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Only list who is due; change nothing.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if today were this day (to check the policy in advance).",
)
def run(dry_run: bool, today: datetime | None) -> None:
    """Pseudonymise every trainee past their centre's retention period (run daily)."""
    day: date = today.date() if today else utcnow().date()
    if dry_run:
        for item in due_for_pseudonymisation(day):
            click.echo(f"due\tuser {item.user.id}\tcentre {item.user.centre_id}\t{item.ended_on}")
        return
    count = apply_retention(day, current_app.config["SECRET_KEY"].encode())
    db.session.commit()
    click.echo(f"Pseudonymised {count} trainees.")
