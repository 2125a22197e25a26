"""`flask retention run`: the retention policy of trainees' records (certificates/retention.py)
and of uploaded rosters (cohorts.services.forget_old_roster_rows). The task worker runs it every
night (the periodic task `cohorts.retention`); the command is for a run by hand or a dry run."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from certificates.retention import apply_retention, due_for_pseudonymisation
from cohorts.services import ROSTER_ROWS_KEPT_DAYS, forget_old_roster_rows
from lms import tasks
from lms.db import db, utcnow

RETENTION_TASK = "cohorts.retention"

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
    count, forgotten = apply_policy(day)
    db.session.commit()
    click.echo(f"Pseudonymised {count} trainees.")
    click.echo(f"Uploaded rosters older than {ROSTER_ROWS_KEPT_DAYS} days emptied: {forgotten}.")


def apply_policy(day: date) -> tuple[int, int]:
    """Pseudonymise who is due and empty old roster rows; (trainees, roster rows). Idempotent:
    a second run on the same day finds nothing left to do."""
    count = apply_retention(day, current_app.config["SECRET_KEY"].encode())
    return count, forget_old_roster_rows(day)


@tasks.task(RETENTION_TASK)
def nightly_retention() -> tuple[int, int]:
    """The periodic task: the policy applied every night (committed by the task's wrapper)."""
    return apply_policy(utcnow().date())


tasks.periodic(RETENTION_TASK, hour="2", minute="30")
