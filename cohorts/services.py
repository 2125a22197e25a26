"""Cohorts: who may see and assess them, saving a cohort, staging and applying a roster (all or
nothing), initial PINs for login slips, and emptying old roster uploads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from accounts.models import User
from accounts.passwords import UNUSABLE_HASH
from cohorts.models import Cohort, RosterImport, cohort_members, cohort_trainers
from cohorts.roster import RosterRow
from courses.models import Course
from courses.services import enrol
from lms import audit, scope
from lms.db import db, utcnow


def cohorts_for_trainer(user: User) -> list[Cohort]:
    """The cohorts a trainer runs; an administrator sees every cohort."""
    query = select(Cohort).order_by(Cohort.deployment_date, Cohort.name)
    if user.role != "admin":
        query = query.join(cohort_trainers).where(cohort_trainers.c.user_id == user.id)
    return list(db.session.scalars(query))


def cohort_for(user: User, cohort_id: int) -> Cohort | None:
    """A cohort the user may see, or None (another trainer's cohort is as good as missing)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    if user.role == "admin" or any(trainer.id == user.id for trainer in cohort.trainers):
        return cohort
    return None


def may_assess(user: User, trainee: User) -> bool:
    """Whether a trainer runs a cohort this trainee belongs to (admins may assess anyone)."""
    if user.role == "admin":
        return True
    shared = db.session.scalar(
        select(cohort_members.c.cohort_id)
        .join(cohort_trainers, cohort_trainers.c.cohort_id == cohort_members.c.cohort_id)
        .where(cohort_members.c.user_id == trainee.id, cohort_trainers.c.user_id == user.id)
        .limit(1)
    )
    return shared is not None


def trainee_ids_managed_by(user: User) -> Select[tuple[int]]:
    """A select of the ids of the trainees in the cohorts a trainer runs."""
    return (
        select(cohort_members.c.user_id)
        .join(cohort_trainers, cohort_trainers.c.cohort_id == cohort_members.c.cohort_id)
        .where(cohort_trainers.c.user_id == user.id)
    )


def member_ids(user: User, cohort_id: int) -> list[int] | None:
    """The members of a cohort the user may see, or None (another trainer's cohort)."""
    cohort = cohort_for(user, cohort_id)
    return None if cohort is None else [member.id for member in cohort.members]


def trainees_managed_elsewhere(actor: User, trainee_ids: list[int]) -> set[int]:
    """Of these trainees, those in a cohort the actor does not run (an administrator runs all).

    The ownership rule of roster imports: a trainer may update a trainee, or add them to a cohort,
    only when the trainer runs every cohort the trainee belongs to.
    """
    if actor.role == "admin" or not trainee_ids:
        return set()
    actors_cohorts = select(cohort_trainers.c.cohort_id).where(
        cohort_trainers.c.user_id == actor.id
    )
    return set(
        db.session.scalars(
            select(cohort_members.c.user_id)
            .where(
                cohort_members.c.user_id.in_(trainee_ids),
                cohort_members.c.cohort_id.not_in(actors_cohorts),
            )
            .distinct()
        )
    )


def identity_of(values: dict[str, str]) -> tuple[str, str]:
    """What identifies a trainee in a centre: (nationality, service number)."""
    return values["nationality"], values["service_number"]


def trainees_by_identity(rows: list[dict[str, str]]) -> dict[tuple[str, str], User]:
    """The centre's accounts of these rows, by (nationality, service number); an account without
    a nationality (made before nationalities were required) answers for its number."""
    numbers = {values["service_number"] for values in rows if values["service_number"]}
    found: dict[tuple[str, str], User] = {}
    unplaced: dict[str, User] = {}
    for user in db.session.scalars(select(User).where(User.service_number.in_(numbers))):
        assert user.service_number is not None  # selected by it
        if user.nationality:
            found[user.nationality, user.service_number] = user
        else:
            unplaced[user.service_number] = user
    for values in rows:
        key = identity_of(values)
        if key not in found and values["service_number"] in unplaced:
            found[key] = unplaced[values["service_number"]]
    return found


class CohortError(ValueError):
    """A cohort action refused (message already translated)."""


def trainer_choices() -> list[tuple[int, str]]:
    """Every enabled trainer, for the cohort form."""
    rows = db.session.scalars(
        select(User).where(User.role == "trainer", User.is_enabled).order_by(User.full_name)
    )
    return [(user.id, f"{user.full_name} <{user.email}>") for user in rows]


def save_cohort(cohort: Cohort | None, data: dict[str, Any], actor: User) -> Cohort:
    """Create or update a cohort from form data; its creator always stays one of its trainers."""
    is_new = cohort is None
    cohort = cohort or Cohort(name="", country="", centre_id=actor.centre_id)
    cohort.name = data["name"].strip()
    cohort.country = data["country"]
    cohort.unit = (data.get("unit") or "").strip() or None
    cohort.mission = data.get("mission") or None
    cohort.deployment_date = data.get("deployment_date")
    cohort.courses = list(
        db.session.scalars(select(Course).where(Course.id.in_(data.get("courses") or [])))
    )
    trainer_ids = set(data.get("trainers") or [])
    if actor.role == "trainer":
        trainer_ids.add(actor.id)
    cohort.trainers = list(
        db.session.scalars(select(User).where(User.id.in_(trainer_ids), User.role == "trainer"))
    )
    if is_new:
        db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.created" if is_new else "cohort.updated", "cohort", cohort.id, actor.id)
    return cohort


def stage_roster(cohort: Cohort, rows: list[RosterRow], filename: str, actor: User) -> RosterImport:
    """Keep a validated roster for the trainer to review; mark each row new, update or unchanged.

    A row without a nationality takes the cohort's country: a service number is unique within a
    country (and, like every record, within the centre: another centre's trainees are not found).
    """
    for row in rows:
        row.values["nationality"] = row.values["nationality"] or cohort.country
    existing = trainees_by_identity([row.values for row in rows])
    emails = [row.values["email"] for row in rows if row.values["email"]]
    with scope.unscoped(db.session):  # an address is unique on the whole installation
        email_owner = dict(
            db.session.execute(
                select(User.email, User.service_number).where(User.email.in_(emails))
            ).all()
        )
    foreign = trainees_managed_elsewhere(actor, [u.id for u in existing.values()])
    for row in rows:
        _classify(row, existing.get(identity_of(row.values)), email_owner, foreign)
    staged = RosterImport(
        cohort_id=cohort.id,
        centre_id=cohort.centre_id,
        uploaded_by_id=actor.id,
        filename=filename[:200],
        rows=[
            {
                "line": r.line,
                "values": r.values,
                "errors": [str(e) for e in r.errors],
                "action": r.action,
            }
            for r in rows
        ],
        error_count=sum(1 for r in rows if r.errors),
    )
    db.session.add(staged)
    db.session.flush()
    return staged


def _classify(
    row: RosterRow,
    user: User | None,
    email_owner: dict[str | None, str | None],
    foreign: set[int],
) -> None:

    email = row.values["email"]
    if email and email in email_owner and email_owner[email] != row.values["service_number"]:
        row.errors.append(
            _("The e-mail address %(value)s belongs to another account.", value=email)
        )
    if user is None:
        row.action = "new"
    elif user.role != "trainee":
        row.errors.append(
            _(
                "The service number %(value)s belongs to an account that is not a trainee.",
                value=user.service_number,
            )
        )
    elif user.id in foreign:
        row.errors.append(_foreign_trainee_error(user.service_number))
        row.action = "transfer"  # the preview offers to ask an administrator for a transfer
    else:
        row.action = (
            "unchanged"
            if all(getattr(user, f) == (_stored(row, f)) for f in PROFILE_FIELDS)
            else "update"
        )


def _foreign_trainee_error(service_number: str | None) -> str:
    """The row error for another trainer's trainee: it reveals nothing of their record."""
    return _(
        "The service number %(value)s belongs to another cohort of this centre; ask a centre "
        "administrator to transfer the trainee.",
        value=service_number,
    )


PROFILE_FIELDS = (
    "full_name",
    "rank",
    "gender",
    "nationality",
    "unit",
    "email",
    "preferred_language",
)


def _stored(row: RosterRow | dict[str, Any], field: str) -> str | None:
    """The value a roster row gives an account field (empty cells become None; language en)."""
    values = row.values if isinstance(row, RosterRow) else row["values"]
    if field == "preferred_language":
        return values.get("language") or "en"
    return values.get(field) or None


def apply_roster(staged: RosterImport, cohort: Cohort, actor: User) -> tuple[int, int]:
    """Apply a reviewed roster to the cohort, all or nothing; return (created, updated)."""

    if staged.applied_at is not None:
        raise CohortError(_("This roster has already been imported."))
    if staged.error_count:
        raise CohortError(
            _("This roster has errors; nothing was imported. Correct the file and upload it again.")
        )
    existing = trainees_by_identity([row["values"] for row in staged.rows])
    foreign = trainees_managed_elsewhere(actor, [u.id for u in existing.values()])
    if foreign:  # a cohort of another trainer took one of these trainees since the preview
        taken = next(u for u in existing.values() if u.id in foreign)
        raise CohortError(_foreign_trainee_error(taken.service_number))
    members = {member.id for member in cohort.members}
    created = updated = 0
    for row in staged.rows:
        user = existing.get(identity_of(row["values"]))
        if user is None:
            user = User(
                centre_id=cohort.centre_id,
                role="trainee",
                service_number=row["values"]["service_number"],
                credential_hash=UNUSABLE_HASH,
                is_credential_temporary=True,
                full_name="",
            )
            db.session.add(user)
            created += 1
        elif any(getattr(user, f) != _stored(row, f) for f in PROFILE_FIELDS):
            updated += 1
        for field in PROFILE_FIELDS:
            setattr(user, field, _stored(row, field))
        db.session.flush()
        if user.id not in members:
            cohort.members.append(user)
            members.add(user.id)
        for course in cohort.courses:
            enrol(user, course, by=actor)
    staged.applied_at = utcnow()
    audit.record(
        "roster.imported",
        "cohort",
        cohort.id,
        actor.id,
        created=created,
        updated=updated,
        file=staged.filename,
    )
    return created, updated


# An uploaded roster's rows (names, numbers, e-mail addresses as typed) are kept this long for
# review; the accounts they created or updated keep the data after that.
ROSTER_ROWS_KEPT_DAYS = 90


def forget_old_roster_rows(today: date) -> int:
    """Empty the rows of rosters uploaded more than ROSTER_ROWS_KEPT_DAYS ago; how many."""
    cutoff = datetime.combine(today - timedelta(days=ROSTER_ROWS_KEPT_DAYS), time.min, tzinfo=UTC)
    old = db.session.scalars(select(RosterImport).where(RosterImport.uploaded_at < cutoff))
    emptied = [staged for staged in old if staged.rows]  # (JSON has no equality in PostgreSQL)
    for staged in emptied:
        staged.rows = []
    return len(emptied)
