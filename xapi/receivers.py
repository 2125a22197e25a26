"""Receivers of the product's events (lms/events.py) and outbox senders of the xapi package.

Each receiver builds the event's statement and writes it to the outbox in the event's own
transaction (nothing is sent from here). When XAPI_ENDPOINT is empty, xAPI is off: nothing is
written. The same statement (same id) is written at most once per transaction; a repeated event in
a later transaction writes it again with the same id, which the store keeps once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import select

from accounts.models import User
from assessments.models import AttemptResult, QuizAttempt, Standard
from certificates.models import Certificate
from certificates.services import current_certificate, next_sequence
from courses.models import Course
from lms import events, outbox
from lms.db import db, utcnow
from lms.urls import public_base_url
from xapi import statements
from xapi.lrs import send_statement

log = logging.getLogger(__name__)
KIND = "xapi"
_SESSION_KEY = "xapi_statement_ids"


def is_enabled(app: Flask) -> bool:
    """xAPI is on when a store is configured."""
    return bool(app.config.get("XAPI_ENDPOINT"))


def site_of(app: Flask) -> statements.Site:
    """The site the statements come from, from the app's configuration (never the request)."""
    base = app.config.get("XAPI_ACTOR_HOMEPAGE") or public_base_url()
    return statements.Site(
        base=base.rstrip("/"),
        platform=app.config["TRAINING_CENTRE_NAME"],
        send_names=app.config.get("XAPI_ACTOR_NAMES", True),
    )


def enqueue_once(statement: dict[str, Any]) -> bool:
    """Write a statement to the outbox unless this transaction already holds it."""
    session = db.session
    transaction = session.get_transaction()
    holder, seen = session.info.get(_SESSION_KEY, (None, set()))
    if holder is not transaction:
        seen = set()
        session.info[_SESSION_KEY] = (transaction, seen)
    if statement["id"] in seen:
        return False
    seen.add(statement["id"])
    outbox.enqueue(KIND, statement)
    log.info("xAPI statement %s (%s) written to the outbox", statement["id"], _verb(statement))
    return True


def _verb(statement: dict[str, Any]) -> str:
    return statement["verb"]["display"]["en-US"]


def on_course_launched(
    sender: Flask, user: User, course: Course, via: str = "web", **_: Any
) -> None:
    """A trainee started a course: "launched"."""
    if is_enabled(sender):
        enqueue_once(statements.launched(site_of(sender), user, course, via, utcnow()))


def on_quiz_scored(sender: Flask, attempt: QuizAttempt, result: AttemptResult, **_: Any) -> None:
    """A quiz attempt was scored: "passed" or "failed", with each standard's result."""
    if not is_enabled(sender):
        return
    user = db.session.get(User, attempt.user_id)
    course = db.session.get(Course, attempt.course_id)
    if user is None or course is None:
        return
    titles = standard_titles(attempt.standard_versions)
    enqueue_once(statements.scored(site_of(sender), user, course, attempt, result, titles))


def standard_titles(versions: dict[str, int]) -> dict[str, dict[str, str]]:
    """The titles of these versions of the standards, by code."""
    if not versions:
        return {}
    rows = db.session.scalars(select(Standard).where(Standard.code.in_(list(versions))))
    return {row.code: row.title for row in rows if row.version == versions[row.code]}


def on_course_completed(sender: Flask, trainee: User, course: Course, **_: Any) -> None:
    """A course was completed: "completed", once per certification cycle."""
    if is_enabled(sender):
        statement = statements.completed(
            site_of(sender), trainee, course, certification_cycle(trainee, course), utcnow()
        )
        enqueue_once(statement)


def certification_cycle(trainee: User, course: Course) -> int:
    """Which completion this is: the sequence of the certificate it earns (or earned).

    While the trainee holds an unexpired certificate of the course, completing it again is the same
    completion; after expiry it is a new one, with the next certificate. This holds whether the
    certificate receiver has already run for this event or not.
    """
    held = current_certificate(trainee.id, course.id, utcnow().date())
    return held.sequence if held is not None else next_sequence(trainee.id, course.id)


def on_certificate_issued(sender: Flask, certificate: Certificate, **_: Any) -> None:
    """A certificate was issued: "earned"."""
    if not is_enabled(sender):
        return
    user = db.session.get(User, certificate.trainee_id)
    course = db.session.get(Course, certificate.course_id)
    if user is None or course is None:
        return
    at = certificate.issued_at or utcnow()
    enqueue_once(statements.earned(site_of(sender), user, course, certificate, at))


def connect() -> None:
    """Connect this package's signal receivers and register its outbox senders (idempotent)."""
    outbox.register_sender(KIND, send_statement)
    events.course_launched.connect(on_course_launched, weak=False)
    events.quiz_scored.connect(on_quiz_scored, weak=False)
    events.course_completed.connect(on_course_completed, weak=False)
    events.certificate_issued.connect(on_certificate_issued, weak=False)
