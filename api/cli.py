"""Command-line interface of the api package: `flask api create-token|list-tokens|revoke-token`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import click
from flask.cli import AppGroup

from accounts.centres import acting_for_centre
from api import tokens
from lms.db import db, utcnow

api_cli = AppGroup("api", help="Read API: access tokens for personnel systems.")


@api_cli.command("create-token")
@click.argument("name")
@click.option("--all-cohorts", is_flag=True, help="Every cohort, present and future.")
@click.option(
    "--cohort", "cohort_ids", multiple=True, type=int, help="A cohort id (repeat for several)."
)
@click.option(
    "--expires-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The token stops working at the start of this day (UTC), e.g. 2027-06-30.",
)
@acting_for_centre
def create_token(
    name: str,
    all_cohorts: bool,
    cohort_ids: tuple[int, ...],
    expires_on: datetime | None,
    centre: Any,
) -> None:
    """Create a token called NAME for every cohort or for the given ones; print it once."""

    try:
        token, secret = tokens.create_token(
            name,
            all_cohorts=all_cohorts,
            cohort_ids=list(cohort_ids),
            expires_at=_start_of(expires_on.date()) if expires_on else None,
            actor=None,
            centre_id=centre.id,
        )
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created token {token.id} ({token.name}). It is shown only this once:")
    click.echo(secret)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@api_cli.command("list-tokens")
@acting_for_centre
def list_tokens(centre: Any) -> None:
    """List every token: id, status, prefix, scope, expiry, last use, name."""

    now = utcnow()
    for token in tokens.all_tokens():
        scope = "all" if token.is_all_cohorts else ",".join(str(c.id) for c in token.cohorts)
        expires = token.expires_at.date().isoformat() if token.expires_at else "-"
        used = token.last_used_at.strftime("%Y-%m-%dT%H:%MZ") if token.last_used_at else "-"
        click.echo(
            f"{token.id}\t{token.status_at(now)}\t{token.prefix}…\tcohorts={scope}"
            f"\texpires={expires}\tlast-used={used}\t{token.name}"
        )


@api_cli.command("revoke-token")
@click.argument("token_id", type=int)
@acting_for_centre
def revoke_token(token_id: int, centre: Any) -> None:
    """Revoke the token TOKEN_ID (see list-tokens): it stops working at once."""

    token = tokens.find_token(token_id)
    if token is None:
        raise click.ClickException(f"No token has the id {token_id}.")
    try:
        tokens.revoke_token(token, None)
    except tokens.TokenError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Revoked token {token.id} ({token.name}).")
