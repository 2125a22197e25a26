"""Crash safety: a worker killed (SIGKILL) in the middle of a cohort's certificates; after a
restart the job completes, every certificate issued exactly once. Real processes, a real queue
(the embedded SQLite one and Redis), a database of its own (the worker cannot see the test's
transaction)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from accounts.models import User
from app import create_app
from certificates.models import Certificate
from cohorts.tasks import COMPLETIONS_PART
from lms import migrate
from lms.audit import AuditEvent
from lms.db import db, utcnow
from lms.jobs import Job, JobPart
from tests.conftest import DEFAULT_CENTRE_ID, TEST_SECRET, base_config
from tests.helpers import complete_every_lesson, scratch_database, sign_in, submit

TRAINEES = 4 * COMPLETIONS_PART
STALE_SECONDS = 3
ROOT = Path(__file__).resolve().parents[2]


# The slowest tests of the suite (about 35 s each) run on the two set-ups that exist: the embedded
# one (SQLite database, SQLite queue) in the SQLite run of `make test`, and production's
# (PostgreSQL, Redis) in the PostgreSQL run. Mixed pairs add nothing the queue's own tests
# (tests/lms/test_tasks.py, on both queues) do not already show.
SERVER_DATABASE = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if (request.param == "redis") != SERVER_DATABASE:
        pytest.skip(f"the {request.param} queue runs with the other database of `make test`")
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture
def own_app(tmp_path: Path, queue_url: str) -> Iterator[Flask]:
    """An app on a database of its own, whose tasks go to the queue (not run in the request)."""
    with scratch_database(tmp_path, "crash") as url:
        migrate.upgrade(url)
        app = create_app(
            {
                **base_config(url),
                "TASK_QUEUE_IMMEDIATE": False,
                "TASK_QUEUE_URL": queue_url,
                "JOB_RESULTS_FOLDER": str(tmp_path / "results"),
            }
        )
        yield app
        db.engine(app).dispose()


def _seed(app: Flask, tmp_path: Path) -> tuple[User, int, list[int]]:
    """The mini course, a trainer, and a cohort whose trainees have done every lesson."""
    from accounts.passwords import hash_secret
    from cohorts.models import Cohort
    from courses.models import Course
    from studio.sync import load_catalog
    from tests.courses.factories import write_package

    write_package(tmp_path / "packages", slug="mini-course", version="1.0")
    with app.test_request_context():
        load_catalog(tmp_path / "packages")
        course = db.session.scalars(select(Course).where(Course.slug == "mini-course")).one()
        people = [
            User(
                role=role,
                full_name=f"{role.title()} {n:03d}",
                service_number=None if role == "trainer" else f"CRASH-{n}",
                email="trainer@crash.test" if role == "trainer" else None,
                credential_hash=hash_secret(TEST_SECRET),
                is_credential_temporary=False,
                centre_id=DEFAULT_CENTRE_ID,
                nationality="NPL",
                preferred_language=("en", "fr", "ar")[n % 3],
            )
            for role, n in [("trainer", 0), *(("trainee", n) for n in range(TRAINEES))]
        ]
        db.session.add_all(people)
        db.session.flush()
        trainer, trainees = people[0], people[1:]
        cohort = Cohort(name="Crash", country="NPL", centre_id=DEFAULT_CENTRE_ID)
        cohort.trainers, cohort.members, cohort.courses = [trainer], trainees, [course]
        db.session.add(cohort)
        db.session.commit()
    complete_every_lesson(app, trainer, trainees, course)
    return trainer, cohort.id, [trainee.id for trainee in trainees]


def _worker(app: Flask, log: Path, processes: int = 2) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child has its own copy of the descriptor
        return _start_worker(app, out, processes)


def _start_worker(app: Flask, out: Any, processes: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "TASK_QUEUE_URL": app.config["TASK_QUEUE_URL"],
        "TASK_QUEUE_IMMEDIATE": "0",
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "JOB_RESULTS_FOLDER": app.config["JOB_RESULTS_FOLDER"],
        "JOB_STALE_SECONDS": str(STALE_SECONDS),
        "JOB_HEARTBEAT_SECONDS": "0.5",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "tasks", "worker", "--workers", str(processes)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes its children too
    )


def _wait_for(check: Callable[[], Any], seconds: float, what: str, log: Path) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} within {seconds} s; worker log:\n{log.read_text()[-4000:]}")


class Watcher:
    """Reads the app's database on an engine of plain (deferred) transactions: the app's SQLite
    transactions begin IMMEDIATE, and would wait for the workers' writes instead of watching."""

    def __init__(self, app: Flask) -> None:
        self.engine = create_engine(app.config["DATABASE_URL"])

    def count(self, model: Any = Certificate, *where: Any) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def job(self, job_id: int) -> Job:
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.get(Job, job_id)
            assert found is not None
            return found

    def parts(self, job_id: int) -> list[JobPart]:
        with Session(self.engine) as session:
            return list(session.scalars(select(JobPart).where(JobPart.job_id == job_id)))


def _paper_quiz_for_everyone(app: Flask, tmp_path: Path) -> tuple[int, list[int]]:
    """Seed, then the trainer's paper-quiz form for the whole cohort: the job's id, the trainees."""
    trainer, cohort_id, trainee_ids = _seed(app, tmp_path)
    client = app.test_client()
    assert sign_in(client, trainer.sign_in_name, TEST_SECRET).status_code == 302
    data = {"observed_on": utcnow().date().isoformat()}
    for trainee_id in trainee_ids:
        data |= {f"include-{trainee_id}": "1"}
        data |= {f"pct-{trainee_id}-SEA-1": "90", f"pct-{trainee_id}-SEA-2": "85"}
    started = submit(client, f"/evaluations/cohorts/{cohort_id}/paper/mini-course", data)
    assert started.status_code == 303
    return int(started.headers["Location"].rsplit("/", 1)[1]), trainee_ids


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _every_certificate_once(app: Flask, watch: Watcher, job: Job, trainee_ids: list[int]) -> None:
    assert job.state == "done" and job.done == job.total == TRAINEES
    assert watch.count() == TRAINEES
    with app.app_context():
        holders = db.session.scalars(select(Certificate.trainee_id)).all()
        sequences = set(db.session.scalars(select(Certificate.sequence)))
    assert sorted(holders) == sorted(trainee_ids) and sequences == {1}
    assert watch.count(AuditEvent, AuditEvent.action == "certificate.issued") == TRAINEES
    assert job.outcome == {
        "trainees": TRAINEES,
        "completed": TRAINEES,
        "issued": TRAINEES,
        "skipped": 0,
    }


def test_a_worker_killed_mid_batch_leaves_a_job_that_completes_after_a_restart(
    own_app: Flask, tmp_path: Path
) -> None:
    job_id, trainee_ids = _paper_quiz_for_everyone(own_app, tmp_path)
    watch = Watcher(own_app)
    log = tmp_path / "worker.log"
    first = _worker(own_app, log)
    try:
        _wait_for(lambda: watch.count() >= COMPLETIONS_PART, 120, "a first part issued", log)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    at_the_kill = watch.count()
    assert COMPLETIONS_PART <= at_the_kill < TRAINEES, at_the_kill  # mid-batch
    assert watch.job(job_id).state == "running"

    time.sleep(STALE_SECONDS + 0.5)  # its heartbeat stops: the next worker queues it again
    second = _worker(own_app, log)
    try:
        finished = _wait_for(
            lambda: watch.job(job_id).is_finished and watch.job(job_id), 180, "the job done", log
        )
    finally:
        _stop(second)
    _every_certificate_once(own_app, watch, finished, trainee_ids)  # exactly once, none lost
    watch.engine.dispose()


@pytest.mark.parametrize("queue_url", ["redis"], indirect=True)
def test_two_workers_share_one_batch_on_redis(own_app: Flask, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    workers = [_worker(own_app, log, processes=1) for _ in range(2)]
    try:
        watch = Watcher(own_app)
        _wait_for(lambda: log.read_text().count("Task worker:") == 2, 60, "both workers up", log)
        job_id, trainee_ids = _paper_quiz_for_everyone(own_app, tmp_path)
        finished = _wait_for(
            lambda: watch.job(job_id).is_finished and watch.job(job_id), 180, "the job done", log
        )
    finally:
        for worker in workers:
            _stop(worker)
    _every_certificate_once(own_app, watch, finished, trainee_ids)  # no duplicate, no gap
    parts = watch.parts(job_id)
    assert sorted(part.part for part in parts) == list(range(TRAINEES // COMPLETIONS_PART))
    # Each worker runs one process; the part rows name the process that did each part.
    assert len({part.worker for part in parts}) == 2, [part.worker for part in parts]  # both used
    watch.engine.dispose()
