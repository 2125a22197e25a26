"""The account's part of a person's own record, and who on the staff looked at it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import User
from lms.audit import AuditEvent
from lms.db import db


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def account_record(user: User) -> dict[str, Any]:
    """What the account holds about the person."""
    return {
        "full_name": user.full_name,
        "role": user.role,
        "service_number": user.service_number,
        "nationality": user.nationality,
        "rank": user.rank,
        "gender": user.gender,
        "unit": user.unit,
        "email": user.email,
        "preferred_language": user.preferred_language,
        "training_centre": user.centre.name if user.centre else None,
        "created_at": _when(user.created_at),
        "last_sign_in_at": _when(user.last_sign_in_at),
        "credential_changed_at": _when(user.credential_changed_at),
    }


def views_of_record(user: User) -> list[dict[str, Any]]:
    """When members of staff looked at the person's record, who and what."""
    rows = db.session.execute(
        select(AuditEvent, User.full_name, User.role)
        .join(User, User.id == AuditEvent.actor_id, isouter=True)
        .where(
            AuditEvent.action == "personal_data.viewed",
            AuditEvent.target_type == "user",
            AuditEvent.target_id == str(user.id),
        )
        .order_by(AuditEvent.at)
    ).all()
    return [
        {"at": _when(event.at), "by": name, "role": role, "what": event.details.get("what")}
        for event, name, role in rows
    ]


def personal_record(user: User) -> dict[str, Any]:
    """This domain's sections of a person's own record (the `personal_record` extension point)."""
    return {
        "account": account_record(user),
        "record_viewed_by_staff": views_of_record(user),
    }
