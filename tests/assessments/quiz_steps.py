"""Steps of a trainee taking the mini course's quiz through HTTP, shared by the tests that need an attempt."""

from __future__ import annotations

from sqlalchemy import select

from assessments.models import AttemptItem
from tests.helpers import submit

COURSE = "/courses/mini-course"
QUIZ = "/assessments/mini-course/quiz"


def enrol_with_lessons_done(client) -> None:
    """Enrol the signed-in trainee in the mini course and complete every lesson."""
    submit(client, COURSE, {}, action=f"{COURSE}/enrol")
    for lesson in ("first-steps", "second-steps"):
        url = f"{COURSE}/lessons/{lesson}"
        submit(client, url, {}, action=f"{url}/complete")


def start(client) -> int:
    response = submit(client, QUIZ, {}, action="/assessments/mini-course/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[3])


def items_of(db_session, attempt_id):
    db_session.expire_all()
    return db_session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()


def answer(client, attempt_id, position, keys, go="next"):
    url = f"/assessments/attempts/{attempt_id}/questions/{position}"
    return submit(client, QUIZ, {"answer": keys, "go": go}, action=url)


def answer_all(client, db_session, attempt_id, right=True):
    for item in items_of(db_session, attempt_id):
        wrong = [o["key"] for o in item.served["options"] if o["key"] not in item.correct_keys][:1]
        answer(client, attempt_id, item.position, item.correct_keys if right else wrong)


def submit_attempt(client, attempt_id):
    return submit(client, QUIZ, {}, action=f"/assessments/attempts/{attempt_id}/submit")
