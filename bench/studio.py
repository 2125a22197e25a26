"""The course studio's heavy steps, timed in-process (issue 19's benchmarks; target: each < 1 s).

Run by hand: `.venv/bin/python bench/studio.py [--repeat 5]`; record the figures in
docs/benchmarks.md. On a new SQLite database in a temporary folder:

- import: the largest bundled course as the ZIP the studio exports, read back with every safety
  check (`studio.package_zip.unpack`) and validated as the loader does (`studio.publishing.validate`);
- publish: a course of 40 lessons and 300 questions (built from the bundled safety course: its six
  lessons repeated under new names, its bank repeated under new ids; every lesson and three
  questions in four tagged with CPTM 2017 outcomes) copied into a draft, then published (validate,
  load through studio.sync, store the version), first and second version;
- coverage: that course's learning-outcome coverage page (`/studio/courses/<slug>/coverage`), the
  draft and the second version, requested by a signed-in author through the app (test client).

- translation pages of that course (its second version's draft): the matrix, a language's texts,
  the side-by-side page of a lesson, the PO export of one language and the import of that file back
  (checked whole, nothing to change), each a whole view call in a request context.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

from machine import machine_line  # noqa: E402

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402
from lms.db import db  # noqa: E402

LARGEST = "safety-security"
LESSONS, QUESTIONS = 40, 300


def timed(action: Any, repeat: int) -> tuple[float, float, Any]:
    """(median, max) seconds of action() over repeat runs, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


def large_package(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundled safety course grown to 40 lessons and 300 questions."""
    manifest = yaml.safe_load(files["course.yaml"])
    lessons = manifest["lessons"]
    new_files = {name: data for name, data in files.items() if not name.startswith("lessons/")}
    grown = []
    for n in range(LESSONS):
        source = lessons[n % len(lessons)]
        slug = f"{source['slug']}-{n // len(lessons) + 1}"
        grown.append({**source, "slug": slug})
        for name, data in files.items():
            prefix = f"lessons/{n % len(lessons) + 1:02d}-{source['slug']}."
            if name.startswith(prefix):
                language = name[len(prefix) : -len(".md")]
                title_fixed = data.replace(b"\n", f" ({n + 1})\n".encode(), 1)
                new_files[f"lessons/{n + 1:02d}-{slug}.{language}.md"] = title_fixed
    outcomes = _cptm_2017_outcomes()
    for n, entry in enumerate(grown):
        entry["outcomes"] = sorted({outcomes[(2 * n) % len(outcomes)], outcomes[(2 * n + 1) % 7]})
    manifest["lessons"] = grown
    manifest["slug"] = "bench-large-course"
    new_files["course.yaml"] = yaml.safe_dump(manifest, allow_unicode=True).encode()
    bank = yaml.safe_load(files["questions.yaml"])["questions"]
    questions = [{**bank[n % len(bank)], "id": f"big-q{n + 1:03d}"} for n in range(QUESTIONS)]
    for n, question in enumerate(questions):
        question.pop("outcomes", None)
        if n % 4:
            question["outcomes"] = [outcomes[n % len(outcomes)]]
    new_files["questions.yaml"] = yaml.safe_dump(
        {"questions": questions}, allow_unicode=True
    ).encode()
    return new_files


def _cptm_2017_outcomes() -> list[str]:
    """Every outcome reference of the bundled CPTM 2017 framework."""
    from assessments.frameworks import load_frameworks

    framework = load_frameworks()["CPTM-2017"]
    return [
        f"{framework.key} {lesson.number} {outcome.id}"
        for lesson in framework.lessons
        for outcome in lesson.outcomes
    ]


def _signed_in_author(app: Any, author_id: int) -> Any:
    """A test client signed in as the bench's author (given a password for it)."""
    from accounts.models import User
    from accounts.passwords import hash_secret

    with app.app_context():
        user = db.session.get(User, author_id)
        user.credential_hash = hash_secret("bench-secret-1")
        db.session.commit()
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
    assert token
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": token.group(1),
            "identifier": "author@bench.test",
            "secret": "bench-secret-1",
        },
    )
    assert response.status_code == 302, response.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"Studio bench, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(machine_line())
    from accounts.models import User
    from assessments.catalog import load_rubrics, load_standards
    from lms import scope
    from studio.drafts import create_draft, save_draft
    from studio.loader import CATALOG_DIR
    from studio.package_zip import pack, read_folder, unpack
    from studio.publishing import publish, validate
    from studio.sync import LoadReport, sync_rubrics, sync_standards

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://t.example"}
        )
        files = read_folder(CATALOG_DIR / LARGEST)
        data = pack(files)
        with app.test_request_context():
            median, worst, report = timed(lambda: validate(unpack(data)), args.repeat)
            problems = getattr(report, "problems", [])
            print(
                f"import of {LARGEST} ({len(data) / 1024:.0f} KiB ZIP, {len(files)} files): "
                f"unpack + validate median {median:.2f} s, max {worst:.2f} s (target < 1 s); "
                f"{len(problems)} problems"
            )
            standards = load_standards()
            sync_standards(standards, LoadReport())
            sync_rubrics(load_rubrics(standards))
            author = User(
                role="trainer",
                email="author@bench.test",
                full_name="Bench Author",
                credential_hash="!",
                is_credential_temporary=False,
                centre_id=1,
                is_course_author=True,
            )
            db.session.add(author)
            db.session.flush()
            scope.enter(db.session, 1)
            big = large_package(files)
            draft = create_draft("bench-large-course", big, author, origin="bench")
            started = time.perf_counter()
            first = publish(draft, draft.revision, author)
            db.session.commit()
            first_time = time.perf_counter() - started
            assert not first.problems, first.problems[:5]
            changed = dict(big)
            manifest = yaml.safe_load(changed["course.yaml"])
            manifest["version"] += ".1"  # a higher version than the first
            changed["course.yaml"] = yaml.safe_dump(manifest, allow_unicode=True).encode()
            name = next(n for n in changed if n.endswith(".en.md"))
            changed[name] = changed[name] + b"\nOne more sentence.\n"
            save_draft(draft, changed, draft.revision, author, what="bench")
            started = time.perf_counter()
            second = publish(draft, draft.revision, author)
            db.session.commit()
            second_time = time.perf_counter() - started
            assert not second.problems, second.problems[:5]
            print(
                f"publish of a course of {LESSONS} lessons and {QUESTIONS} questions "
                f"({len(big)} files): first version {first_time:.2f} s, second (one lesson "
                f"changed) {second_time:.2f} s (target < 1 s)"
            )
            author_id = author.id
        client = _signed_in_author(app, author_id)
        for label, query in (("draft", ""), ("version 2", "?version=2")):
            url = f"/studio/courses/bench-large-course/coverage{query}"
            client.get(url)  # warm-up: templates compiled, catalog files cached by the OS

            def page(url: str = url) -> Any:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return response

            median, worst, response = timed(page, args.repeat)
            print(
                f"coverage page of that course, {label}: median {median:.2f} s, max "
                f"{worst:.2f} s, {len(response.data) / 1024:.0f} KiB (target < 1 s)"
            )
        translation_pages(app, author_id, "bench-large-course", args.repeat)


def translation_pages(app: Any, author_id: int, slug: str, repeat: int) -> None:
    """The translation pages of the large course, as an author's requests run them: cold (the
    parsed texts of the draft and its versions forgotten first) and warm (remembered)."""
    from flask_login import login_user

    from accounts.models import User
    from lms import scope
    from studio import drafts
    from studio import translation_views as views
    from studio.po_exchange import read_translations
    from studio.translations import _CACHE, draft_items

    with app.test_request_context(f"/studio/courses/{slug}/translations"):
        scope.enter(db.session, 1)
        login_user(db.session.get(User, author_id))
        draft = drafts.get_draft(slug)
        assert draft is not None
        files = drafts.draft_files(draft)
        lesson = next(item.id for item in draft_items(files).items if item.markdown)
        pages = {
            "matrix": lambda: views.overview(slug),
            "texts of a language (ar)": lambda: views.language_page(slug, "ar"),
            "side-by-side, a lesson (ar)": lambda: views._item_page(draft, "ar", lesson),
            "PO export (ar)": lambda: views.export(slug, "ar"),
        }
        po_data = b""
        for name, call in pages.items():
            cold, cold_worst, _ = timed(lambda call=call: (_CACHE.clear(), call()), repeat)
            warm, _, result = timed(call, repeat)
            if name.startswith("PO"):
                po_data = result.get_data()
            print(
                f"{name}: cold median {cold * 1000:.0f} ms (max {cold_worst * 1000:.0f} ms), "
                f"warm median {warm * 1000:.0f} ms (target < 1 s)"
            )
        media = {name for name in files if name.startswith("media/")}

        def read_back() -> Any:
            _CACHE.clear()
            return read_translations(po_data, draft_items(drafts.draft_files(draft)), "ar", media)

        median, worst, result = timed(read_back, repeat)
        print(
            f"PO import of that file ({len(po_data) / 1024:.0f} KiB, checked whole): median "
            f"{median * 1000:.0f} ms, max {worst * 1000:.0f} ms; {len(result.changes)} changes, "
            f"{len(result.problems)} problems (target < 1 s)"
        )


if __name__ == "__main__":
    main()
