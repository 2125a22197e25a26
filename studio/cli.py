"""`flask courses load [PATH]`: validate course packages, then load them (idempotent)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.db import db
from lms.yamlfile import PackageError
from studio.sync import load_catalog

courses_cli = AppGroup("courses", help="Course packages.")


@courses_cli.command("load")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
def load(path: Path | None) -> None:
    """Load the bundled catalog, or the package(s) at PATH. Nothing is written if anything is wrong."""

    try:
        report = load_catalog(path)
    except PackageError as error:
        db.session.rollback()
        click.echo("Refused; nothing was loaded:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    for label, items in (
        ("added", report.courses_added),
        ("updated", report.courses_updated),
        ("unchanged", report.courses_unchanged),
    ):
        if items:
            click.echo(f"Courses {label}: {', '.join(items)}")
    if report.standards_added:
        click.echo(f"Standards added: {', '.join(report.standards_added)}")
    if report.lessons_changed:
        click.echo(
            f"Lessons changed (their progress must be redone): {', '.join(report.lessons_changed)}"
        )
