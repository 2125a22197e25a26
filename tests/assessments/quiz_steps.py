"""Steps of a trainee taking the mini course's quiz through HTTP, shared by the tests that need an attempt."""

from __future__ import annotations

import re

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
    """Start an attempt: the answer is its first question (no redirect); returns its id."""
    response = submit(client, QUIZ, {}, action="/assessments/mini-course/quiz/start")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="from" value="1"' in page, page
    return int(re.search(r'action="/assessments/attempts/(\d+)/questions/2"', page).group(1))


def items_of(db_session, attempt_id):
    db_session.expire_all()
    return db_session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()


def answer(client, attempt_id, position, keys, go="next"):
    """Answer question `position` and press one of its buttons: "next", "prev", "review" or a
    question number; each posts to the page it leads to, with the question answered in "from".
    The last question has no "next" (it would post to a page that does not exist: 404, nothing
    saved): pass "review" there."""
    base = f"/assessments/attempts/{attempt_id}"
    to = {"next": position + 1, "prev": position - 1}.get(go, go)
    action = f"{base}/review" if to == "review" else f"{base}/questions/{to}"
    return submit(client, QUIZ, {"answer": keys, "from": position}, action=action)


def answer_all(client, db_session, attempt_id, right=True):
    items = items_of(db_session, attempt_id)
    for item in items:
        wrong = [o["key"] for o in item.served["options"] if o["key"] not in item.correct_keys][:1]
        go = "review" if item.position == len(items) else "next"
        response = answer(
            client, attempt_id, item.position, item.correct_keys if right else wrong, go
        )
        assert response.status_code == 200, response.get_data(as_text=True)


def submit_attempt(client, attempt_id):
    return submit(client, QUIZ, {}, action=f"/assessments/attempts/{attempt_id}/submit")
