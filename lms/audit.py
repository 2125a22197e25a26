"""The audit log: every change of state that matters, with who made it and when."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, db, utcnow

log = logging.getLogger(__name__)


class AuditEvent(Base):
    """One change of state: append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    action: str, target_type: str, target_id: object, actor_id: int | None, **details: Any
) -> None:
    """Add an audit event to the current session and log it."""
    db.session.add(
        AuditEvent(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details,
        )
    )
    log.info("%s %s:%s by user %s %s", action, target_type, target_id, actor_id, details or "")


def record_many(
    action: str,
    target_type: str,
    actor_id: int | None,
    targets: list[tuple[object, dict[str, Any]]],
) -> None:
    """Add one audit event per (target id, details) in a single statement (a form that records
    for a thousand trainees), and log them in one line."""
    if not targets:
        return
    at = utcnow()
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id),
                "details": details,
            }
            for target_id, details in targets
        ],
    )
    log.info("%s %d %s by user %s", action, len(targets), target_type, actor_id)


def record_view(actor: Any, target_type: str, target_id: object, what: str) -> None:
    """Note that a member of staff looked at personal data (a person's record, or a cohort's):
    who, when, what. A person looking at their own record is not noted."""
    if actor is None or (target_type == "user" and str(actor.id) == str(target_id)):
        return
    record("personal_data.viewed", target_type, target_id, actor.id, what=what)
