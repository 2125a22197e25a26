"""The certificates' part of a person's own record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import User
from certificates.models import Certificate
from lms.db import db, utcnow


def certificates_record(user: User) -> list[dict[str, Any]]:
    """Every certificate issued to the person, with its status today."""
    today = utcnow().date()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.trainee_id == user.id).order_by(Certificate.issued_at)
    ).all()
    return [
        {
            "serial": c.serial,
            "course": c.course_title,
            "issued_on": c.issued_on.isoformat(),
            "expires_on": c.expires_on.isoformat(),
            "status": c.status_on(today),
            "issued_by": c.centre,
            "sha256": c.sha256,
        }
        for c in certificates
    ]


def personal_record(user: User) -> dict[str, Any]:
    """This domain's sections of a person's own record (the `personal_record` extension point)."""
    return {
        "certificates": certificates_record(user),
    }
