"""Training centres: creating and changing them, and finding the centre a command acts for."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import click
import pycountry
from flask import has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from accounts.models import DEFAULT_RETENTION_YEARS, Centre, User
from lms import audit, scope
from lms.db import db
from lms.i18n import format_local_time, time_zone_names
from lms.settings import LANGUAGES

F = TypeVar("F", bound=Callable[..., Any])
MAX_RETENTION_YEARS = 50


class CentreError(ValueError):
    """A centre change refused (message already translated)."""


def all_centres() -> list[Centre]:
    """Every centre, by name."""
    return list(db.session.scalars(select(Centre).order_by(Centre.name)))


def find_centre(reference: str | None) -> Centre:
    """The centre named or numbered REFERENCE; without one, the only centre there is."""
    if reference is None:
        centres = all_centres()
        if len(centres) != 1:
            names = ", ".join(f"{c.id} ({c.name})" for c in centres) or "none"
            raise CentreError(f"Say which centre with --centre (id or name): {names}.")
        return centres[0]
    query = select(Centre).where(
        Centre.id == int(reference)
        if reference.isascii() and reference.isdigit()
        else func.lower(Centre.name) == reference.strip().lower()
    )
    centre = db.session.scalars(query).one_or_none()
    if centre is None:
        raise CentreError(f"No centre is called or numbered {reference!r}.")
    return centre


def acting_for_centre(command: F) -> F:
    """A CLI command option `--centre`: the command then acts inside that centre's boundary."""

    @click.option(
        "--centre",
        "centre_ref",
        help="The training centre (id or name); needed when there is more than one.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, centre_ref: str | None, **kwargs: Any) -> Any:
        try:
            centre = find_centre(centre_ref)
        except CentreError as error:
            raise click.ClickException(str(error)) from error
        scope.enter(db.session, centre.id)
        return command(*args, centre=centre, **kwargs)

    return cast(F, wrapper)  # `centre` comes from the --centre option


def save_centre(centre: Centre | None, data: dict[str, Any], actor: User | None) -> Centre:
    """Create or change a centre from checked values (platform administrators and the CLI)."""
    name = (data.get("name") or "").strip()
    if not name or len(name) > 200:
        raise CentreError(_("Give the centre a name of at most 200 characters."))
    country = (data.get("country") or "").strip().upper() or None
    if country and pycountry.countries.get(alpha_3=country) is None:
        raise CentreError(_("Choose a country from the list."))
    languages = [code for code in data.get("languages") or [] if code in LANGUAGES] or ["en"]
    base_url = _checked_base_url(data.get("public_base_url"))
    retention = data.get("retention_years") or DEFAULT_RETENTION_YEARS
    if not 1 <= retention <= MAX_RETENTION_YEARS:
        raise CentreError(_("Keep records between 1 and %(n)d years.", n=MAX_RETENTION_YEARS))
    time_zone = (data.get("time_zone") or "").strip() or None
    if time_zone is not None and time_zone not in time_zone_names():
        raise CentreError(_("Choose a time zone from the list."))
    taken = db.session.scalar(select(Centre.id).where(func.lower(Centre.name) == name.lower()))
    if taken is not None and (centre is None or taken != centre.id):
        raise CentreError(_("Another centre already has this name."))
    is_new = centre is None
    centre = centre or Centre(name=name)
    centre.name = name
    centre.country = country
    centre.languages = languages
    centre.certificate_name = (data.get("certificate_name") or "").strip()[:200] or None
    centre.public_base_url = base_url
    centre.retention_years = retention
    centre.time_zone = time_zone
    if is_new:
        db.session.add(centre)
    db.session.flush()
    audit.record(
        "centre.created" if is_new else "centre.updated",
        "centre",
        centre.id,
        actor.id if actor else None,
        name=name,
    )
    return centre


def _checked_base_url(value: str | None) -> str | None:
    value = (value or "").strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"https", "http"} or not parts.hostname or parts.query or parts.fragment:
        raise CentreError(
            _("The public address must be a full address such as https://training.example.org.")
        )
    return value


def centre_staff_counts() -> dict[int, dict[str, int]]:
    """Per centre, how many accounts of each role (numbers only: no personal data)."""
    counts: dict[int, dict[str, int]] = {}
    with scope.unscoped(db.session):
        rows = db.session.execute(
            select(User.centre_id, User.role, func.count(User.id)).group_by(
                User.centre_id, User.role
            )
        ).all()
    for centre_id, role, count in rows:
        if centre_id is not None:
            counts.setdefault(centre_id, {})[role] = count
    return counts


def centre_administrators(centre: Centre) -> list[User]:
    """The administrators of a centre (the platform administrator manages them)."""
    with scope.unscoped(db.session):
        return list(
            db.session.scalars(
                select(User)
                .where(User.centre_id == centre.id, User.role == "admin")
                .order_by(User.full_name)
            )
        )


def centre_choices_for(user: User) -> list[tuple[int, str]]:
    """The other enabled centres, for choosing where to send a trainee."""
    return [
        (centre.id, centre.name)
        for centre in all_centres()
        if centre.is_enabled and centre.id != user.centre_id
    ]


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Jinja filter `local_time`: a UTC time in the signed-in person's centre's time zone, with UTC
    beside it (lms.i18n.format_local_time)."""
    centre = getattr(current_user, "centre", None) if has_request_context() else None
    return format_local_time(moment, centre.time_zone if centre is not None else None, fmt)
