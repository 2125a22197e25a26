"""`flask courses load [PATH]`: validate course packages, then load them (idempotent)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from assessments.catalog import RUBRICS_DIR, STANDARDS_DIR
from lms.db import db
from lms.yamlfile import FileProblem, PackageError
from studio.content_checks import glossary_findings, lessons_without_scenario, quality_problems
from studio.loader import CATALOG_DIR, read_catalog
from studio.pass_rule import check_pass_rule
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


@courses_cli.command("check")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
def check(path: Path | None) -> None:
    """Check packages without loading them: shape, pass rule, bank, terms and scenarios."""
    folder = path or CATALOG_DIR
    try:
        packages = read_catalog(folder)
    except PackageError as error:
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None
    found = 0
    for package in packages:
        quiz = package.quiz
        report = check_pass_rule(
            len(package.standards),
            quiz["questions_per_standard"],
            quiz["standard_threshold"],
            package.pass_mark,
        )
        click.echo(
            f"{package.slug}: {len(package.questions)} questions; at 90% passes an attempt with"
            f" probability {report.master_passes:.3f}, at 60% fails with {report.novice_fails:.3f}"
        )
        problems = quality_problems(package)
        problems += glossary_findings(
            [package.path / "course.yaml", package.path / "questions.yaml"]
            + sorted((package.path / "lessons").glob("*.md"))
        )
        problems += [
            FileProblem(package.path / "lessons", None, f"no worked scenario: {where}")
            for where in lessons_without_scenario(package)
        ]
        for problem in problems:
            click.echo(f"  {problem}")
        found += len(problems)
    if path is None:
        shared = glossary_findings(
            sorted(STANDARDS_DIR.glob("*.yaml")) + sorted(RUBRICS_DIR.glob("*.yaml"))
        )
        for problem in shared:
            click.echo(f"  {problem}")
        found += len(shared)
    raise SystemExit(1 if found else 0)
