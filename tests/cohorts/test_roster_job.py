"""A large roster is checked as a job: the same report as in the request, nothing imported before
the trainer confirms, nothing at all when a row has an error; the upload is deleted after."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts.models import User
from cohorts.models import RosterImport
from lms import jobs
from lms.jobs import Job
from tests.helpers import csrf_token, submit
from tests.helpers import upload_roster as upload

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def cohort(make_cohort, login_as, course):
    return make_cohort(trainers=[login_as("trainer")], courses=[course], name="NEPBATT 3")


def _trainees(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(User.id)).where(User.role == "trainee"))


def _kept_inputs(app) -> list[Path]:
    with app.app_context():
        folder = jobs.results_folder()
    return list(folder.glob("input-*"))


def test_a_large_roster_gets_the_same_report_from_a_job(app, client, cohort, db_session):
    content = (DATA / "roster-bad.csv").read_bytes()
    before = _trainees(db_session)
    inline = upload(client, cohort, content, "roster-bad.csv")
    assert inline.status_code == 302 and "/roster/" in inline.headers["Location"]
    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 3
    response = upload(client, cohort, content, "roster-bad.csv")
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    job = db_session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (job.kind, job.state) == ("roster_check", "done")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "9 with problems" in page and "Review the roster" in page
    staged = db_session.scalars(select(RosterImport).order_by(RosterImport.id)).all()
    assert len(staged) == 2 and staged[0].rows == staged[1].rows
    assert staged[0].error_count == staged[1].error_count == 9
    preview = f"/cohorts/{cohort.id}/roster/{staged[1].id}"
    assert f'href="{preview}"' in page
    assert "9 lines have errors" in client.get(preview).get_data(as_text=True)
    confirm = submit(client, preview, {}, action=preview + "/confirm")
    assert confirm.status_code == 409 and _trainees(db_session) == before  # nothing written
    assert _kept_inputs(app) == []  # the upload is gone


def test_a_large_roster_that_imports_cleanly(app, client, cohort, db_session):
    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 3
    response = upload(client, cohort, (DATA / "roster-sample.csv").read_bytes(), "sample.csv")
    job = db_session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.state == "done" and job.outcome["errors"] == 0 and job.total > 3
    staged = db_session.scalars(select(RosterImport)).one()
    url = f"/cohorts/{cohort.id}/roster/{staged.id}"
    assert submit(client, url, {}, action=url + "/confirm").status_code == 302
    assert _trainees(db_session) == job.total


def test_an_unreadable_large_roster_fails_with_the_reason_in_the_users_language(
    app, client, make_cohort, login_as, db_session
):
    cohort = make_cohort(trainers=[login_as("trainer", preferred_language="fr")])
    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 3
    content = b"name;rank\n" + b"Someone;Sgt\n" * 10
    response = upload(client, cohort, content, "roster.csv")
    job = db_session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (job.state, job.error) == ("failed", "invalid_file")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "service_number" in page and "lacks the columns" not in page  # said in French
    assert db_session.scalar(select(func.count(RosterImport.id))) == 0
    assert _kept_inputs(app) == []


def test_a_roster_for_a_cohort_the_trainer_does_not_run_starts_nothing(
    app, client, login_as, make_user, make_cohort, db_session
):
    own = make_cohort(trainers=[login_as("trainer")])
    others = make_cohort(trainers=[make_user("trainer")])
    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 3
    content = (DATA / "roster-sample.csv").read_bytes()
    response = client.post(
        f"/cohorts/{others.id}/roster",
        data={
            "csrf_token": csrf_token(client, f"/cohorts/{own.id}"),
            "roster": (io.BytesIO(content), "r.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert db_session.scalar(select(func.count(Job.id))) == 0 and _kept_inputs(app) == []


def test_the_rows_of_a_file_are_estimated_without_reading_its_cells():
    from openpyxl import Workbook

    from cohorts.roster import estimated_rows

    workbook = Workbook()
    workbook.active.append(["service_number", "full_name", "rank", "unit", "email"])
    for n in range(1000):
        workbook.active.append([f"NP-{n:06d}", f"Trainee {n}", "Sergeant", "1 Bn", f"t{n}@x.org"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert 500 <= estimated_rows(buffer.getvalue(), "r.xlsx") <= 2000  # within a factor of two
    assert estimated_rows(b"a,b\n1,2\n3,4\n", "r.csv") == 3
    assert estimated_rows(b"PK not a zip", "r.xlsx") == 0  # parse_roster says so, at once


def test_a_roster_over_the_row_limit_is_refused_by_its_job_as_in_the_request(
    app, client, cohort, db_session
):
    from cohorts.roster import MAX_ROWS

    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 3
    lines = "".join(f"SN-{n},Trainee {n}\n" for n in range(MAX_ROWS + 1))
    response = upload(client, cohort, ("service_number,full_name\n" + lines).encode(), "r.csv")
    job = db_session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (job.state, job.error) == ("failed", "invalid_file")
    assert f"The file has more than {MAX_ROWS} rows." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert db_session.scalar(select(func.count(RosterImport.id))) == 0
    huge = b"service_number,full_name\n" + b"\n" * 50_000  # too many lines on its face
    refused = upload(client, cohort, huge, "r.csv")
    assert refused.status_code == 400 and "more than" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Job.id))) == 1  # no job for that one
