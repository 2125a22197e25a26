"""A trainee's journey through a course and the xAPI outbox, shared by the xAPI tests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from lms import outbox
from lms.outbox import OutboxMessage
from tests.assessments.quiz_steps import answer, items_of, start, submit_attempt
from tests.assessments.quiz_steps import enrol_with_lessons_done as enrol_and_read

COURSE = "/courses/mini-course"
ADL = "http://adlnet.gov/expapi/verbs/"


def take_quiz(client, db_session, right: set[str]) -> Any:
    """Answer the questions of the standards in `right` correctly, the others wrongly; submit."""
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    for item in items:
        wrong = [o["key"] for o in item.served["options"] if o["key"] not in item.correct_keys][:1]
        keys = item.correct_keys if item.standard_code in right else wrong
        last = item.position == len(items)
        answer(client, attempt_id, item.position, keys, "review" if last else "next")
    return submit_attempt(client, attempt_id)


def journey(client, db_session) -> None:
    """Enrol, read, fail the quiz (SEA-2 missed), pass it: the course is complete, certified."""
    enrol_and_read(client)
    take_quiz(client, db_session, right={"SEA-1"})
    take_quiz(client, db_session, right={"SEA-1", "SEA-2"})


def deliver(app: Flask, **kwargs: Any) -> outbox.DeliveryReport:
    with app.app_context():
        return outbox.deliver_due(**kwargs)


def xapi_messages(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "xapi").order_by(OutboxMessage.id)
        )
    )


def verbs_of(messages: list[OutboxMessage]) -> list[str]:
    return [m.payload["verb"]["display"]["en-US"] for m in messages]
