"""Transfers of a trainee between cohorts of a centre: asked by a trainer, decided by an
administrator, audited. A roster never moves a trainee of another cohort (see services)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import joinedload, selectinload

from accounts.models import Centre, User
from certificates.models import Certificate
from cohorts.models import Cohort, TransferRequest, cohort_members
from cohorts.services import CohortError, identity_of, trainees_by_identity
from courses.services import enrol
from lms import audit, scope
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
    return _pending_or_new(trainee, actor, reason, to_cohort_id=cohort.id)


# What the transfer pages show of each request, loaded with it (one query per relationship, not
# one per request).
_SHOWN = (
    selectinload(TransferRequest.trainee),
    selectinload(TransferRequest.requested_by),
    selectinload(TransferRequest.decided_by),
    selectinload(TransferRequest.to_cohort),
    selectinload(TransferRequest.to_centre),
)


def transfers_to_decide() -> list[TransferRequest]:
    """The centre's pending requests between its cohorts, oldest first."""
    return _pending(TransferRequest.to_cohort_id.is_not(None))


def outgoing_transfers() -> list[TransferRequest]:
    """The centre's pending requests to other centres (the other centre decides)."""
    return _pending(TransferRequest.to_centre_id.is_not(None))


def _pending(kind: ColumnElement[bool]) -> list[TransferRequest]:
    return list(
        db.session.scalars(
            select(TransferRequest)
            .where(TransferRequest.state == "pending", kind)
            .order_by(TransferRequest.requested_at)
            .options(*_SHOWN)
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
            .options(*_SHOWN)
        )
    )


def source_cohorts(transfers: list[TransferRequest]) -> dict[int, list[Cohort]]:
    """For each request (by id), the cohorts its trainee would leave; in one query."""
    rows = db.session.execute(
        select(cohort_members.c.user_id, Cohort)
        .join(Cohort, Cohort.id == cohort_members.c.cohort_id)
        .where(cohort_members.c.user_id.in_({t.trainee_id for t in transfers}))
        .order_by(Cohort.name)
    ).all()
    return {
        t.id: [c for user_id, c in rows if user_id == t.trainee_id and c.id != t.to_cohort_id]
        for t in transfers
    }


def decide(transfer: TransferRequest, approve: bool, actor: User) -> None:
    """Approve or refuse a pending request, into a cohort or to another centre."""
    if transfer.to_centre_id is not None:
        decide_centre_transfer(transfer, approve, actor)
    else:
        decide_transfer(transfer, approve, actor)


def _audit_decision(transfer: TransferRequest, actor: User, **details: Any) -> None:
    audit.record(
        f"transfer.{transfer.state}",
        "transfer",
        transfer.id,
        actor.id,
        trainee=transfer.trainee_id,
        **details,
    )


def _record_decision(transfer: TransferRequest, approve: bool, actor: User) -> None:
    """Decided once: who decided, when and what."""
    if transfer.state != "pending":
        raise CohortError(_("This request has already been decided."))
    transfer.state = "approved" if approve else "refused"
    transfer.decided_by_id = actor.id
    transfer.decided_at = utcnow()


def decide_transfer(transfer: TransferRequest, approve: bool, actor: User) -> None:
    """Approve (the trainee leaves their other cohorts and joins the requesting one, enrolled in
    its courses) or refuse a pending request; recorded with who decided and when."""
    _record_decision(transfer, approve, actor)
    left = []
    if approve:
        left = [cohort.id for cohort in source_cohorts([transfer])[transfer.id]]
        db.session.execute(
            delete(cohort_members).where(
                cohort_members.c.user_id == transfer.trainee_id,
                cohort_members.c.cohort_id.in_(left),
            )
        )
        target = transfer.to_cohort
        assert target is not None  # a transfer into a cohort (decide_centre_transfer: a centre)
        target.members.append(transfer.trainee)
        for course in target.courses:
            enrol(transfer.trainee, course, by=actor)
    db.session.flush()
    _audit_decision(transfer, actor, to=transfer.to_cohort_id, left=left)


def request_centre_transfer(
    trainee: User, to_centre: Centre, reason: str, actor: User
) -> TransferRequest:
    """Ask another centre to take a trainee of the actor's centre (its administrator decides)."""
    if trainee.role != "trainee" or to_centre.id == trainee.centre_id or not to_centre.is_enabled:
        raise CohortError(_("Choose another training centre."))
    return _pending_or_new(trainee, actor, reason, to_centre_id=to_centre.id)


def _pending_or_new(trainee: User, actor: User, reason: str, **destination: int) -> TransferRequest:
    """The pending request to move the trainee there, or a new one (audited)."""
    pending = db.session.scalars(
        select(TransferRequest).filter_by(trainee_id=trainee.id, state="pending", **destination)
    ).first()
    if pending is not None:
        return pending
    transfer = TransferRequest(
        centre_id=trainee.centre_id,
        trainee_id=trainee.id,
        requested_by_id=actor.id,
        reason=(reason or "").strip()[:MAX_REASON] or None,
        **destination,
    )
    db.session.add(transfer)
    db.session.flush()
    audit.record(
        "transfer.requested", "transfer", transfer.id, actor.id, trainee=trainee.id, **destination
    )
    return transfer


def incoming_transfers(centre_id: int) -> list[TransferRequest]:
    """Requests of other centres to send a trainee to this one, pending, oldest first."""
    with scope.unscoped(db.session):  # the request and the trainee are still the other centre's
        transfers = list(
            db.session.scalars(
                select(TransferRequest)
                .where(
                    TransferRequest.to_centre_id == centre_id, TransferRequest.state == "pending"
                )
                .order_by(TransferRequest.requested_at)
                .options(
                    joinedload(TransferRequest.trainee),
                    joinedload(TransferRequest.requested_by),
                )
            ).unique()
        )
    return transfers


def decidable_transfer(transfer_id: int, actor: User) -> TransferRequest | None:
    """A request the actor may decide: one within their centre, or one sent to their centre."""
    transfer = db.session.get(TransferRequest, transfer_id)
    if transfer is not None and transfer.to_centre_id is None:
        return transfer
    with scope.unscoped(db.session):
        transfer = db.session.get(TransferRequest, transfer_id)
    if transfer is not None and transfer.to_centre_id == actor.centre_id:
        return transfer
    return None


def decide_centre_transfer(transfer: TransferRequest, approve: bool, actor: User) -> None:
    """The receiving centre's administrator approves (the trainee, with their certificates, now
    belongs to this centre and has left the other centre's cohorts) or refuses."""
    if transfer.state != "pending":  # checked before the move (also in _record_decision)
        raise CohortError(_("This request has already been decided."))
    with scope.unscoped(db.session):  # crossing on purpose: the trainee moves between centres
        trainee = db.session.get(User, transfer.trainee_id)
        if approve and trainee is not None:
            clash = db.session.scalar(
                select(User.id).where(
                    User.centre_id == transfer.to_centre_id,
                    User.service_number == trainee.service_number,
                    User.nationality == trainee.nationality,
                )
            )
            if clash is not None:
                raise CohortError(
                    _("This centre already has an account with this service number and country.")
                )
            db.session.execute(delete(cohort_members).where(cohort_members.c.user_id == trainee.id))
            trainee.centre_id = transfer.to_centre_id
            for certificate in db.session.scalars(
                select(Certificate).where(Certificate.trainee_id == trainee.id)
            ):
                certificate.centre_id = transfer.to_centre_id  # they go with their holder
        _record_decision(transfer, approve, actor)
        db.session.flush()
    _audit_decision(
        transfer, actor, from_centre=transfer.centre_id, to_centre=transfer.to_centre_id
    )
