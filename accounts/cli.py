"""`flask users ...`: create and manage accounts without a browser."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import services
from accounts.models import Role

users_cli = AppGroup("users", help="Create and manage accounts.")


@users_cli.command("create")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--name", "full_name", required=True, help="Full name, in any script.")
@click.option("--email", help="Required for trainers and admins.")
@click.option("--service-number", help="Required for trainees.")
@click.option(
    "--secret", help="PIN or password; if omitted a temporary one is generated and printed."
)
@click.option("--rank")
@click.option("--gender", type=click.Choice(["F", "M", "X"]))
@click.option("--nationality", help="ISO 3166-1 alpha-3 code, e.g. NPL.")
@click.option("--unit")
@click.option("--language", default="en", type=click.Choice(["en", "fr", "zh", "ar"]))
def create(
    role: str,
    full_name: str,
    email: str | None,
    service_number: str | None,
    secret: str | None,
    rank: str | None,
    gender: str | None,
    nationality: str | None,
    unit: str | None,
    language: str,
) -> None:
    """Create an account of ROLE (trainee, trainer or admin)."""
    from lms.db import db

    try:
        user, used_secret = services.create_user(
            role,
            full_name,
            actor=None,
            email=email,
            service_number=service_number,
            secret=secret,
            preferred_language=language,
            rank=rank,
            gender=gender,
            nationality=nationality.upper() if nationality else None,
            unit=unit,
        )
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {user.sign_in_name} (id {user.id}).")
    if secret is None:
        click.echo(f"Temporary credential (must be changed at first sign-in): {used_secret}")


@users_cli.command("reset")
@click.argument("sign_in_name")
def reset(sign_in_name: str) -> None:
    """Give SIGN_IN_NAME (service number or e-mail) a new temporary PIN or password."""
    from lms.db import db

    user = services.find_by_sign_in_name(sign_in_name)
    if user is None:
        raise click.ClickException(f"No account signs in as {sign_in_name!r}.")
    secret = services.reset_credential(user, user)
    db.session.commit()
    click.echo(f"Temporary credential for {user.sign_in_name}: {secret}")
