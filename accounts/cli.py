"""`flask users ...`: create and manage accounts without a browser."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import services
from accounts.centres import CentreError, all_centres, find_centre, save_centre
from accounts.models import Role
from lms import scope
from lms.db import db
from lms.settings import LANGUAGES

users_cli = AppGroup("users", help="Create and manage accounts.")
centres_cli = AppGroup("centres", help="Training centres.")


@centres_cli.command("create")
@click.argument("name")
@click.option("--country", help="ISO 3166-1 alpha-3 code of the centre's country, e.g. NPL.")
@click.option("--certificate-name", help="The issuer printed on certificates (default NAME).")
@click.option("--public-base-url", help="The centre's own public address, if not the platform's.")
@click.option("--retention-years", type=int, default=10, show_default=True)
@click.option(
    "--time-zone", help="IANA time zone of the centre, e.g. Africa/Kinshasa (default UTC)."
)
@click.option(
    "--language", "languages", multiple=True, help="A language the centre teaches in (repeat)."
)
def create_centre(
    name: str,
    country: str | None,
    certificate_name: str | None,
    public_base_url: str | None,
    retention_years: int,
    time_zone: str | None,
    languages: tuple[str, ...],
) -> None:
    """Create the training centre NAME."""
    try:
        centre = save_centre(
            None,
            {
                "name": name,
                "country": country,
                "certificate_name": certificate_name,
                "public_base_url": public_base_url,
                "retention_years": retention_years,
                "time_zone": time_zone,
                "languages": list(languages) or list(LANGUAGES),
            },
            None,
        )
    except CentreError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created centre {centre.id} ({centre.name}).")


@centres_cli.command("list")
def list_centres() -> None:
    """List the centres: id, country, name."""
    for centre in all_centres():
        click.echo(f"{centre.id}\t{centre.country or '-'}\t{centre.name}")


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
@click.option("--language", default="en", type=click.Choice(LANGUAGES))
@click.option(
    "--centre", "centre_ref", help="The account's centre (id or name); needed if there are several."
)
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
    centre_ref: str | None,
) -> None:
    """Create an account of ROLE (trainee, trainer, admin of a centre, or platform_admin)."""
    centre = None
    if role != Role.PLATFORM_ADMIN:
        try:
            centre = find_centre(centre_ref)
        except CentreError as error:
            raise click.ClickException(str(error)) from error
        scope.enter(db.session, centre.id)
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
            centre=centre,
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
    user = services.find_by_sign_in_name(sign_in_name)
    if user is None:
        raise click.ClickException(f"No account signs in as {sign_in_name!r}.")
    secret = services.reset_credential(user, user)
    db.session.commit()
    click.echo(f"Temporary credential for {user.sign_in_name}: {secret}")
