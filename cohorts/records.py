"""The cohorts' part of a person's own record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from accounts.models import User
from cohorts.models import Cohort, cohort_members
from lms.db import db


def cohorts_record(user: User) -> list[dict[str, Any]]:
    """The cohorts the person belongs to."""
    cohorts = db.session.scalars(
        select(Cohort)
        .join(cohort_members, cohort_members.c.cohort_id == Cohort.id)
        .where(cohort_members.c.user_id == user.id)
        .order_by(Cohort.name)
    ).all()
    return [
        {
            "name": cohort.name,
            "country": cohort.country,
            "unit": cohort.unit,
            "mission": cohort.mission,
            "deployment_date": cohort.deployment_date.isoformat()
            if cohort.deployment_date
            else None,
        }
        for cohort in cohorts
    ]


def personal_record(user: User) -> dict[str, Any]:
    """This domain's sections of a person's own record (the `personal_record` extension point)."""
    return {
        "cohorts": cohorts_record(user),
    }
