"""A draft as a trainee would see it: the course page, its lessons and a quiz, recording nothing.

The draft's files are read with the loader's validator (`publishing.read_checked`, in a temporary
folder: nothing is written to the database); a draft that does not validate has no preview, only
the validator's report. Lessons are rendered by the same renderer and sanitiser as at load time,
the quiz is drawn by the trainees' drawing rule (`assessments.quiz.draw_from`), served as an
attempt's questions are (`serve_content`), checked as an answer is (`check_answer`) and scored by
the same rule (`score_attempt`). What a preview keeps between two requests is the seed of its draw
and the draft's revision, in hidden fields: the same seed draws the same questions again.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cachetools import LRUCache
from flask import current_app

from assessments.catalog import load_standards
from assessments.quiz import (
    AttemptSheet,
    DrawnQuestion,
    ServedItem,
    check_answer,
    draw_from,
    serve_content,
    thresholds_for,
)
from assessments.scoring import Score, ScoredItem, score_attempt
from courses.rendering import render_markdown
from lms.db import utcnow
from studio.drafts import draft_files
from studio.loader import REFERENCE_LANGUAGE, CoursePackage, LessonSpec
from studio.models import CourseDraft
from studio.publishing import Problem, read_checked

SEED_LIMIT = 2**63 - 1


class _Packages:
    """Validated drafts by the hash of their package (a draft is read once per change, not on every
    preview page: the largest bundled course takes most of a second to validate)."""

    def __init__(self, size: int = 8) -> None:
        self._packages: LRUCache[str, CoursePackage | list[Problem]] = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, draft: CourseDraft) -> CoursePackage | list[Problem]:
        with self._lock:
            found = self._packages.get(draft.package_sha256)
        if found is None:
            found = read_checked(draft_files(draft))
            with self._lock:
                self._packages[draft.package_sha256] = found
        return found


def read_draft(draft: CourseDraft) -> CoursePackage | list[Problem]:
    """The draft's validated package, or the validator's problems."""
    cache: _Packages | None = current_app.extensions.get("studio.previews")
    if cache is None:
        cache = current_app.extensions.setdefault("studio.previews", _Packages())
    return cache.get(draft)


def _in(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts[REFERENCE_LANGUAGE]


def course_view(package: CoursePackage, language: str) -> dict[str, Any]:
    """What the course page shows a trainee reading in `language` (courses/course.html)."""
    per_standard = package.quiz["questions_per_standard"]
    return {
        "slug": package.slug,
        "version": package.version,
        "title": _in(package.title, language),
        "summary": _in(package.summary, language),
        "is_fallback": language not in package.languages,
        "lessons": [
            {"slug": lesson.slug, **_title(lesson, language)} for lesson in package.lessons
        ],
        "questions": per_standard * len(package.standards),
        "pass_mark": package.pass_mark,
        "time_limit_minutes": package.quiz["time_limit_minutes"],
        "max_attempts": package.quiz["max_attempts"],
        "cooldown_hours": package.quiz["cooldown_hours"],
    }


def _title(lesson: LessonSpec, language: str) -> dict[str, str]:
    source = lesson.sources.get(language) or lesson.sources[REFERENCE_LANGUAGE]
    return {"title": source.title, "language": source.language}


def lesson_view(package: CoursePackage, slug: str, language: str) -> dict[str, Any] | None:
    """A lesson as a trainee reading in `language` sees it, with its neighbours (None: no such
    lesson). Rendered as the loader renders it for trainees (LessonText.html)."""
    lessons = list(package.lessons)
    index = next((i for i, lesson in enumerate(lessons) if lesson.slug == slug), None)
    if index is None:
        return None
    lesson = lessons[index]
    source = lesson.sources.get(language) or lesson.sources[REFERENCE_LANGUAGE]
    return {
        "slug": lesson.slug,
        "title": source.title,
        "html": render_markdown(source.body),
        "language": source.language,
        "is_fallback": source.language != language,
        "previous": lessons[index - 1].slug if index > 0 else None,
        "following": lessons[index + 1].slug if index + 1 < len(lessons) else None,
    }


@dataclass(frozen=True)
class PreviewQuiz:
    """A quiz drawn from a draft as a trainee's first attempt would be, held in memory only."""

    sheet: AttemptSheet  # the questions as served (ServedItem: id = position)
    correct: dict[int, list[str]]  # each question's correct option keys
    pass_mark: int
    thresholds: dict[str, float]
    standard_titles: dict[str, dict[str, str]]  # by code, in each language


def new_seed() -> int:
    """The seed of a new draw (as random as an attempt's draw)."""
    return random.SystemRandom().randint(0, SEED_LIMIT)


def draw_quiz(package: CoursePackage, language: str, seed: int) -> PreviewQuiz:
    """The questions of a first attempt in `language`: the trainees' drawing rule on the draft's
    bank (ordered by id, as the loaded bank is), served as an attempt serves them."""
    rng = random.Random(seed)  # noqa: S311 - a preview's draw, replayed from its seed
    bank = sorted(package.questions, key=lambda question: question.id)
    drawn = draw_from(
        [DrawnQuestion(q.id, q.standard, q) for q in bank],
        package.standards,
        package.quiz["questions_per_standard"],
        rng,
        {},
    )
    items, correct = [], {}
    for position, question in enumerate(drawn, start=1):
        served, keys = serve_content(
            question.kind,
            question.content,
            language,
            rng,
            new_key=lambda: f"{rng.getrandbits(32):08x}",
        )
        items.append(ServedItem(position, position, question.kind, question.standard, served))
        correct[position] = keys
    now = utcnow()
    sheet = AttemptSheet(
        id=0,
        user_id=0,
        started_at=now,
        deadline_at=now + timedelta(minutes=package.quiz["time_limit_minutes"]),
        items=tuple(items),
    )
    standards = load_standards()
    mastery = {
        code: float(standards[code].mastery_threshold)
        for code in package.standards
        if code in standards
    }
    return PreviewQuiz(
        sheet,
        correct,
        package.pass_mark,
        thresholds_for(package.quiz, mastery),
        {code: standards[code].title for code in package.standards if code in standards},
    )


def check_answers(quiz: PreviewQuiz, answers: dict[int, list[str]]) -> None:
    """Refuse (QuizError, translated) an answer an attempt would refuse: not one of the question's
    options, or two for a one-answer question."""
    for item in quiz.sheet.items:
        check_answer(quiz.sheet, item, answers.get(item.position, []))


def score(quiz: PreviewQuiz, answers: dict[int, list[str]]) -> tuple[Score, list[dict[str, Any]]]:
    """The score an attempt with these answers would get, and each question with its right
    answer, the answer given and its explanation (as on the result page)."""
    scored = [
        ScoredItem(
            item.standard_code,
            frozenset(quiz.correct[item.position]),
            frozenset(answers.get(item.position, [])),
        )
        for item in quiz.sheet.items
    ]
    rows = [
        {
            "item": {"served": item.served, "correct_keys": quiz.correct[item.position]},
            "chosen": answers.get(item.position, []),
            "is_correct": one.is_correct,
        }
        for item, one in zip(quiz.sheet.items, scored, strict=True)
    ]
    result = score_attempt(scored, quiz.pass_mark, quiz.thresholds)
    return result, rows


def lessons_for(package: CoursePackage, codes: tuple[str, ...], language: str) -> dict[str, list]:
    """The lessons serving each standard not met, to study again (as on the result page)."""
    return {
        code: [
            {"slug": lesson.slug, **_title(lesson, language)}
            for lesson in package.lessons
            if code in lesson.standards
        ]
        for code in codes
    }
