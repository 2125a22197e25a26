"""Login slips as a job on a real queue: the request only creates the job and enqueues it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lms import tasks
from lms.jobs import Job
from tests.helpers import count_statements, csrf_token


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}


def _queries_to_start(client, connection, cohort_id: int) -> tuple[int, Any]:
    token = csrf_token(client, f"/cohorts/{cohort_id}")
    return count_statements(
        connection,
        lambda: client.post(f"/cohorts/{cohort_id}/slips.pdf", data={"csrf_token": token}),
    )


def test_starting_the_slips_of_200_trainees_is_a_few_queries_and_a_redirect(
    app, client, connection, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer")
    small = make_cohort(trainers=[trainer], members=[make_user("trainee", temporary=True)])
    large = make_cohort(
        trainers=[trainer], members=[make_user("trainee", temporary=True) for _ in range(200)]
    )
    few, _ = _queries_to_start(client, connection, small.id)
    many, response = _queries_to_start(client, connection, large.id)
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    assert len(response.data) < 1000
    assert many == few <= 12, (few, many)
    jobs = db_session.scalars(select(Job).where(Job.started_by_id == trainer.id)).all()
    assert [job.state for job in jobs] == ["queued", "queued"]  # waiting for a worker
    assert tasks.huey_of(app).pending_count() == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "<progress" in page


def test_the_slips_go_through_a_real_consumer_and_their_pins_work(
    app, client, login_as, make_user, make_cohort, db_session
):
    import re
    import subprocess
    import time

    from huey.consumer import Consumer

    from tests.helpers import sign_in

    trainer = login_as("trainer")
    trainee = make_user("trainee", temporary=True)
    cohort = make_cohort(trainers=[trainer], members=[trainee])
    _, response = _queries_to_start(client, db_session.connection(), cohort.id)
    job_page = response.headers["Location"]
    job_id = int(job_page.rsplit("/", 1)[1])
    consumer = Consumer(
        tasks.huey_of(app), workers=1, worker_type="thread", initial_delay=0.05, periodic=False
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db_session.expire_all()
            if db_session.get(Job, job_id).state in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    job = db_session.get(Job, job_id)
    assert (job.state, job.done, job.total) == ("done", 1, 1)
    pdf = client.get(job_page + "/result")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    pin = re.search(rf"{trainee.service_number}.*?(\d{{6}})", text, flags=re.S)
    assert pin
    assert sign_in(app.test_client(), trainee.service_number, pin.group(1)).status_code == 302


def test_slips_in_parts_give_one_pin_per_trainee_however_often_a_part_runs(
    app, client, login_as, make_user, make_cohort, db_session
):
    import io
    import re
    import subprocess

    from pypdf import PdfReader

    from accounts.models import User
    from accounts.passwords import verify_secret
    from cohorts.tasks import SLIPS_PART, login_slips_final, login_slips_part
    from lms import jobs
    from lms.db import db
    from lms.jobs import JobPart

    trainer = login_as("trainer")
    trainees = [make_user("trainee", temporary=True) for _ in range(SLIPS_PART + 3)]
    cohort = make_cohort(trainers=[trainer], members=trainees)
    _, response = _queries_to_start(client, db_session.connection(), cohort.id)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert db_session.get(Job, job_id).parts == 2

    def run(task, *args):  # as a worker would: the task's writes committed at its end
        with app.app_context():
            task(*args)
            db.session.commit()

    def part_files() -> list[str]:  # a part's PINs and hashes, and its slips (.pdf)
        with app.app_context():
            folder = jobs.results_folder()
        return sorted({path.stem for path in folder.glob(f"{job_id}-slips-part-*")})

    run(jobs.plan, job_id)  # the job runs; its parts wait on the queue
    run(login_slips_part, job_id, 0)
    first = db_session.get(JobPart, (job_id, 0)).outcome
    run(login_slips_part, job_id, 0)  # delivered again: done already, no new PINs
    db_session.expire_all()
    assert db_session.get(JobPart, (job_id, 0)).outcome == first
    assert first["trainees"] == first["pins"] == SLIPS_PART and len(part_files()) == 1
    unchanged = {t.id: t.credential_hash for t in trainees}
    run(login_slips_part, job_id, 1)
    assert len(part_files()) == 2
    for trainee in trainees:  # nothing written before the final step
        assert db_session.get(User, trainee.id).credential_hash == unchanged[trainee.id]
    run(login_slips_final, job_id)
    db_session.expire_all()
    job = db_session.get(Job, job_id)
    assert (job.state, job.done, job.total) == ("done", len(trainees), len(trainees))
    assert part_files() == []  # the PINs in clear are only in the result now
    hashes = {t.id: db_session.get(User, t.id).credential_hash for t in trainees}
    run(login_slips_final, job_id)  # delivered again: nothing changes
    run(login_slips_part, job_id, 1)
    db_session.expire_all()
    assert {t.id: db_session.get(User, t.id).credential_hash for t in trainees} == hashes
    text = subprocess.run(
        ["pdftotext", "-", "-"],
        input=client.get(f"/jobs/{job_id}/result").data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    pins = re.findall(r"\b\d{6}\b", text)  # the slips sit side by side: match by hash
    assert len(pins) == len(trainees)
    with app.app_context():
        for trainee in trainees:
            assert sum(verify_secret(hashes[trainee.id], pin) for pin in pins) == 1
    # The parts' slips, rendered apart, are joined in name order: 8 full slips a page, the
    # second part's on the page after the first part's three.
    result = client.get(f"/jobs/{job_id}/result").data
    by_name = [t.service_number for t in sorted(trainees, key=lambda t: (t.full_name, t.id))]
    pages = []
    for number in range(1, 5):
        pages.append(
            subprocess.run(
                ["pdftotext", "-f", str(number), "-l", str(number), "-", "-"],
                input=result,
                capture_output=True,
                check=True,
            ).stdout.decode()
        )
    assert len(PdfReader(io.BytesIO(result)).pages) == 4
    for number, page in enumerate(pages):
        assert all(code in page for code in by_name[number * 8 : (number + 1) * 8])


def test_each_slip_is_in_its_trainees_language(
    app, client, login_as, make_user, make_cohort, db_session, tmp_path
):
    """The trainer prints in English; an Arabic and a Russian trainee read their slips in theirs."""
    from tests.helpers import poppler

    trainer = login_as("trainer")
    arabic = make_user(
        "trainee", temporary=True, preferred_language="ar", full_name="ليلى حسن", rank="Sgt"
    )
    russian = make_user(
        "trainee", temporary=True, preferred_language="ru", full_name="Анна Петрова", rank="Capt"
    )
    english = make_user("trainee", temporary=True, full_name="John Smith", rank="Havildar")
    cohort = make_cohort(trainers=[trainer], members=[arabic, russian, english])
    _, response = _queries_to_start(client, db_session.connection(), cohort.id)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from cohorts.tasks import login_slips_final, login_slips_part
    from lms import jobs
    from lms.db import db

    for task, *args in [
        (jobs.plan, job_id),
        (login_slips_part, job_id, 0),
        (login_slips_final, job_id),
    ]:
        with app.app_context():  # as a worker would: each task's writes committed at its end
            task(*args)
            db.session.commit()
    pdf = client.get(f"/jobs/{job_id}/result")
    assert pdf.status_code == 200
    text = poppler("pdftotext", pdf.data, tmp_path)
    assert text.count("Service number") == 1  # John's slip only
    assert text.count("Личный номер") == 1  # Anna's
    assert "رقم الخدمة" in text  # Layla's (label and hint)
    # Each rank in its slip's language; one the vocabulary does not know, as entered.
    assert "رقيب" in text and "Капитан" in text and "Havildar" in text
    assert "Sgt" not in text and "Capt" not in text
