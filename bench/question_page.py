"""One quiz question page, in-process: the time of the request through the whole app, no network.

Run by hand: `.venv/bin/python bench/question_page.py [ROOT]` (SQLite) or
`scripts/with-postgres.sh .venv/bin/python bench/question_page.py [ROOT]` (PostgreSQL, a database
of its own). ROOT is the checkout to measure (default: this one), so that two versions can be
compared in the same hour. Prints the machine line, then the mean of 500 requests after 50 warm-up.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(ROOT))
sys.path.append(str(Path(__file__).resolve().parent))
os.chdir(ROOT)

from machine import machine_line  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402
from lms.db import db  # noqa: E402

REQUESTS = 500


def database_url() -> str:
    """A new database: on PostgreSQL when PG_ADMIN_URL is set, else a SQLite file."""
    admin = os.environ.get("PG_ADMIN_URL")
    if not admin:
        return f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin.rsplit("/", 1)[0] + f"/{name}"


def seed(app) -> None:  # type: ignore[no-untyped-def]
    """The bundled courses and one trainee with every lesson of the SEA course done."""
    try:
        from studio.sync import load_catalog
    except ImportError:  # a checkout from before the studio package
        from courses.sync import load_catalog  # type: ignore[no-redef]
    from accounts import services as accounts
    from courses import services as courses
    from courses.models import LessonProgress

    with app.app_context():
        load_catalog()
        db.session.commit()
        extra = {}
        try:
            from accounts.models import Centre

            extra["centre"] = db.session.get(Centre, 1)
        except ImportError:  # a checkout from before training centres
            pass
        user, _ = accounts.create_user(
            "trainee", "Bench", actor=None, secret="bench-secret-1", service_number="Q-1", **extra
        )
        db.session.flush()
        course = next(c for c in courses.all_courses() if c.slug == "sea-zero-tolerance")
        courses.enrol(user, course)
        for lesson in course.current_lessons:
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    lesson_id=lesson.id,
                    content_hash=lesson.content_hash,
                    course_version=course.version,
                    language="en",
                )
            )
        db.session.commit()


def main() -> None:
    """Print the mean time of the question page."""
    print(machine_line())
    url = database_url()
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    seed(app)
    client = app.test_client()
    client.post("/sign-in", data={"identifier": "Q-1", "secret": "bench-secret-1"})
    started = client.post("/assessments/sea-zero-tolerance/quiz/start")
    page = started.headers.get("Location")  # a checkout from before the one-round-trip start
    if page is None:  # the start answers with question 1 itself
        found = re.search(r"/assessments/attempts/(\d+)/questions/", started.get_data(as_text=True))
        assert found, "the start did not show the first question"
        page = f"/assessments/attempts/{found.group(1)}/questions/1"
    for _ in range(50):
        client.get(page)
    start = time.perf_counter()
    for _ in range(REQUESTS):
        client.get(page)
    mean = (time.perf_counter() - start) / REQUESTS * 1000
    print(f"{ROOT}: question page {mean:.2f} ms (mean of {REQUESTS}, {url.split(':')[0]})")


if __name__ == "__main__":
    main()
