"""Grade passback end to end: a learner who arrived by LTI takes the quiz and completes the course;
the outbox delivers the scores to the platform's gradebook with a valid access token."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from tests.assessments.quiz_steps import answer_all, start, submit_attempt
from tests.helpers import submit
from tests.lti.conftest import COURSE, launch, learner

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _finish_lessons(client):
    for lesson in ("first-steps", "second-steps"):
        url = f"/courses/{COURSE}/lessons/{lesson}"
        assert submit(client, url, {}, action=f"{url}/complete").status_code == 302


def _take_quiz(client, db_session, right=True):
    attempt_id = start(client)
    answer_all(client, db_session, attempt_id, right=right)
    assert submit_attempt(client, attempt_id).status_code == 200  # the result, no redirect


def _deliver(app, **kwargs):
    from lms import outbox

    with app.app_context():
        return outbox.deliver_due(kind="lti-score", **kwargs)


def _messages(db_session):
    from lms.outbox import OutboxMessage

    db_session.expire_all()
    return db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "lti-score").order_by(OutboxMessage.id)
    ).all()


def test_passing_the_course_sends_the_score_and_completion_to_the_gradebook(
    app, client, registered, db_session
):
    assert launch(client, registered, learner("learner-5")).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=True)
    assert [m.status for m in _messages(db_session)] == ["pending", "pending"]
    assert registered.scores == []  # nothing is sent inside the request

    report = _deliver(app)
    assert (report.delivered, report.retrying, report.dead) == (2, 0, 0)
    attempt, completion = registered.scores
    assert attempt["lineitem"] == completion["lineitem"] == "1"
    assert attempt["userId"] == completion["userId"] == "learner-5"
    assert (attempt["scoreGiven"], attempt["scoreMaximum"]) == (100.0, 100)
    assert (attempt["activityProgress"], attempt["gradingProgress"]) == ("Submitted", "Pending")
    assert (completion["scoreGiven"], completion["scoreMaximum"]) == (100.0, 100)
    assert (completion["activityProgress"], completion["gradingProgress"]) == (
        "Completed",
        "FullyGraded",
    )
    assert datetime.fromisoformat(completion["timestamp"]).tzinfo is not None
    # Each score came with an access token the platform issued for the score scope.
    for request in registered.score_requests:
        scheme, token = request["authorization"].split()
        claims = jwt.decode(token, registered.public_pem, algorithms=["RS256"])
        assert scheme == "Bearer"
        assert claims["iss"] == registered.issuer and claims["sub"] == registered.client_id
        assert SCORE_SCOPE in claims["scopes"].split()
        assert request["type"] == "application/vnd.ims.lis.v1.score+json"
    assert _deliver(app).delivered == 0  # delivered once


def test_a_failed_attempt_sends_its_score_but_no_completion(app, client, registered, db_session):
    assert launch(client, registered, learner()).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=False)
    assert _deliver(app).delivered == 1
    [score] = registered.scores
    assert score["scoreGiven"] == 0.0
    assert score["gradingProgress"] == "Pending"


def test_an_outage_of_the_platform_loses_no_score(app, client, registered, db_session):
    from lms.db import utcnow

    assert launch(client, registered, learner()).status_code == 302
    _finish_lessons(client)
    registered.refuse_tokens = True
    _take_quiz(client, db_session, right=False)
    report = _deliver(app)
    assert (report.delivered, report.retrying) == (0, 1)
    [message] = _messages(db_session)
    assert (message.status, message.attempts) == ("pending", 1)
    registered.refuse_tokens = False
    assert _deliver(app, now=utcnow() + timedelta(hours=2)).delivered == 1
    assert len(registered.scores) == 1


def test_a_refused_score_is_kept_as_dead(app, client, registered, db_session):
    assert launch(client, registered, learner(lineitem="99")).status_code == 302  # no such column
    _finish_lessons(client)
    _take_quiz(client, db_session, right=False)
    assert _deliver(app).dead == 1
    [message] = _messages(db_session)
    assert message.status == "dead" and "404" in message.last_error


def test_without_a_line_item_the_tool_makes_its_column_once(app, client, registered, db_session):
    assert launch(client, registered, learner(lineitem=None)).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=True)
    assert _deliver(app).delivered == 2
    assert sorted(registered.lineitems) == ["1", "2"]  # one column made, then found again
    made = registered.lineitems["2"]
    assert (made["resourceLinkId"], made["resourceId"], made["scoreMaximum"]) == (
        "link-1",
        COURSE,
        100,
    )
    assert [score["lineitem"] for score in registered.scores] == ["2", "2"]


def test_a_repeated_completion_event_queues_nothing_new(app, client, registered, db_session):
    from accounts.models import User
    from assessments.completion import notify_if_complete
    from courses.services import get_course
    from lms.db import db
    from lti.models import LtiUserLink

    assert launch(client, registered, learner()).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=True)
    assert len(_messages(db_session)) == 2
    user_id = db_session.scalars(select(LtiUserLink.user_id)).one()
    with app.app_context():
        assert notify_if_complete(db.session.get(User, user_id), get_course(COURSE))
        db.session.commit()
    assert len(_messages(db_session)) == 2


def test_learners_who_did_not_come_by_lti_send_nothing(
    app, client, login_as, load_course, db_session
):
    load_course()
    login_as("trainee")
    submit(client, f"/courses/{COURSE}", {}, action=f"/courses/{COURSE}/enrol")
    _finish_lessons(client)
    _take_quiz(client, db_session, right=True)
    assert _messages(db_session) == []


def test_a_platform_without_the_score_scope_gets_nothing(app, client, registered, db_session):
    intent = learner(
        extra_claims={
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"],
                "lineitem": f"{registered.base}/lineitems/1",
            }
        }
    )
    assert launch(client, registered, intent).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=True)
    assert _messages(db_session) == []


@pytest.mark.parametrize("enabled", [False])
def test_scores_for_a_platform_disabled_since_are_refused(
    app, client, registered, db_session, enabled
):
    from lti.models import LtiPlatform

    assert launch(client, registered, learner()).status_code == 302
    _finish_lessons(client)
    _take_quiz(client, db_session, right=False)
    platform = db_session.scalars(select(LtiPlatform)).one()
    platform.is_enabled = enabled
    db_session.commit()
    assert _deliver(app).dead == 1
    assert registered.scores == []
    assert db_session.scalar(select(func.count()).select_from(LtiPlatform)) == 1
