"""Access tokens of the read API: creation (shown once), authentication, revocation.

A token is 256 random bits: only its SHA-256 is stored. A fast hash is enough here (unlike a
password, nothing about the secret can be guessed), and it lets a request find its token with one
indexed lookup.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.models import User
from api.models import ApiToken
from cohorts.models import Cohort
from lms import audit
from lms.db import db, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "lmsapi_"  # noqa: S105 (a marker, not a secret)
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often per token: no write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token action refused (message already translated)."""


def hash_token(secret: str) -> str:
    """The stored form of a token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A new token: a recognisable prefix and 256 random bits (URL-safe base64)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    name: str,
    *,
    all_cohorts: bool,
    cohort_ids: list[int],
    expires_at: datetime | None,
    actor: User | None,
    centre_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a token of the actor's centre (or the given one, from the command line) for every
    cohort of the centre or for the listed ones; return it with its secret."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError(_("Give the token a name of at most 100 characters."))
    cohorts = _scope_cohorts(all_cohorts, cohort_ids)
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError(_("The expiry date must be in the future."))
    secret = new_secret()
    token = ApiToken(
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        token_hash=hash_token(secret),
        is_all_cohorts=all_cohorts,
        cohorts=cohorts,
        centre_id=actor.centre_id if actor else centre_id,
        created_by_id=actor.id if actor else None,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        "api_token",
        token.id,
        actor.id if actor else None,
        name=name,
        prefix=token.prefix,
        scope="all" if all_cohorts else sorted(c.id for c in cohorts),
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return token, secret


def _scope_cohorts(all_cohorts: bool, cohort_ids: list[int]) -> list[Cohort]:
    if all_cohorts:
        if cohort_ids:
            raise TokenError(_("Choose either every cohort or a list of cohorts, not both."))
        return []
    wanted = set(cohort_ids)
    if not wanted:
        raise TokenError(_("Choose at least one cohort, or every cohort."))
    # Scoped to the acting centre: another centre's cohort "does not exist".
    cohorts = list(db.session.scalars(select(Cohort).where(Cohort.id.in_(wanted))))
    if len(cohorts) != len(wanted):
        raise TokenError(_("One of the chosen cohorts does not exist."))
    return cohorts


def revoke_token(token: ApiToken, actor: User | None) -> None:
    """Revoke a token: it stops working at once; recorded in the audit log."""
    if token.revoked_at is not None:
        raise TokenError(_("This token is already revoked."))
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(
        "api_token.revoked",
        "api_token",
        token.id,
        actor.id if actor else None,
        name=token.name,
        prefix=token.prefix,
    )


@dataclass(frozen=True)
class Authentication:
    """The token a request presented, or why it was refused."""

    token: ApiToken | None
    problem: str | None = None  # "missing", "invalid", "expired", "revoked"


def authenticate(authorization: str | None) -> Authentication:
    """Check an `Authorization: Bearer <token>` header; note the token's use when it is valid."""
    scheme, _sep, secret = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return Authentication(None, "missing")
    secret = secret.strip()
    if len(secret) > MAX_TOKEN_LENGTH:
        return Authentication(None, "invalid")
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
    ).one_or_none()
    if token is None:
        return Authentication(None, "invalid")
    now = utcnow()
    status = token.status_at(now)
    if status != "active":
        log.info("refused %s API token %s (%s)", status, token.id, token.prefix)
        return Authentication(None, status)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Authentication(token)


def all_tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .options(selectinload(ApiToken.cohorts), selectinload(ApiToken.created_by))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def find_token(token_id: int) -> ApiToken | None:
    """A token by its id."""
    return db.session.get(ApiToken, token_id)
