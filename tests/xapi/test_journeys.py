"""xAPI through the app: a trainee's journey reaches a real learning record store over HTTP, once
per statement, through outages, failed requests, refusals and with xAPI switched off."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from lms.audit import AuditEvent
from lms.db import utcnow
from tests.helpers import submit
from tests.xapi.conftest import BASE
from tests.xapi.lrs import PASSWORD, LearningRecordStore
from tests.xapi.steps import (
    ADL,
    COURSE,
    deliver,
    enrol_and_read,
    journey,
    take_quiz,
    verbs_of,
    xapi_messages,
)


def test_a_trainees_journey_reaches_the_store(app, client, db_session, lrs, trainee):
    journey(client, db_session)
    assert deliver(app).delivered == 5

    assert sorted(s["verb"]["display"]["en-US"] for s in lrs.statements.values()) == [
        "completed",
        "earned",
        "failed",
        "launched",
        "passed",
    ]
    assert all(lrs.puts_of(statement_id) == 1 for statement_id in lrs.statements)
    everything = list(lrs.statements.values())
    # The trainee is an opaque account of the site, never their service number (a sign-in name).
    assert {json.dumps(s["actor"], sort_keys=True) for s in everything} == {
        json.dumps(
            {
                "objectType": "Agent",
                "account": {"homePage": BASE, "name": str(trainee.id)},
                "name": "Sita Gurung",
            },
            sort_keys=True,
        )
    }
    assert trainee.service_number not in json.dumps(everything)
    assert len({s["context"]["registration"] for s in everything}) == 1
    assert all(s["timestamp"].endswith("Z") for s in everything)

    course_iri = f"{BASE}/courses/mini-course"
    [launched] = lrs.by_verb("launched")
    assert launched["verb"]["id"] == ADL + "launched"
    assert launched["object"]["id"] == course_iri
    assert launched["object"]["definition"]["name"] == {
        "en": "Mini course (en)",
        "fr": "Mini course (fr)",
    }
    assert launched["context"]["extensions"][f"{BASE}/xapi/extensions/launched-via"] == "web"

    [failed] = lrs.by_verb("failed")
    assert failed["verb"]["id"] == ADL + "failed"
    assert failed["object"]["id"] == f"{BASE}/assessments/mini-course/quiz"
    assert (
        failed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    )
    assert failed["result"]["score"] == {"scaled": 0.5, "raw": 50.0, "min": 0, "max": 100}
    assert (failed["result"]["success"], failed["result"]["completion"]) == (False, True)
    standards = failed["result"]["extensions"][f"{BASE}/xapi/extensions/standards"]
    assert {code: (r["raw"], r["mastered"]) for code, r in standards.items()} == {
        "SEA-1": (100.0, True),
        "SEA-2": (0.0, False),
    }
    assert standards["SEA-1"]["activity"] == f"{BASE}/standards/SEA-1"
    activities = failed["context"]["contextActivities"]
    assert [a["id"] for a in activities["parent"]] == [course_iri]
    assert [a["id"] for a in activities["other"]] == [
        f"{BASE}/standards/SEA-1",
        f"{BASE}/standards/SEA-2",
    ]
    assert {"en", "fr", "zh", "ar"} <= set(activities["other"][0]["definition"]["name"])

    [passed] = lrs.by_verb("passed")
    assert passed["result"]["score"]["scaled"] == 1.0 and passed["result"]["success"] is True
    assert passed["context"]["extensions"][f"{BASE}/xapi/extensions/attempt"] == 2

    [completed] = lrs.by_verb("completed")
    assert completed["verb"]["id"] == ADL + "completed"
    assert completed["object"]["id"] == course_iri
    assert completed["result"] == {"completion": True, "success": True}

    [earned] = lrs.by_verb("earned")
    serial = db_session.scalars(
        select(Certificate.serial).where(Certificate.trainee_id == trainee.id)
    ).one()
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"{BASE}/verify/{serial}"
    assert [a["id"] for a in earned["context"]["contextActivities"]["other"]] == [
        f"{BASE}/standards/SEA-1",
        f"{BASE}/standards/SEA-2",
    ]
    with app.app_context():
        assert deliver(app).delivered == 0  # nothing is sent twice


def test_an_outage_loses_nothing_and_sends_each_statement_once(
    app, client, db_session, lrs: LearningRecordStore, trainee
):
    lrs.mode = "503"
    journey(client, db_session)
    now = utcnow()
    report = deliver(app, now=now)
    assert (report.delivered, report.retrying) == (0, 5)
    assert lrs.statements == {}
    lrs.stop()  # now not even listening
    report = deliver(app, now=now + timedelta(hours=1))
    assert (report.delivered, report.retrying, report.dead) == (0, 5, 0)
    messages = xapi_messages(db_session)
    assert {m.status for m in messages} == {"pending"}
    assert all("ConnectionError" in (m.last_error or "") for m in messages)
    assert all(m.attempts == 2 for m in messages)

    lrs.mode = "up"
    lrs.start()
    assert deliver(app, now=now + timedelta(minutes=30)).delivered == 0  # backing off
    assert deliver(app, now=now + timedelta(hours=2)).delivered == 5
    assert deliver(app, now=now + timedelta(days=1)).delivered == 0
    assert sorted(verbs_of(xapi_messages(db_session))) == sorted(
        s["verb"]["display"]["en-US"] for s in lrs.statements.values()
    )
    puts = [sid for method, sid, status in lrs.requests if status == 204]
    assert len(puts) == len(set(puts)) == 5


def test_a_slow_store_is_a_timeout_and_retried(app, client, db_session, lrs, trainee):
    enrol_and_read(client)
    lrs.mode, lrs.slow_seconds = "slow", 1.5  # the app waits 1 s (XAPI_TIMEOUT)
    assert deliver(app).retrying == 1
    [message] = xapi_messages(db_session)
    assert message.status == "pending" and "Timeout" in (message.last_error or "")
    lrs.mode = "up"
    assert deliver(app, now=utcnow() + timedelta(hours=1)).delivered == 1
    assert len(lrs.by_verb("launched")) == 1


def test_a_failed_request_leaves_no_statement(app, client, db_session, lrs, trainee, monkeypatch):
    enrol_and_read(client)
    take_quiz(client, db_session, right={"SEA-1"})

    def broken_renderer(context: dict[str, Any]) -> bytes:
        raise OSError("disk full")

    # Passing completes the course, whose certificate then fails to render: the request fails.
    monkeypatch.setattr("certificates.pdf.render_certificate", broken_renderer)
    assert take_quiz(client, db_session, right={"SEA-1", "SEA-2"}).status_code == 500
    assert verbs_of(xapi_messages(db_session)) == ["launched", "failed"]
    assert deliver(app).delivered == 2
    assert sorted(s["verb"]["display"]["en-US"] for s in lrs.statements.values()) == [
        "failed",
        "launched",
    ]


def test_wrong_credentials_make_a_dead_letter_that_can_be_requeued(
    app, client, db_session, lrs, trainee
):
    app.config["XAPI_PASSWORD"] = "not-the-secret"
    enrol_and_read(client)
    assert deliver(app).dead == 1
    [message] = xapi_messages(db_session)
    assert message.status == "dead"
    assert "401" in (message.last_error or "") and "XAPI_PASSWORD" in (message.last_error or "")
    assert deliver(app, now=utcnow() + timedelta(days=1)).delivered == 0  # dead stays dead

    app.config["XAPI_PASSWORD"] = PASSWORD
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["xapi", "retry-dead", "--reason", "password fixed"])
    assert refused.exit_code != 0  # neither --id nor --all: nothing happens
    result = runner.invoke(
        args=["xapi", "retry-dead", "--id", str(message.id), "--reason", "password fixed"]
    )
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "xapi.requeued")).one()
    assert audit.target_id == str(message.id) and audit.details["reason"] == "password fixed"
    assert "401" in audit.details["previous_error"]
    assert deliver(app).delivered == 1
    assert len(lrs.by_verb("launched")) == 1


@pytest.mark.parametrize("app_config", [{"XAPI_ENDPOINT": ""}])
def test_with_xapi_off_nothing_is_written(app, client, db_session, trainee, app_config):
    journey(client, db_session)
    assert db_session.scalar(select(Certificate.id)) is not None  # the journey did complete
    assert xapi_messages(db_session) == []


def test_a_repeated_completion_is_one_statement(app, client, db_session, lrs, trainee):
    from courses.models import Course
    from lms.db import db
    from lms.events import course_completed

    journey(client, db_session)
    with app.test_request_context():
        course = db.session.scalars(select(Course)).one()
        user = db.session.merge(trainee)
        for _ in range(2):  # twice in one transaction: written once
            course_completed.send(app, trainee=user, course=course)
        db.session.commit()
        course_completed.send(app, trainee=user, course=course)  # and in a later one
        db.session.commit()
    completed = [m for m in xapi_messages(db_session) if verbs_of([m]) == ["completed"]]
    assert len(completed) == 3 and len({m.payload["id"] for m in completed}) == 1
    assert deliver(app).delivered == 7
    assert len(lrs.by_verb("completed")) == 1
    assert len(lrs.statements) == 5


def test_statements_leave_right_after_the_response(app, client, db_session, lrs, trainee):
    app.config["OUTBOX_QUEUE_DELIVERY"] = True
    submit(client, COURSE, {}, action=f"{COURSE}/enrol").close()
    assert len(lrs.by_verb("launched")) == 1
    assert [m.status for m in xapi_messages(db_session)] == ["delivered"]


def test_status_command_counts_statements_by_state(app, client, db_session, lrs, trainee):
    journey(client, db_session)
    lrs.mode = "503"
    deliver(app)
    result = app.test_cli_runner().invoke(args=["xapi", "status"])
    assert result.exit_code == 0, result.output
    assert f"store: {lrs.url}" in result.output
    assert "pending: 5" in result.output and "delivered: 0" in result.output
    assert "503 SERVICE UNAVAILABLE" in result.output.upper()
