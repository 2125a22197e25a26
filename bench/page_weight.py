"""Transferred bytes of every lesson page in every language (HTML + CSS, compressed), and of a
repeat visit. Run by hand: `.venv/bin/python bench/page_weight.py`; record in docs/benchmarks.md."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402

LANGUAGES = ("en", "fr", "zh", "ar")
TARGET = 60 * 1024
ENCODING = {"Accept-Encoding": "br, gzip"}


def _setup(url: str):  # type: ignore[no-untyped-def]
    from accounts import services as accounts
    from accounts.models import Centre
    from courses import services as courses
    from lms.db import db
    from studio.sync import load_catalog

    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # the app refuses to start without one
        }
    )
    with app.app_context():
        load_catalog()
        for language in LANGUAGES:
            user, _ = accounts.create_user(
                "trainee",
                f"Bench {language}",
                actor=None,
                secret="bench-secret-1",
                service_number=f"BENCH-{language}",
                preferred_language=language,
                centre=db.session.get(Centre, 1),  # the centre the migrations create
            )
            db.session.flush()
            for course in courses.all_courses():
                courses.enrol(user, course)
        db.session.commit()
        catalog = [
            (c.slug, [lesson.slug for lesson in c.current_lessons]) for c in courses.all_courses()
        ]
    return app, catalog


def _client(app, language):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in",
        data={"csrf_token": token, "identifier": f"BENCH-{language}", "secret": "bench-secret-1"},
    )
    return client


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, catalog = _setup(f"sqlite:///{tmp}/bench.sqlite3")
        css = app.test_client().get("/static/css/app.css", headers=ENCODING)
        css_bytes = len(css.data)
        css.close()
        print(
            f"CSS (compressed, {css.headers.get('Content-Encoding')}): {css_bytes} B, cached after the first page"
        )
        print(f"{'course/lesson':58} " + " ".join(f"{code:>14}" for code in LANGUAGES))
        worst, repeat, statuses = 0, 0, set()
        for slug, lessons in catalog:
            for lesson in lessons:
                cells = []
                for language in LANGUAGES:
                    client = _client(app, language)
                    url = f"/courses/{slug}/lessons/{lesson}"
                    first = client.get(url, headers=ENCODING)
                    total = len(first.data) + css_bytes
                    again = client.get(
                        url, headers={**ENCODING, "If-None-Match": first.headers["ETag"]}
                    )
                    repeat = max(repeat, len(again.data))
                    statuses.add(again.status_code)
                    worst = max(worst, total)
                    cells.append(f"{len(first.data):>6}+{css_bytes}={total / 1024:>4.1f}K")
                print(f"{slug + '/' + lesson:58} " + " ".join(cells))
        print(
            f"\nHeaviest lesson page (HTML + CSS as transferred): {worst} B = {worst / 1024:.1f} KiB "
            f"(target < 60 KiB: {'met' if worst < TARGET else 'MISSED'})"
        )
        print(
            f"Repeat visit with If-None-Match: status {sorted(statuses)}, largest body {repeat} B"
        )


if __name__ == "__main__":
    main()
