"""A large cohort's readiness report and exports are jobs; a small cohort's answer at once, and
both ways give the same file."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cohorts.reports import REPORTS
from lms import tasks
from lms.jobs import Job
from tests.conftest import TEST_SECRET
from tests.helpers import add_certificate, add_trainees, count_statements, csrf_token, sign_in

URLS = {
    "readiness-report.pdf": "/cohorts/{id}/readiness.pdf",
    **{name: "/cohorts/{id}/export/" + name for name in REPORTS[1:]},
}


def _job_id(response: Any) -> int:
    assert response.status_code == 303, response.status_code
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _start(client: Any, url: str) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client, url)})


def _same_content(report: str, inline: bytes, from_job: bytes) -> None:
    if report.endswith(".xlsx"):  # a workbook carries the time it was written: compare cells

        def cells(data: bytes) -> list[tuple[Any, ...]]:
            return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

        assert cells(inline) == cells(from_job) and len(cells(inline)) == 4
    else:
        assert inline == from_job


@pytest.fixture
def small_threshold(app: Any) -> None:
    app.config["JOB_THRESHOLD_TRAINEES"] = 2


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_from_a_job_is_the_file_the_request_gives(
    app, client, login_as, make_cohort, course, db_session, small_threshold, report
):
    trainer = login_as("trainer")
    trainees = add_trainees(db_session, 3)
    add_certificate(db_session, trainees[0], course, date.today() + timedelta(days=300))
    db_session.commit()
    cohort = make_cohort(trainers=[trainer], members=trainees, courses=[course])
    url = URLS[report].format(id=cohort.id)
    page = client.get(url)  # above the threshold: a page whose form starts the job
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Job.id))) == 0
    job_id = _job_id(_start(client, url))
    from_job = client.get(f"/jobs/{job_id}/result")
    assert from_job.status_code == 200
    app.config["JOB_THRESHOLD_TRAINEES"] = 3  # the same cohort, now small enough: at once
    inline = client.get(url)
    assert inline.status_code == 200 and inline.mimetype == from_job.mimetype
    assert inline.headers["Content-Disposition"] == from_job.headers["Content-Disposition"]
    _same_content(report, inline.data, from_job.data)


def test_a_report_job_is_for_a_managing_trainer_and_its_result_for_them_only(
    app, client, login_as, make_user, make_cohort, db_session, small_threshold
):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=add_trainees(db_session, 3))
    others = make_cohort(trainers=[make_user("trainer")], members=add_trainees(db_session, 3))
    url = f"/cohorts/{others.id}/export/matrix.csv"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"csrf_token": csrf_token(client, "/jobs/")}).status_code == 404
    own = f"/cohorts/{cohort.id}/export/matrix.csv"
    assert client.post(own, data={}).status_code == 400  # no CSRF token
    assert db_session.scalar(select(func.count(Job.id))) == 0
    job_id = _job_id(_start(client, own))
    assert client.get(f"/jobs/{job_id}/result").data.startswith("\ufeff".encode())
    for role in ("trainer", "admin"):
        other = app.test_client()
        sign_in(other, make_user(role).sign_in_name, TEST_SECRET)
        assert other.get(f"/jobs/{job_id}/result").status_code == 404, role


def test_a_report_of_a_cohort_the_trainer_no_longer_runs_fails_with_a_reason(
    client, login_as, make_user, make_cohort, db_session, small_threshold
):
    from cohorts.models import cohort_trainers

    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=add_trainees(db_session, 3))
    job_id = _job_id(_start(client, f"/cohorts/{cohort.id}/readiness.pdf"))
    db_session.execute(cohort_trainers.delete().where(cohort_trainers.c.cohort_id == cohort.id))
    job = db_session.get(Job, job_id)
    job.state, job.result_path = "failed", None  # as if its first run had failed; then retried
    db_session.commit()
    client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf_token(client, "/jobs/")})
    db_session.expire_all()
    assert db_session.get(Job, job_id).error == "not_found"
    assert "no longer exists" in client.get(f"/jobs/{job_id}").get_data(as_text=True)


class TestOnARealQueue:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}

    def test_starting_a_report_for_1000_trainees_costs_what_it_costs_for_300(
        self, app, client, connection, login_as, make_cohort, course, db_session
    ):
        assert app.config["JOB_THRESHOLD_TRAINEES"] == 200  # the default
        trainer = login_as("trainer")
        cohorts = [
            make_cohort(trainers=[trainer], members=add_trainees(db_session, n), courses=[course])
            for n in (300, 1000)
        ]
        for template in (URLS["readiness-report.pdf"], URLS["readiness.xlsx"]):
            counts = []
            for cohort in cohorts:
                url = template.format(id=cohort.id)
                token = csrf_token(client, url)
                count, response = count_statements(
                    connection, lambda u=url, t=token: client.post(u, data={"csrf_token": t})
                )
                _job_id(response)
                assert len(response.data) < 1000
                counts.append(count)
            assert counts[0] == counts[1] <= 12, (template, counts)
        jobs = db_session.scalars(select(Job).order_by(Job.id)).all()
        assert [(job.state, job.total) for job in jobs] == [("queued", 300), ("queued", 1000)] * 2
        assert tasks.huey_of(app).pending_count() == 4
