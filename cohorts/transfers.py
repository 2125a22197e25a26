"""Transfers of a trainee between cohorts of a centre: asked by a trainer, decided by an
administrator, audited. A roster never moves a trainee of another cohort (see services)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select

from accounts.models import User
from cohorts.models import Cohort, TransferRequest, cohort_members
from cohorts.services import CohortError, identity_of, trainees_by_identity
from courses.services import enrol
from lms import audit
from lms.db import db, utcnow

MAX_REASON = 500


def request_transfer(
    cohort: Cohort, service_number: str, nationality: str, reason: str, actor: User
) -> TransferRequest:
    """Ask a centre administrator to move the trainee with this identity into the cohort."""
    values = {
        "service_number": service_number.strip().upper(),
        "nationality": (nationality or cohort.country).strip().upper(),
    }
    # Scoped: another centre's trainee is simply not found.
    trainee = trainees_by_identity([values]).get(identity_of(values))
    if trainee is None or trainee.role != "trainee":
        raise CohortError(_("No trainee of this centre has this service number."))
    if any(member.id == trainee.id for member in cohort.members):
        raise CohortError(_("This trainee is already in the cohort."))
    pending = db.session.scalars(
        select(TransferRequest).where(
            TransferRequest.trainee_id == trainee.id,
            TransferRequest.to_cohort_id == cohort.id,
            TransferRequest.state == "pending",
        )
    ).first()
    if pending is not None:
        return pending
    transfer = TransferRequest(
        centre_id=cohort.centre_id,
        trainee_id=trainee.id,
        to_cohort_id=cohort.id,
        requested_by_id=actor.id,
        reason=(reason or "").strip()[:MAX_REASON] or None,
    )
    db.session.add(transfer)
    db.session.flush()
    audit.record(
        "transfer.requested", "transfer", transfer.id, actor.id, trainee=trainee.id, to=cohort.id
    )
    return transfer


def transfers_to_decide() -> list[TransferRequest]:
    """The centre's pending requests, oldest first."""
    return list(
        db.session.scalars(
            select(TransferRequest)
            .where(TransferRequest.state == "pending")
            .order_by(TransferRequest.requested_at)
        )
    )


def recent_decisions(limit: int = 20) -> list[TransferRequest]:
    """The centre's latest decided requests."""
    return list(
        db.session.scalars(
            select(TransferRequest)
            .where(TransferRequest.state != "pending")
            .order_by(TransferRequest.decided_at.desc())
            .limit(limit)
        )
    )


def source_cohorts(transfer: TransferRequest) -> list[Cohort]:
    """The cohorts the trainee would leave."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(cohort_members, cohort_members.c.cohort_id == Cohort.id)
            .where(
                cohort_members.c.user_id == transfer.trainee_id,
                Cohort.id != transfer.to_cohort_id,
            )
            .order_by(Cohort.name)
        )
    )


def decide_transfer(transfer: TransferRequest, approve: bool, actor: User) -> None:
    """Approve (the trainee leaves their other cohorts and joins the requesting one, enrolled in
    its courses) or refuse a pending request; recorded with who decided and when."""
    if transfer.state != "pending":
        raise CohortError(_("This request has already been decided."))
    transfer.state = "approved" if approve else "refused"
    transfer.decided_by_id = actor.id
    transfer.decided_at = utcnow()
    left = []
    if approve:
        left = [cohort.id for cohort in source_cohorts(transfer)]
        db.session.execute(
            delete(cohort_members).where(
                cohort_members.c.user_id == transfer.trainee_id,
                cohort_members.c.cohort_id.in_(left),
            )
        )
        target = transfer.to_cohort
        target.members.append(transfer.trainee)
        for course in target.courses:
            enrol(transfer.trainee, course, by=actor)
    db.session.flush()
    audit.record(
        f"transfer.{transfer.state}",
        "transfer",
        transfer.id,
        actor.id,
        trainee=transfer.trainee_id,
        to=transfer.to_cohort_id,
        left=left,
    )
