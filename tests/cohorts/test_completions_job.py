"""A cohort's evaluation form: the request records the evidence; completions and certificates of
many trainees are a job in parts (announced once, issued once)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from accounts.models import User
from certificates.models import Certificate
from cohorts.tasks import COMPLETIONS_INLINE_UP_TO, COMPLETIONS_PART
from lms import tasks
from lms.db import utcnow
from lms.jobs import Job, JobPart
from tests.conftest import DEFAULT_CENTRE_ID
from tests.helpers import complete_every_lesson, count_statements, csrf_token

TODAY = utcnow().date().isoformat()
_numbers = itertools.count(1)


def _trainees(db_session, count: int) -> list[User]:
    """Many trainees at once (a bulk insert, not a user at a time)."""
    people = [
        User(
            role="trainee",
            full_name=f"Trainee {n:04d}",
            service_number=f"BULK-{next(_numbers)}",
            credential_hash="not-a-hash",
            centre_id=DEFAULT_CENTRE_ID,
            nationality="NPL",
            preferred_language="en",
        )
        for n in range(count)
    ]
    db_session.add_all(people)
    db_session.commit()
    return people


def _tourniquet_rows(trainees: list[User]) -> dict[str, str]:
    data = {"observed_on": TODAY}
    for trainee in trainees:
        data[f"include-{trainee.id}"] = "1"
        data[f"seconds-{trainee.id}"] = "40"
        data |= {f"met-{trainee.id}-c{n}": "1" for n in range(1, 13)}  # every SAF-P1 criterion
    return data


def _post_counting(client, connection, url: str, data: dict[str, str]) -> tuple[int, Any]:
    data = {**data, "csrf_token": csrf_token(client, url)}
    return count_statements(connection, lambda: client.post(url, data=data))


class TestOnARealQueue:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}

    def test_recording_a_practical_for_1000_trainees_costs_what_it_costs_for_a_dozen(
        self, app, client, connection, login_as, make_cohort, load_course, db_session
    ):
        load_course()
        trainer = login_as("trainer")
        dozen = make_cohort(trainers=[trainer], members=_trainees(db_session, 12))
        thousand = make_cohort(trainers=[trainer], members=_trainees(db_session, 1000))
        few, small = _post_counting(
            client,
            connection,
            f"/evaluations/cohorts/{dozen.id}/practical/SAF-P1",
            _tourniquet_rows(dozen.members),
        )
        many, large = _post_counting(
            client,
            connection,
            f"/evaluations/cohorts/{thousand.id}/practical/SAF-P1",
            _tourniquet_rows(thousand.members),
        )
        for response in (small, large):
            assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
            assert len(response.data) < 1000
        # The same statements whatever the size (the rows go in batches of many).
        assert many <= few + 4 and many <= 40, (few, many)
        jobs = db_session.scalars(select(Job).order_by(Job.id)).all()
        assert [(job.state, job.total) for job in jobs] == [("queued", 12), ("queued", 1000)]
        assert jobs[1].parts == -(-1000 // COMPLETIONS_PART)
        assert tasks.huey_of(app).pending_count() == 2  # one planning task each, for a worker
        page = client.get(large.headers["Location"]).get_data(as_text=True)
        assert "You can leave this page" in page and "<progress" in page

    def test_a_trainee_removed_from_the_cohort_meanwhile_is_skipped_and_said_so(
        self, app, client, completed_cohort, db_session
    ):
        from cohorts.models import cohort_members
        from cohorts.tasks import complete_courses
        from lms.db import db
        from lms.jobs import plan
        from tests.conftest import TEST_SECRET
        from tests.helpers import sign_in, submit

        trainer, cohort, trainees = completed_cohort
        sign_in(client, trainer.sign_in_name, TEST_SECRET)
        url = f"/evaluations/cohorts/{cohort.id}/paper/mini-course"
        response = submit(client, url, _paper_form(trainees))
        job_id = int(response.headers["Location"].rsplit("/", 1)[1])
        leaver = trainees[3]
        db_session.execute(
            cohort_members.delete().where(
                cohort_members.c.cohort_id == cohort.id, cohort_members.c.user_id == leaver.id
            )
        )
        db_session.commit()  # removed after the form was sent, before a worker took the job
        with app.app_context():
            for step in (lambda: plan(job_id), lambda: complete_courses(job_id, 0)):
                step()
                db.session.commit()
        db_session.expire_all()
        job = db_session.get(Job, job_id)
        assert job.state == "done"
        assert job.outcome == {
            "trainees": len(trainees) - 1,
            "completed": len(trainees) - 1,
            "issued": len(trainees) - 1,
            "skipped": 1,
        }
        holders = set(db_session.scalars(select(Certificate.trainee_id)))
        assert holders == {t.id for t in trainees} - {leaver.id}
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Skipped, no longer in the cohort: 1." in page
        with app.app_context():  # the part delivered again: nothing more, nothing twice
            job = db.session.get(Job, job_id)
            job.state = "running"
            db.session.commit()
            complete_courses(job_id, 0)
            db.session.commit()
        assert db_session.scalar(select(func.count(Certificate.id))) == len(trainees) - 1


@pytest.fixture
def completed_cohort(app, make_user, make_cohort, course, db_session):
    """A trainer and a cohort of trainees who have done every lesson of the mini course."""
    trainer = make_user("trainer")
    trainees = [make_user("trainee") for _ in range(COMPLETIONS_INLINE_UP_TO + 2)]
    cohort = make_cohort(trainers=[trainer], members=trainees, courses=[course])
    complete_every_lesson(app, trainer, trainees, course)
    return trainer, cohort, trainees


def _paper_form(trainees: list[User], percent: str = "90") -> dict[str, str]:
    data = {"observed_on": TODAY}
    for trainee in trainees:
        data |= {f"include-{trainee.id}": "1", f"pct-{trainee.id}-SEA-1": percent}
        data |= {f"pct-{trainee.id}-SEA-2": percent}
    return data


def test_a_completion_is_announced_once_however_many_forms_follow(
    app, client, completed_cohort, db_session
):
    from lms.events import course_completed
    from tests.conftest import TEST_SECRET
    from tests.helpers import sign_in, submit

    trainer, cohort, trainees = completed_cohort
    announced: list[int] = []

    def note(_app: Any, trainee: User, **_: Any) -> None:
        announced.append(trainee.id)

    sign_in(client, trainer.sign_in_name, TEST_SECRET)
    url = f"/evaluations/cohorts/{cohort.id}/paper/mini-course"
    with course_completed.connected_to(note):
        first = submit(client, url, _paper_form(trainees))
        again = submit(client, url, _paper_form(trainees, "95"))
        one = submit(client, f"{url}?trainee={trainees[0].id}", _paper_form(trainees[:1], "99"))
    assert first.status_code == again.status_code == 303 and one.status_code == 302
    assert sorted(announced) == sorted(t.id for t in trainees)  # the first form only
    assert db_session.scalar(select(func.count(Certificate.id))) == len(trainees)
    outcomes = [job.outcome for job in db_session.scalars(select(Job).order_by(Job.id))]
    assert outcomes == [
        {"trainees": len(trainees), "completed": len(trainees), "issued": len(trainees)}
        | {"skipped": 0},
        {"trainees": len(trainees), "completed": 0, "issued": 0, "skipped": 0},
    ]


def test_a_part_run_again_issues_nothing_twice(app, client, completed_cohort, db_session):
    from cohorts.tasks import complete_courses
    from lms.db import db
    from tests.conftest import TEST_SECRET
    from tests.helpers import sign_in, submit

    trainer, cohort, trainees = completed_cohort
    sign_in(client, trainer.sign_in_name, TEST_SECRET)
    response = submit(
        client, f"/evaluations/cohorts/{cohort.id}/paper/mini-course", _paper_form(trainees)
    )
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    before = db_session.scalar(select(func.count(Certificate.id)))
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.state = "running"  # as if the part's task were delivered again while it runs
        db.session.commit()
        complete_courses(job_id, 0)  # its part row is there: nothing is done again
        db.session.execute(JobPart.__table__.delete().where(JobPart.job_id == job_id))
        db.session.commit()
        complete_courses(job_id, 0)  # even without it: the completions were announced already
        db.session.commit()
    assert db_session.scalar(select(func.count(Certificate.id))) == before == len(trainees)


def test_a_form_for_a_cohort_the_trainer_does_not_run_starts_nothing(
    client, login_as, make_user, make_cohort, course, db_session
):
    from tests.helpers import submit

    login_as("trainer")
    others = make_cohort(trainers=[make_user("trainer")], members=[make_user("trainee")])
    response = submit(client, f"/evaluations/cohorts/{others.id}/paper/mini-course", {})
    assert response.status_code == 404
    assert db_session.scalar(select(func.count(Job.id))) == 0
