"""A small, valid course package written to a folder, for tests to break one piece at a time."""

from __future__ import annotations

from pathlib import Path

import yaml

LESSON = """# {title}

This is lesson {n} of the test course. It explains one idea in plain words.

## Key points

- One point.

## Sources

- ST/SGB/2003/13
"""


PER_STANDARD = 8


def _texts(text: str, languages=("en", "fr")) -> dict[str, str]:
    return {code: f"{text} ({code})" for code in languages}


def question(qid: str, standard: str, correct: str = "a") -> dict:
    return {
        "id": qid,
        "standard": standard,
        "kind": "single",
        "text": _texts(f"Question {qid}"),
        "options": [
            {"id": oid, "text": _texts(f"Option {oid}"), "correct": oid == correct} for oid in "abc"
        ],
        "explanation": _texts("Because."),
    }


def manifest(slug: str = "mini-course", version: str = "1.0") -> dict:
    return {
        "slug": slug,
        "version": version,
        "languages": ["en", "fr"],
        "title": _texts("Mini course"),
        "summary": _texts("A course for tests"),
        "standards": ["SEA-1", "SEA-2"],
        "pass_mark": 80,
        "validity_months": 12,
        "quiz": {
            "questions_per_standard": PER_STANDARD,
            "standard_threshold": 60,
            "time_limit_minutes": 10,
            "max_attempts": 2,
            "cooldown_hours": 1,
        },
        "practicals": [],
        "lessons": [
            {"slug": "first-steps", "standards": ["SEA-1"]},
            {"slug": "second-steps", "standards": ["SEA-2"]},
        ],
    }


def write_package(
    root: Path, slug: str = "mini-course", version: str = "1.0", folder: str | None = None
) -> Path:
    """Write a valid two-lesson, two-language package and return its folder."""
    path = root / (folder or slug)
    (path / "lessons").mkdir(parents=True)
    (path / "course.yaml").write_text(
        yaml.safe_dump(manifest(slug, version), allow_unicode=True), encoding="utf-8"
    )
    for n, lesson in enumerate(("first-steps", "second-steps"), start=1):
        for language in ("en", "fr"):
            text = LESSON.format(title=f"Lesson {n} {language}", n=n)
            (path / "lessons" / f"{n:02d}-{lesson}.{language}.md").write_text(
                text, encoding="utf-8"
            )
    # 16 questions per standard: a quiz of 8 per standard is the smallest that tells a trainee at
    # 90% from one at 60% for two standards (studio.pass_rule), and two attempts never repeat one.
    questions = [
        question(f"q{i}", "SEA-1" if i <= PER_STANDARD * 2 else "SEA-2")
        for i in range(1, PER_STANDARD * 4 + 1)
    ]
    (path / "questions.yaml").write_text(
        yaml.safe_dump({"questions": questions}, allow_unicode=True), encoding="utf-8"
    )
    return path


def edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
