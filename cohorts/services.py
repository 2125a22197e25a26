"""Cohort logic: which cohorts a trainer may see (the cohorts issue adds the rest)."""

from __future__ import annotations

from sqlalchemy import select

from accounts.models import User
from cohorts.models import Cohort, cohort_members, cohort_trainers
from lms.db import db


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
