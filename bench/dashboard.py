"""Dashboard at scale: 5,000 trainees x 3 courses with realistic progress; dashboard and export times.

Run by hand on SQLite:      .venv/bin/python bench/dashboard.py
and on PostgreSQL:          scripts/with-postgres.sh .venv/bin/python bench/dashboard.py
(with-postgres.sh starts a throwaway server and sets TEST_DATABASE_URL). Target: dashboard < 500 ms.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_TRAINEES", "5000"))
NOW = datetime.now(UTC)


def _seed(db, rng: random.Random) -> int:  # type: ignore[no-untyped-def]
    """Create the cohort and its trainees' records with bulk inserts; return the cohort id."""
    from accounts.models import User
    from accounts.passwords import hash_secret
    from assessments.models import AttemptResult, Evaluation, QuizAttempt, Rubric
    from certificates.models import Certificate
    from cohorts.models import Cohort, cohort_courses, cohort_members, cohort_trainers
    from courses.models import Course, Enrolment, Lesson, LessonProgress

    trainer = User(
        centre_id=1,  # the centre the migrations create
        role="trainer",
        email="bench-trainer@example.org",
        full_name="Bench Trainer",
        credential_hash=hash_secret("bench-secret-1"),
        is_credential_temporary=False,
    )
    db.session.add(trainer)
    db.session.flush()
    users = [
        {
            "role": "trainee",
            "centre_id": 1,
            "service_number": f"BN-{i:05d}",
            "full_name": f"Trainee {i:05d}",
            "gender": rng.choice("FFMMMMMMMX"),
            "rank": rng.choice(["Private", "Corporal", "Sergeant", "Lieutenant", "Captain"]),
            "unit": rng.choice(["Alpha Coy", "Bravo Coy", "HQ Coy"]),
            "credential_hash": "!unusable",
            "preferred_language": rng.choice(["en", "fr", "zh", "ar"]),
            "is_credential_temporary": True,
            "is_enabled": True,
            "session_version": 1,
            "created_at": NOW,
        }
        for i in range(TRAINEES)
    ]
    db.session.execute(insert(User), users)
    ids = list(db.session.scalars(select(User.id).where(User.role == "trainee")))
    cohort = Cohort(
        centre_id=1,
        name="Bench battalion",
        country="NPL",
        mission="UNMISS",
        deployment_date=date.today() + timedelta(days=120),
    )
    db.session.add(cohort)
    db.session.flush()
    courses = list(db.session.scalars(select(Course)))
    db.session.execute(insert(cohort_trainers), [{"cohort_id": cohort.id, "user_id": trainer.id}])
    db.session.execute(
        insert(cohort_members), [{"cohort_id": cohort.id, "user_id": i} for i in ids]
    )
    db.session.execute(
        insert(cohort_courses), [{"cohort_id": cohort.id, "course_id": c.id} for c in courses]
    )
    rubrics = {r.code: r.id for r in db.session.scalars(select(Rubric))}
    enrolments, progress, attempts, certificates, evaluations = [], [], [], [], []
    for course in courses:
        lessons = list(
            db.session.scalars(
                select(Lesson).where(Lesson.course_id == course.id, Lesson.is_current)
            )
        )
        for user_id in ids:
            if rng.random() < 0.1:
                continue  # not enrolled yet
            enrolments.append({"user_id": user_id, "course_id": course.id, "enrolled_at": NOW})
            done = rng.choice([0, 1, 2, 3, 5, 5, 5, 5])
            progress += [
                {
                    "user_id": user_id,
                    "lesson_id": lesson.id,
                    "content_hash": lesson.content_hash,
                    "course_version": course.version,
                    "language": "en",
                    "completed_at": NOW,
                }
                for lesson in lessons[:done]
            ]
            if done < len(lessons) or rng.random() < 0.2:
                continue
            passed = rng.random() < 0.85
            attempts.append((user_id, course, passed))
            practicals_ok = True
            for code in course.practicals:
                ok = rng.random() < 0.85
                practicals_ok &= ok
                evaluations.append(
                    {
                        "kind": "practical",
                        "trainee_id": user_id,
                        "evaluator_id": trainer.id,
                        "rubric_id": rubrics[code],
                        "standard_code": "SAF-3",
                        "standard_version": 1,
                        "observed_on": date.today(),
                        "criteria_results": {},
                        "passed": ok,
                        "recorded_at": NOW,
                    }
                )
            if passed and practicals_ok:
                issued = date.today() - timedelta(days=rng.randint(0, 700))
                certificates.append(
                    {
                        "serial": f"BENCH-{user_id}-{course.id}",
                        "centre_id": 1,
                        "trainee_id": user_id,
                        "course_id": course.id,
                        "sequence": 1,
                        "course_version": course.version,
                        "language": "en",
                        "holder_name": "x",
                        "course_title": "x",
                        "standards": [],
                        "centre": "x",
                        "issued_at": NOW,
                        "issued_on": issued,
                        "expires_on": issued + timedelta(days=30 * course.validity_months),
                        "pdf": b"%PDF-1.7 bench",
                        "sha256": "0" * 64,
                    }
                )
    for table, rows in (
        (Enrolment, enrolments),
        (LessonProgress, progress),
        (Evaluation, evaluations),
        (Certificate, certificates),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start : start + 5000])
    _insert_attempts(db, attempts, QuizAttempt, AttemptResult)
    db.session.commit()
    print(
        f"Seeded {len(ids)} trainees, {len(enrolments)} enrolments, {len(progress)} lesson completions, "
        f"{len(attempts)} quiz results, {len(evaluations)} evaluations, {len(certificates)} certificates"
    )
    return cohort.id


def _insert_attempts(db, attempts, QuizAttempt, AttemptResult) -> None:  # type: ignore[no-untyped-def]  # noqa: N803
    rows = [
        {
            "user_id": u,
            "course_id": c.id,
            "number": 1,
            "course_version": c.version,
            "language": "en",
            "pass_mark": 80,
            "thresholds": dict.fromkeys(c.standards, 80),
            "standard_versions": dict.fromkeys(c.standards, 1),
            "started_at": NOW,
            "deadline_at": NOW + timedelta(minutes=30),
        }
        for u, c, _ in attempts
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(QuizAttempt), rows[start : start + 5000])
    ids = {
        (a.user_id, a.course_id): a.id
        for a in db.session.execute(
            select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.course_id)
        )
    }
    results = [
        {
            "attempt_id": ids[(u, c.id)],
            "submitted_at": NOW,
            "closed_by": "trainee",
            "passed": passed,
            "percent": 90.0 if passed else 60.0,
            "counted_answers": {},
            "by_standard": {code: (90.0 if passed else 60.0) for code in c.standards},
        }
        for u, c, passed in attempts
    ]
    for start in range(0, len(results), 5000):
        db.session.execute(insert(AttemptResult), results[start : start + 5000])


def _timed(client, url: str, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    return statistics.median(times), size


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # the app refuses to start without one
                # The exports and report rendered in the request (as jobs: bench/reports.py).
                "JOB_THRESHOLD_TRAINEES": TRAINEES,
            }
        )
        with app.app_context():
            from lms.db import db
            from studio.sync import load_catalog

            load_catalog()
            db.session.commit()
            started = time.perf_counter()
            cohort_id = _seed(db, random.Random(7))
            if database == "PostgreSQL":
                from sqlalchemy import text

                # A live database has planner statistics (autovacuum); bulk-seeded tables have none yet.
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(f"Seeding took {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
        client.post(
            "/sign-in",
            data={
                "csrf_token": token,
                "identifier": "bench-trainer@example.org",
                "secret": "bench-secret-1",
            },
        )
        print(
            f"\n{database}, {TRAINEES} trainees x 3 courses (median of the repeats, in-process, after one warm-up)"
        )
        base = f"/cohorts/{cohort_id}"
        client.get(f"{base}/dashboard")
        for label, path, repeat in (
            ("dashboard page", "/dashboard", 5),
            (
                "dashboard, filtered (F, not ready, search)",
                "/dashboard?gender=F&status=not_ready&q=1",
                5,
            ),
            ("dashboard, page 40", "/dashboard?page=40", 3),
            ("export: readiness CSV", "/export/readiness.csv", 3),
            ("export: matrix XLSX", "/export/matrix.xlsx", 2),
            ("readiness report PDF", "/readiness.pdf", 2),
        ):
            median, size = _timed(client, base + path, repeat)
            verdict = (
                ("  (target < 500 ms: " + ("met" if median < 500 else "MISSED") + ")")
                if path == "/dashboard"
                else ""
            )
            print(f"  {label:44} {median:8.0f} ms  {size / 1024:8.0f} KiB{verdict}")


if __name__ == "__main__":
    main()
