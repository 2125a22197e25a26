"""Long work through the task queue, timed from outside as a trainer lives it.

Run by hand: `.venv/bin/python bench/jobs.py [--database URL] [--queue redis://...] [--size 1000]`;
record the figures in docs/benchmarks.md. It makes a database (SQLite in a temporary folder unless
--database names an empty PostgreSQL one), loads the bundled courses and a cohort of --size
trainees who have done every lesson, starts a real `flask tasks worker` (one process per core) on
the queue (SQLite unless --queue), then measures:

- the queue's round trip: a job's creation to its start by the worker (one-trainee slips, 20 times);
- a paper-quiz form for the whole cohort: the request, then submit to every certificate issued
  (target <= 15 s for 1,000 on 2 cores);
- login slips for the whole cohort: submit to the PDF ready (target <= 30 s for 1,000).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

from machine import cpu_check, machine_line  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402
from lms.db import db  # noqa: E402

SECRET = "bench-secret-42"
COURSE = "strategic-communication"  # its role-play recorded at seeding: a paper quiz completes it


def _seed(app: Any, size: int) -> tuple[str, int, int, list[int], list[str]]:
    from accounts.models import User
    from accounts.passwords import hash_secret
    from assessments import practicals
    from cohorts.models import Cohort
    from courses.services import complete_lesson, enrol, get_course
    from studio.sync import load_catalog

    with app.test_request_context():
        load_catalog()
        course = get_course(COURSE)
        trainer = User(
            role="trainer",
            email="trainer@bench.test",
            full_name="Bench Trainer",
            credential_hash=hash_secret(SECRET),
            is_credential_temporary=False,
            centre_id=1,
        )
        trainees = [
            User(
                role="trainee",
                service_number=f"J-{n:06d}",
                full_name=f"Trainee {n:05d}",
                rank="Sergeant",
                nationality="NPL",
                credential_hash="!unusable",
                is_credential_temporary=True,
                preferred_language=("en", "fr", "zh", "ar")[n % 4],
                centre_id=1,
            )
            for n in range(size)
        ]
        db.session.add(trainer)
        db.session.add_all(trainees)
        db.session.flush()
        cohort = Cohort(name="Bench cohort", country="NPL", centre_id=1)
        cohort.trainers, cohort.members, cohort.courses = [trainer], trainees, [course]
        small = Cohort(name="One trainee", country="NPL", centre_id=1)
        small.trainers, small.members = [trainer], trainees[:1]
        db.session.add_all([cohort, small])
        for trainee in trainees:
            enrolment = enrol(trainee, course, by=trainer)
            for lesson in course.current_lessons:
                complete_lesson(trainee, enrolment, lesson, "en")
        # The course's observed practicals, passed before the measured paper-quiz form.
        for code in course.practicals:
            rubric = practicals.rubric_by_code(code)
            assert rubric is not None
            met = {criterion["id"]: True for criterion in rubric.criteria}
            rows = [practicals.RowInput(trainee=t, included=True, met=met) for t in trainees]
            practicals.record_practicals(rubric, rows, date.today(), trainer, course)
        db.session.commit()
        return trainer.email, cohort.id, small.id, [t.id for t in trainees], list(course.standards)


def _worker(app: Any, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "TASK_QUEUE_URL": app.config["TASK_QUEUE_URL"],
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "JOB_RESULTS_FOLDER": app.config["JOB_RESULTS_FOLDER"],
        "TASK_QUEUE_WORKER_TYPE": os.environ.get("TASK_QUEUE_WORKER_TYPE", "process"),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "tasks", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _job_of(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def _wait_done(watcher: Any, job_id: int, limit: float = 600) -> Any:
    from lms.jobs import Job

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with Session(watcher, expire_on_commit=False) as session:
            job = session.get(Job, job_id)
            if job is not None and job.state in ("done", "failed"):
                return job
        time.sleep(0.05)
    raise SystemExit(f"job {job_id} not done within {limit} s")


def _post(client: Any, url: str, data: dict[str, str]) -> tuple[float, Any]:
    """Post the form at url with its CSRF token: (seconds the request took, response)."""
    token = _token(client, url)
    started = time.perf_counter()
    response = client.post(url, data={**data, "csrf_token": token})
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="")
    parser.add_argument("--queue", default="")
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    print(f"Jobs bench, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
        queue = args.queue or f"sqlite:///{tmp}/queue.sqlite3"
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "PUBLIC_BASE_URL": "https://training.example.org",
                "TASK_QUEUE_URL": queue,
                "JOB_RESULTS_FOLDER": f"{tmp}/results",
            }
        )
        print(f"database {url.split(':')[0]}, queue {queue.split(':')[0]}, {args.size} trainees")
        started = time.perf_counter()
        email, cohort_id, small_id, trainee_ids, standards = _seed(app, args.size)
        print(f"seeded in {time.perf_counter() - started:.0f} s")
        watcher = create_engine(url)
        log = Path(tmp) / "worker.log"
        worker = _worker(app, log)
        try:
            client = app.test_client()
            _, signed_in = _post(
                client, "/sign-in", {"identifier": email, "secret": SECRET, "country": ""}
            )
            assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[-2000:]
            time.sleep(3)  # the worker's start (imports, forks)

            waits = []
            for _ in range(20):
                response = client.post(
                    f"/cohorts/{small_id}/slips.pdf",
                    data={"csrf_token": _token(client, f"/cohorts/{small_id}")},
                )
                job = _wait_done(watcher, _job_of(response.headers["Location"]))
                waits.append((job.started_at - job.created_at).total_seconds() * 1000)
            print(
                f"queue round trip (job created -> started by the worker): median "
                f"{statistics.median(waits):.0f} ms, max {max(waits):.0f} ms (n=20)"
            )

            data = {"observed_on": time.strftime("%Y-%m-%d", time.gmtime())}
            for trainee_id in trainee_ids:
                data[f"include-{trainee_id}"] = "1"
                data |= {f"pct-{trainee_id}-{code}": "90" for code in standards}
            submitted = time.perf_counter()
            request, response = _post(
                client, f"/evaluations/cohorts/{cohort_id}/paper/{COURSE}", data
            )
            job = _wait_done(watcher, _job_of(response.headers["Location"]))
            total = time.perf_counter() - submitted
            with Session(watcher) as session:
                from certificates.models import Certificate

                issued = session.scalar(select(func.count(Certificate.id)))
            print(
                f"paper quiz for {args.size}: request {request * 1000:.0f} ms "
                f"({len(response.data)} bytes); submit -> all certificates issued {total:.1f} s "
                f"(target <= 15 s for 1,000); {issued} certificates, job {job.state} {job.outcome}"
            )

            submitted = time.perf_counter()
            response = client.post(
                f"/cohorts/{cohort_id}/slips.pdf",
                data={"csrf_token": _token(client, f"/cohorts/{cohort_id}")},
            )
            request = time.perf_counter() - submitted
            job = _wait_done(watcher, _job_of(response.headers["Location"]))
            total = time.perf_counter() - submitted
            print(
                f"login slips for {args.size}: request {request * 1000:.0f} ms; submit -> PDF "
                f"ready {total:.1f} s (target <= 30 s for 1,000); job {job.state}"
            )
            print(f"CPU check at the end: {cpu_check():.0f} ms")
        finally:
            os.killpg(worker.pid, signal.SIGINT)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
            watcher.dispose()
            db.engine(app).dispose()


def _token(client: Any, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found is not None, url
    return found.group(1)


if __name__ == "__main__":
    main()
