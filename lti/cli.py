"""Command-line interface of the lti package: `flask lti ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from accounts.centres import acting_for_centre
from lms.db import db
from lti import platforms, tool

lti_cli = AppGroup("lti", help="LTI 1.3: platforms registered with this tool.")


def _save(platform: Any, values: dict[str, Any]) -> Any:

    try:
        saved = platforms.save_platform(platform, values, actor=None)
    except platforms.PlatformError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    return saved


def _read_key(path: str | None) -> str | None:
    return Path(path).read_text(encoding="utf-8") if path else None


@lti_cli.command("add-platform")
@click.option("--name", required=True, help="A name for people, e.g. 'Moodle of the centre'.")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="The client ID the platform gave this tool.")
@click.option("--login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--token-url", required=True, help="The platform's access token URL.")
@click.option("--audience", help="Audience of the access token request, if not the token URL.")
@click.option("--jwks-url", help="The platform's public key set URL.")
@click.option(
    "--key-file", type=click.Path(exists=True, dir_okay=False), help="Or its key (PEM/JWKS)."
)
@click.option("--deployment", "deployments", multiple=True, required=True, help="A deployment ID.")
@acting_for_centre
def add_platform(**options: Any) -> None:
    """Register a learning platform."""
    platform = _save(
        None,
        {
            "name": options["name"],
            "issuer": options["issuer"],
            "client_id": options["client_id"],
            "auth_login_url": options["login_url"],
            "auth_token_url": options["token_url"],
            "auth_audience": options["audience"],
            "key_set_url": options["jwks_url"],
            "key": _read_key(options["key_file"]),
            "deployment_ids": list(options["deployments"]),
            "is_enabled": True,
        },
    )
    click.echo(f"Registered platform {platform.id}: {platform.name} ({platform.issuer}).")


@lti_cli.command("update-platform")
@click.argument("platform_id", type=int)
@click.option("--name")
@click.option("--login-url")
@click.option("--token-url")
@click.option("--audience")
@click.option("--jwks-url")
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--add-deployment", "added", multiple=True, help="A deployment ID to accept.")
@click.option("--remove-deployment", "removed", multiple=True, help="A deployment ID to refuse.")
@click.option("--enable/--disable", "enabled", default=None, help="Accept its launches or not.")
@acting_for_centre
def update_platform(platform_id: int, **options: Any) -> None:
    """Change a platform's registration."""
    platform = platforms.get_platform(platform_id)
    if platform is None:
        raise click.ClickException(f"No platform {platform_id}.")
    deployments = [d for d in platform.deployment_ids if d not in options["removed"]]
    values = {
        "name": options["name"] or platform.name,
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "auth_login_url": options["login_url"] or platform.auth_login_url,
        "auth_token_url": options["token_url"] or platform.auth_token_url,
        "auth_audience": options["audience"] or platform.auth_audience,
        "key_set_url": options["jwks_url"] or platform.key_set_url,
        "key": _read_key(options["key_file"]),
        "deployment_ids": deployments + list(options["added"]),
        "is_enabled": platform.is_enabled if options["enabled"] is None else options["enabled"],
    }
    platform = _save(platform, values)
    click.echo(f"Updated platform {platform.id}: {platform.name}.")


@lti_cli.command("list")
@acting_for_centre
def list_platforms(centre: Any) -> None:
    """The registered platforms."""
    registered = platforms.all_platforms()
    if not registered:
        click.echo("No platform is registered.")
    for platform in registered:
        status = "enabled" if platform.is_enabled else "disabled"
        click.echo(f"{platform.id}\t{platform.name}\t{status}")
        click.echo(f"\tissuer: {platform.issuer}\n\tclient id: {platform.client_id}")
        click.echo(f"\tlogin: {platform.auth_login_url}\n\ttoken: {platform.auth_token_url}")
        click.echo(f"\tkeys: {platform.key_set_url or 'key given'}")
        click.echo(f"\tdeployments: {', '.join(platform.deployment_ids)}")


@lti_cli.command("urls")
def urls() -> None:
    """The addresses and key id to give a platform (set PUBLIC_BASE_URL first)."""
    click.echo(f"Login initiation URL: {tool.tool_url('lti.login')}")
    click.echo(f"Launch / redirect URL: {tool.tool_url('lti.launch')}")
    click.echo(f"Deep linking URL: {tool.tool_url('lti.launch')}")
    click.echo(f"Public key set (JWKS) URL: {tool.tool_url('lti.jwks')}")
    click.echo(f"Key id (kid): {tool.tool_jwks()['keys'][0]['kid']}")
    click.echo("Public key (PEM):")
    click.echo(tool.tool_public_pem().strip())
