"""The retention policy: trainees inactive past their centre's retention period are pseudonymised.

A trainee's records are kept for the centre's `retention_years` after the latest of: the expiry of
their last certificate, their last sign-in, their account's creation. Past that, their account is
pseudonymised (accounts.services.pseudonymise) and their certificates keep only what proves them:
the serial, course, dates, status and the SHA-256 of the PDF; the holder's name becomes initials,
the service number and rank are removed and the stored PDF (which prints the name) is deleted. The
public check then says "holder's name removed under retention policy". Run daily by
`flask retention run` (a systemd timer in production, see docs/deploy.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from accounts import services as accounts
from accounts.models import Centre, User
from certificates.models import Certificate
from lms import audit
from lms.db import db, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A trainee past retention and the day their retention period ended."""

    user: User
    ended_on: date


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def due_for_pseudonymisation(today: date) -> list[Due]:
    """Every trainee, in every centre, whose retention period ended before today."""
    last_expiry = (
        select(Certificate.trainee_id, func.max(Certificate.expires_on).label("last"))
        .group_by(Certificate.trainee_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, Centre.retention_years, last_expiry.c.last)
        .join(Centre, Centre.id == User.centre_id)
        .join(last_expiry, last_expiry.c.trainee_id == User.id, isouter=True)
        .where(User.role == "trainee", User.pseudonymised_at.is_(None))
    ).all()
    due = []
    for user, years, last_certificate in rows:
        active = [user.created_at.date()]
        active += [user.last_sign_in_at.date()] if user.last_sign_in_at else []
        active += [last_certificate] if last_certificate else []
        ended_on = _years_later(max(active), years)
        if ended_on < today:
            due.append(Due(user, ended_on))
    return due


def remove_holder(certificate: Certificate) -> None:
    """Keep what proves a certificate, drop who held it (the PDF prints the name)."""
    certificate.holder_name = accounts.initials(certificate.holder_name)
    certificate.service_number = None
    certificate.rank = None
    certificate.pdf = b""
    certificate.holder_removed_at = utcnow()


def apply_retention(today: date, secret: bytes) -> int:
    """Pseudonymise every trainee past retention; return how many. Each one is audited."""
    due = due_for_pseudonymisation(today)
    for item in due:
        user = item.user
        for certificate in db.session.scalars(
            select(Certificate).where(Certificate.trainee_id == user.id)
        ):
            remove_holder(certificate)
        accounts.pseudonymise(user, secret)
        audit.record(
            "retention.pseudonymised",
            "user",
            user.id,
            None,
            centre=user.centre_id,
            retention_ended_on=item.ended_on.isoformat(),
        )
    db.session.flush()
    log.info("retention: %d trainees pseudonymised", len(due))
    return len(due)
