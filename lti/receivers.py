"""Receivers of the product's events (lms/events.py) and outbox senders of the lti package."""

from __future__ import annotations

from typing import Any

from lms import events, outbox
from lti.grades import KIND, queue_attempt_score, queue_completion, send_score


def _on_quiz_scored(_app: Any, attempt: Any, result: Any, **_kwargs: Any) -> None:
    queue_attempt_score(attempt, result)


def _on_course_completed(_app: Any, trainee: Any, course: Any, **_kwargs: Any) -> None:
    queue_completion(trainee, course)


def connect() -> None:
    """Connect this package's signal receivers and register its outbox senders (idempotent)."""
    # Strong references to module-level functions: connecting them again changes nothing.
    events.quiz_scored.connect(_on_quiz_scored)
    events.course_completed.connect(_on_course_completed)
    outbox.register_sender(KIND, send_score)
