"""The statements (ids, actor, formats) and the sender's reading of each answer of a real store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from werkzeug.wrappers import Response

from lms.outbox import Rejected
from tests.xapi.conftest import BASE
from tests.xapi.lrs import LearningRecordStore
from xapi import statements
from xapi.lrs import StoreUnavailable, send_statement, statements_url

SITE = statements.Site(base=BASE, platform="Test centre")
MONDAY = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def course() -> SimpleNamespace:
    return SimpleNamespace(
        slug="mini-course",
        version="1.0",
        languages=["en", "fr"],
        title={"en": "Mini course", "fr": "Mini cours"},
        title_in=lambda lang: {"en": "Mini course", "fr": "Mini cours"}.get(lang, "Mini course"),
    )


def user(**fields) -> SimpleNamespace:
    return SimpleNamespace(
        **{"id": 7, "full_name": "Aminata Diop", "preferred_language": "fr", **fields}
    )


def launch(site=SITE, at=MONDAY, via="web"):
    return statements.launched(site, user(), course(), via, at)


def test_ids_are_deterministic_per_event_and_site(app):
    with app.app_context():
        first = launch()
        assert launch(at=MONDAY + timedelta(hours=3))["id"] == first["id"]  # same day
        assert launch(at=MONDAY + timedelta(days=1))["id"] != first["id"]
        assert launch(via="lti")["id"] != first["id"]
        other_site = statements.Site(base="https://other.example.org", platform="Other")
        assert launch(site=other_site)["id"] != first["id"]
        assert first["id"] == SITE.uuid_for("launched", 7, "mini-course", "web", MONDAY.date())


def test_the_actor_is_an_opaque_account_with_or_without_the_name(app):
    with app.app_context():
        assert launch()["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": BASE, "name": "7"},
            "name": "Aminata Diop",
        }
        discreet = statements.Site(base=BASE, platform="Test centre", send_names=False)
        assert "name" not in launch(site=discreet)["actor"]


def test_formats():
    assert statements.timestamp(MONDAY) == "2026-11-23T08:30:00.000Z"
    paris = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert statements.timestamp(paris) == "2026-11-23T08:30:00.000Z"
    assert [statements.duration(s) for s in (312.5, 60, 0.004, -3)] == [
        "PT312.5S",
        "PT60S",
        "PT0S",
        "PT0S",
    ]
    assert SITE.iri("standards", "SEA 1/x") == f"{BASE}/standards/SEA%201%2Fx"


def test_a_quiz_result_carries_each_standard(app):
    attempt = SimpleNamespace(
        id=41,
        number=1,
        language="fr",
        course_version="1.0",
        started_at=MONDAY,
        thresholds={"SEA-1": 80, "SEA-2": 80},
        standard_versions={"SEA-1": 1, "SEA-2": 2},
    )
    result = SimpleNamespace(
        percent=62.5,
        passed=False,
        by_standard={"SEA-2": 25.0, "SEA-1": 100.0},
        submitted_at=MONDAY + timedelta(minutes=5, seconds=12),
    )
    with app.app_context():
        statement = statements.scored(
            SITE, user(), course(), attempt, result, {"SEA-1": {"en": "Prevent SEA"}}
        )
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert statement["result"]["score"] == {"scaled": 0.625, "raw": 62.5, "min": 0, "max": 100}
    assert statement["result"]["duration"] == "PT312S"
    assert statement["result"]["extensions"][f"{BASE}/xapi/extensions/standards"] == {
        "SEA-1": {
            "activity": f"{BASE}/standards/SEA-1",
            "version": 1,
            "scaled": 1.0,
            "raw": 100.0,
            "threshold": 80,
            "mastered": True,
        },
        "SEA-2": {
            "activity": f"{BASE}/standards/SEA-2",
            "version": 2,
            "scaled": 0.25,
            "raw": 25.0,
            "threshold": 80,
            "mastered": False,
        },
    }
    others = statement["context"]["contextActivities"]["other"]
    assert [(a["id"], a["definition"]["name"]) for a in others] == [
        (f"{BASE}/standards/SEA-1", {"en": "Prevent SEA"}),
        (f"{BASE}/standards/SEA-2", {"en": "SEA-2"}),
    ]
    assert statement["context"]["language"] == "fr"
    assert statement["object"]["definition"]["name"]["en"] == "Quiz: Mini course"


def test_a_new_certification_cycle_after_expiry_is_a_new_completion(
    app, make_user, load_course, db_session
):
    from certificates.services import issue_certificate
    from courses.models import Course
    from lms.db import db
    from xapi.receivers import certification_cycle

    load_course()
    trainee = make_user("trainee")
    with app.test_request_context():
        course = db.session.query(Course).one()
        user = db.session.merge(trainee)
        assert certification_cycle(user, course) == 1  # before any certificate
        issue_certificate(user, course, today=date.today() - timedelta(days=800))
        assert certification_cycle(user, course) == 2  # the first has expired: a new cycle
        issue_certificate(user, course)
        assert certification_cycle(user, course) == 2  # the second is held: the same cycle


def sample(statement_id: str | None = None) -> dict:
    statement = {
        "id": statement_id or SITE.uuid_for("sample"),
        "actor": {"objectType": "Agent", "account": {"homePage": BASE, "name": "7"}},
        "verb": statements.verb("launched"),
        "object": {"objectType": "Activity", "id": f"{BASE}/courses/mini-course"},
        "timestamp": statements.timestamp(MONDAY),
    }
    return statement


def test_the_store_keeps_a_statement_once(app, lrs: LearningRecordStore):
    with app.app_context():
        send_statement(sample())
        send_statement(sample())  # the same again: 204, harmless
        changed = {**sample(), "verb": statements.verb("completed")}
        send_statement(changed)  # 409: the store holds another statement with this id
    assert [status for _method, _sid, status in lrs.requests] == [204, 204, 409]
    assert len(lrs.statements) == 1
    assert lrs.by_verb("launched")


@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (Response("bad", 400), Rejected, "400 BAD REQUEST: bad"),
        (Response("no", 403), Rejected, "check XAPI_USERNAME"),
        (Response("", 404), Rejected, "404"),
        (Response("", 302, {"Location": "https://sso.example.org/"}), Rejected, "XAPI_ENDPOINT"),
        (Response("busy", 429), StoreUnavailable, "429"),
        (Response("oops", 500), StoreUnavailable, "500"),
        (Response("later", 503), StoreUnavailable, "503"),
    ],
)
def test_each_answer_of_the_store_is_read_right(app, lrs, answer, outcome, words):
    lrs.forced = answer
    with app.app_context(), pytest.raises(outcome, match=words):
        send_statement(sample())


def test_an_invalid_statement_is_refused_for_good(app, lrs):
    broken = sample()
    broken["actor"] = {"objectType": "Agent", "account": {"homePage": BASE}}
    with app.app_context(), pytest.raises(Rejected, match="actor needs an account"):
        send_statement(broken)


def test_no_store_configured_keeps_the_statement_for_later(app):
    app.config["XAPI_ENDPOINT"] = ""
    with app.app_context(), pytest.raises(StoreUnavailable, match="XAPI_ENDPOINT"):
        send_statement(sample())


def test_the_statements_resource_of_an_endpoint():
    assert (
        statements_url("https://lrs.example.org/xapi/") == "https://lrs.example.org/xapi/statements"
    )
    assert (
        statements_url("https://lrs.example.org/xapi") == "https://lrs.example.org/xapi/statements"
    )
