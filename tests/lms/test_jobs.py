"""Jobs: progress pages, results for their owner only, failures with a retry (login slips as the job)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms import jobs
from lms.db import utcnow
from lms.jobs import Job
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, print_slips, sign_in


def _slips_job(client, login_as, make_user, make_cohort, db_session):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=[make_user("trainee", temporary=True)])
    pdf = print_slips(client, cohort.id)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"
    job = db_session.scalars(select(Job).where(Job.started_by_id == trainer.id)).one()
    return trainer, cohort, job


def test_a_finished_job_is_listed_with_its_download(
    app, client, login_as, make_user, make_cohort, db_session
):
    _, cohort, job = _slips_job(client, login_as, make_user, make_cohort, db_session)
    assert (job.state, job.done, job.total) == ("done", 1, 1)
    assert job.result_expires_at > utcnow() + timedelta(hours=23)
    with app.app_context():  # it carries PINs: the service's user only
        assert jobs.result_file(job).stat().st_mode & 0o777 == 0o600
    page = client.get("/jobs/").get_data(as_text=True)
    assert "Login slips" in page and f'href="/jobs/{job.id}/result"' in page
    assert f"login-slips-cohort-{cohort.id}.pdf" in page


def test_another_trainer_can_neither_see_nor_download_the_result(
    app, client, login_as, make_user, make_cohort, db_session
):
    _, _, job = _slips_job(client, login_as, make_user, make_cohort, db_session)
    for role in ("trainer", "admin"):
        other = app.test_client()
        sign_in(other, make_user(role).sign_in_name, TEST_SECRET)
        for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/result", f"/jobs/{job.id}/status.json"):
            assert other.get(url).status_code == 404, (role, url)
        assert f"/jobs/{job.id}" not in other.get("/jobs/").get_data(as_text=True)
    assert app.test_client().get(f"/jobs/{job.id}/result").status_code == 302  # sign in first


def test_an_expired_result_is_no_longer_served(
    client, login_as, make_user, make_cohort, db_session
):
    _, _, job = _slips_job(client, login_as, make_user, make_cohort, db_session)
    job.result_expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
    assert "no longer kept" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def _job(db_session, user, **fields):
    job = Job(
        kind="login_slips",
        task="cohorts.login_slips",
        started_by_id=user.id,
        centre_id=user.centre_id,
        arguments={"cohort_id": 999999, "language": "en"},
        **fields,
    )
    db_session.add(job)
    db_session.commit()
    return job


def test_a_running_job_shows_its_progress_and_refreshes_itself(client, login_as, db_session):
    trainer = login_as("trainer")
    job = _job(db_session, trainer, state="running", done=40, total=200)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert 'max="200" value="40"' in page and "<progress" in page
    assert "You can leave this page; the result will be under Jobs." in page
    assert re.search(r'src="/static/js/job-progress\.[0-9a-f]{12}\.js"', page)
    assert "<script>" not in page  # no inline script (CSP)
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status == {"state": "running", "done": 40, "total": 200}


def test_a_failed_job_says_why_in_the_users_language_and_can_be_retried(
    client, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer", preferred_language="fr")
    job = _job(db_session, trainer, state="failed", error="not_found")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert str(jobs.FAILURE_REASONS["not_found"]) not in page  # the English text
    assert 'http-equiv="refresh"' not in page and "/retry" in page
    # Retried, it runs again (at once in the tests) and fails again for the same reason.
    token = csrf_token(client, f"/jobs/{job.id}")
    response = client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    db_session.expire_all()
    again = db_session.get(Job, job.id)
    assert again.state == "failed" and again.error == "not_found" and again.started_at
    assert client.post(f"/jobs/{job.id}/retry", data={}).status_code == 400  # CSRF


def test_a_retried_job_that_can_succeed_succeeds(
    client, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=[make_user("trainee", temporary=True)])
    job = _job(db_session, trainer, state="failed", error="error")
    job.arguments = {"cohort_id": cohort.id, "language": "en"}
    db_session.commit()
    assert "error on the server" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    token = csrf_token(client, f"/jobs/{job.id}")
    assert client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token}).status_code == 303
    db_session.expire_all()
    assert db_session.get(Job, job.id).state == "done"
    assert client.get(f"/jobs/{job.id}/result").data.startswith(b"%PDF")


def test_a_job_that_succeeded_is_not_retried(client, login_as, make_user, make_cohort, db_session):
    _, _, job = _slips_job(client, login_as, make_user, make_cohort, db_session)
    finished = job.finished_at
    token = csrf_token(client, f"/jobs/{job.id}")
    response = client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Only a job that failed can be tried again." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Job, job.id).finished_at == finished


def test_slips_whose_cohort_changed_meanwhile_fail_and_change_no_pin(
    client, login_as, make_user, make_cohort, db_session, monkeypatch
):
    import cohorts.tasks
    from accounts.models import User
    from cohorts.models import cohort_members
    from lms.db import db

    trainer = login_as("trainer")
    stays, leaves = make_user("trainee", temporary=True), make_user("trainee", temporary=True)
    cohort = make_cohort(trainers=[trainer], members=[stays, leaves])
    render = cohorts.tasks.render_slips

    def render_while_a_trainee_leaves(context):
        db.session.execute(cohort_members.delete().where(cohort_members.c.user_id == leaves.id))
        return render(context)

    monkeypatch.setattr(cohorts.tasks, "render_slips", render_while_a_trainee_leaves)
    token = csrf_token(client, f"/cohorts/{cohort.id}")
    response = client.post(f"/cohorts/{cohort.id}/slips.pdf", data={"csrf_token": token})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "What the job was started for has changed meanwhile. Try again." in page
    db_session.expire_all()
    for trainee in (stays, leaves):
        assert db_session.get(User, trainee.id).credential_hash == trainee.credential_hash
    assert client.get(response.headers["Location"] + "/result").status_code == 404


def test_slips_of_a_cohort_the_trainer_no_longer_runs_fail(
    client, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer")
    job = _job(db_session, trainer, state="failed", error="error")
    other = make_cohort(trainers=[make_user("trainer")], members=[make_user("trainee")])
    job.arguments = {"cohort_id": other.id, "language": "en"}
    db_session.commit()
    token = csrf_token(client, f"/jobs/{job.id}")
    client.post(f"/jobs/{job.id}/retry", data={"csrf_token": token})
    db_session.expire_all()
    assert db_session.get(Job, job.id).error == "not_found"


def test_expired_results_and_old_leftovers_are_deleted_but_kept_results_stay(
    app, client, login_as, make_user, make_cohort, db_session
):
    import os

    _, _, job = _slips_job(client, login_as, make_user, make_cohort, db_session)
    with app.app_context():
        kept = jobs.result_file(job)
        folder = jobs.results_folder()
        leftover = folder / jobs.keep_input(b"a roster whose job never ran")
        fresh = folder / jobs.keep_input(b"an upload waiting for its job")
        day_ago = utcnow().timestamp() - (jobs.RESULT_KEPT_HOURS + 1) * 3600
        os.utime(leftover, (day_ago, day_ago))
        os.utime(kept, (day_ago, day_ago))  # old, but its job still offers it
        assert jobs.clean_results() == 1
        assert kept.is_file() and fresh.is_file() and not leftover.exists()
    job.result_expires_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    with app.app_context():
        assert jobs.clean_results() == 1 and not kept.exists()
