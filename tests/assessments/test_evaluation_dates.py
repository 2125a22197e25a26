"""A classroom session cannot be dated in the future, nor before what it assessed was loaded: the
cohort-wide and single-trainee practical forms and the paper quiz form refuse it, in the trainer's
language, and record nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from assessments.models import Rubric
from courses.models import CourseVersion
from lms.db import utcnow
from tests.helpers import submit, table_counts

LOADED = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def setting(client, login_as, make_user, make_cohort, course, db_session):
    """A French-speaking trainer's cohort of one trainee; the course and its rubrics first loaded
    on 1 March 2025."""
    db_session.execute(update(CourseVersion).values(loaded_at=LOADED))
    db_session.execute(update(Rubric).values(loaded_at=LOADED))
    db_session.commit()
    trainer = login_as("trainer", preferred_language="fr")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee], courses=[course])
    return cohort, trainee


def _forms(cohort, trainee):
    """Each form with a complete, valid row: (url, data without the date)."""
    practical = {
        f"include-{trainee.id}": "1",
        f"seconds-{trainee.id}": "45",
        **{f"met-{trainee.id}-c{n}": "1" for n in range(1, 13)},  # every SAF-P1 criterion
    }
    paper = {
        f"include-{trainee.id}": "1",
        f"pct-{trainee.id}-SEA-1": "90",
        f"pct-{trainee.id}-SEA-2": "85",
    }
    return {
        "cohort practical": (f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1", practical),
        "single practical": (
            f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1?trainee={trainee.id}",
            practical,
        ),
        "paper quiz": (f"/evaluations/cohorts/{cohort.id}/paper/mini-course", paper),
    }


@pytest.mark.parametrize("form", ["cohort practical", "single practical", "paper quiz"])
def test_a_session_in_the_future_is_refused(client, setting, db_session, form):
    url, data = _forms(*setting)[form]
    before = table_counts(db_session)
    for day in (utcnow().date() + timedelta(days=2), datetime(2999, 1, 1).date()):
        response = submit(client, url, {"observed_on": day.isoformat(), **data})
        assert response.status_code == 400
        assert "La date de la séance est dans le futur." in response.get_data(as_text=True)
    assert table_counts(db_session) == before


@pytest.mark.parametrize("form", ["cohort practical", "single practical", "paper quiz"])
def test_a_session_before_the_course_was_loaded_is_refused(client, setting, db_session, form):
    url, data = _forms(*setting)[form]
    before = table_counts(db_session)
    for day in ("2025-02-27", "1900-01-01"):
        response = submit(client, url, {"observed_on": day, **data})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "La date de la séance est antérieure au 2025-03-01" in page
    assert table_counts(db_session) == before


@pytest.mark.parametrize("form", ["cohort practical", "single practical", "paper quiz"])
def test_a_session_since_the_course_was_loaded_is_recorded(client, setting, db_session, form):
    url, data = _forms(*setting)[form]
    before = table_counts(db_session)
    response = submit(client, url, {"observed_on": "2025-03-01", **data})
    assert response.status_code == 302
    assert table_counts(db_session)["evaluations"] > before["evaluations"]
