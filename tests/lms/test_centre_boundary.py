"""The centre boundary: every route and API operation, walked by the users of centre A with the
ids of centre B's records, shows nothing of B and changes nothing of B.

The walk is generated from the URL map, so a route added later is walked too. Each URL parameter
gets the id (or serial, or slug) of one of B's records; every GET and POST is sent by A's trainee,
trainer and administrator, by A's read-API token, and by the platform administrator (who belongs to
no centre). Public routes (certificate verification, badges) are for everyone by design and are
only checked for not changing anything. Afterwards, B's rows are compared with a snapshot taken
before the walk.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import User
from api import tokens
from assessments.models import Evaluation, QuizAttempt
from certificates.models import Certificate, CertificateRevocation
from cohorts.models import (
    Cohort,
    RosterImport,
    TransferRequest,
    cohort_members,
    cohort_trainers,
)
from courses.models import Enrolment
from lms.access import audience_of
from lms.db import db
from lti.models import LtiPlatform
from tests.conftest import TEST_SECRET
from tests.helpers import add_certificate, csrf_token, sign_in

B_NAME = "Bintou Zzsecretname"
B_NUMBER = "SN-99771"
B_COHORT = "Zzsecret cohort of B"
B_ROSTER = "Zzsecret roster row"


@pytest.fixture
def centre_b(app, db_session, make_centre, make_user, make_cohort, course):
    """Centre B with one of everything a centre owns."""
    centre = make_centre(name="Centre B", country="SEN")
    admin = make_user("admin", centre_id=centre.id, email="admin-b@zzsecret.example")
    trainer = make_user("trainer", centre_id=centre.id, email="trainer-b@zzsecret.example")
    trainee = make_user(
        "trainee",
        centre_id=centre.id,
        service_number=B_NUMBER,
        full_name=B_NAME,
        nationality="SEN",
        email="bintou@zzsecret.example",
    )
    cohort = make_cohort(
        trainers=[trainer],
        members=[trainee],
        courses=[course],
        centre_id=centre.id,
        name=B_COHORT,
        country="SEN",
    )
    db_session.add(Enrolment(user_id=trainee.id, course_id=course.id))
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=300))
    revoked = add_certificate(db_session, trainee, course, date.today() + timedelta(days=200))
    db_session.add(
        CertificateRevocation(
            certificate_id=revoked.id, revoked_by_id=admin.id, reason="issued_in_error"
        )
    )
    staged = RosterImport(
        centre_id=centre.id,
        cohort_id=cohort.id,
        uploaded_by_id=trainer.id,
        filename="b.csv",
        rows=[{"line": 2, "values": {"full_name": B_ROSTER}, "errors": [], "action": "new"}],
        error_count=0,
    )
    platform = LtiPlatform(
        centre_id=centre.id,
        name="Zzsecret Moodle of B",
        issuer="https://moodle.b.example",
        client_id="b-client",
        auth_login_url="https://moodle.b.example/auth",
        auth_token_url="https://moodle.b.example/token",
        key_set_url="https://moodle.b.example/jwks",
    )
    attempt = QuizAttempt(
        user_id=trainee.id,
        course_id=course.id,
        number=1,
        course_version=course.version,
        language="en",
        pass_mark=80,
        thresholds={},
        standard_versions={},
        deadline_at=certificate.issued_at + timedelta(days=1),
    )
    db_session.add_all([staged, platform, attempt])
    db_session.flush()
    evaluation = Evaluation(
        kind="paper_quiz",
        trainee_id=trainee.id,
        evaluator_id=trainer.id,
        course_id=course.id,
        standard_code="MINI-1",
        standard_version=1,
        observed_on=date.today(),
        percent=90.0,
        passed=True,
        notes="Zzsecret note",
    )
    db_session.add(evaluation)
    other_cohort = make_cohort(trainers=[admin], centre_id=centre.id, name="Zzsecret other cohort")
    transfer = TransferRequest(
        centre_id=centre.id,
        trainee_id=trainee.id,
        to_cohort_id=other_cohort.id,
        requested_by_id=trainer.id,
        reason="Zzsecret reason",
    )
    db_session.add(transfer)
    db_session.commit()
    with app.app_context():
        token, _secret = tokens.create_token(
            "B personnel system",
            all_cohorts=True,
            cohort_ids=[],
            expires_at=None,
            actor=None,
            centre_id=centre.id,
        )
        db.session.commit()
        token_id = token.id
    return {
        "centre": centre,
        "ids": {
            "centre_id": centre.id,
            "user_id": trainee.id,
            "trainee_id": trainee.id,
            "cohort_id": cohort.id,
            "import_id": staged.id,
            "token_id": token_id,
            "platform_id": platform.id,
            "attempt_id": attempt.id,
            "evaluation_id": evaluation.id,
            "transfer_id": transfer.id,
            "serial": certificate.serial,
            "position": 1,
        },
        "admin": admin,
        "certificate": certificate,
        "revoked": revoked,
    }


def _snapshot(db_session, centre_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of centre B (and of the tables that hang from its people), as plain tuples."""
    db_session.expire_all()
    people = select(User.id).where(User.centre_id == centre_id).scalar_subquery()
    cohorts = select(Cohort.id).where(Cohort.centre_id == centre_id).scalar_subquery()
    queries = {
        "users": select(User.__table__).where(User.centre_id == centre_id),
        "cohorts": select(Cohort.__table__).where(Cohort.centre_id == centre_id),
        "members": select(cohort_members).where(cohort_members.c.cohort_id.in_(cohorts)),
        "trainers": select(cohort_trainers).where(cohort_trainers.c.cohort_id.in_(cohorts)),
        "rosters": select(RosterImport.__table__).where(RosterImport.centre_id == centre_id),
        "certificates": select(Certificate.__table__).where(Certificate.centre_id == centre_id),
        "revocations": select(CertificateRevocation.__table__),
        "platforms": select(LtiPlatform.__table__).where(LtiPlatform.centre_id == centre_id),
        "enrolments": select(Enrolment.__table__).where(Enrolment.user_id.in_(people)),
        "attempts": select(QuizAttempt.__table__).where(QuizAttempt.user_id.in_(people)),
        "evaluations": select(Evaluation.__table__).where(Evaluation.trainee_id.in_(people)),
        "transfers": select(TransferRequest.__table__).where(
            TransferRequest.centre_id == centre_id
        ),
    }
    return {
        name: sorted(map(tuple, db_session.execute(q).all()), key=repr)
        for name, q in queries.items()
    }


SECRETS = (B_NAME, B_NUMBER, B_COHORT, B_ROSTER, "zzsecret", "Zzsecret")
FILLERS = {
    "slug": "mini-course",
    "lesson_slug": "first",
    "code": "MINI-1",
    "what": "readiness",
    "fmt": "csv",
    "name": "x.png",
    "key_id": "none",
    "token": "none",
    "filename": "x.css",
}
POST_DATA = {
    "decision": "approve",
    "service_number": B_NUMBER,
    "nationality": "SEN",
    "name": "Taken",
    "enabled": "0",
    "reason": "other",
    "full_name": "Taken",
    "email": "taken@example.org",
    "country": "NPL",
    "observed_on": "2026-01-01",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "core.static" or audience_of(view) is None:
            continue
        yield rule, audience_of(view)


def _url(rule, ids: dict[str, Any]) -> str:
    values = {arg: ids.get(arg, FILLERS.get(arg, "1")) for arg in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def _walk(app, client, ids, *, headers=None, token_for_forms=None) -> list[str]:
    """Request every route; return what leaked (a 2xx answer naming B's records)."""
    leaks = []
    for rule, audience in _routes(app):
        url = _url(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = None
            if method == "POST":
                data = {**POST_DATA, "csrf_token": token_for_forms or ""}
                data["roster"] = (
                    io.BytesIO(f"service_number,full_name\n{B_NUMBER},Taken\n".encode()),
                    "r.csv",
                )
            response = client.open(url, method=method, data=data, headers=headers or {})
            assert response.status_code < 500, (method, url, response.status_code)
            if "public" in audience:
                continue  # for everyone by design (checked for changing nothing)
            body = (
                response.get_data().decode("utf-8", "replace") if response.status_code < 400 else ""
            )
            if response.status_code < 300 and any(secret in body for secret in SECRETS):
                leaks.append(f"{method} {url} -> {response.status_code}")
    return leaks


@pytest.mark.parametrize("role", ["trainee", "trainer", "admin", "platform_admin"])
def test_nothing_of_another_centre_is_visible_or_changeable(
    app, client, db_session, centre_b, make_user, role
):
    before = _snapshot(db_session, centre_b["centre"].id)
    user = make_user(role)
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
    token = csrf_token(client, "/home")
    leaks = _walk(app, client, centre_b["ids"], token_for_forms=token)
    assert leaks == []
    assert _snapshot(db_session, centre_b["centre"].id) == before


def test_a_read_api_token_reads_only_its_centre(app, client, db_session, centre_b, make_token):
    before = _snapshot(db_session, centre_b["centre"].id)
    secret = make_token(all_cohorts=True)  # centre A's
    leaks = _walk(app, client, centre_b["ids"], headers={"Authorization": f"Bearer {secret}"})
    assert leaks == []
    assert _snapshot(db_session, centre_b["centre"].id) == before


def test_searches_and_lists_of_centre_a_never_list_b(client, centre_b, login_as):
    login_as("admin")
    for url in (
        f"/admin/users?q={B_NUMBER}",
        "/admin/users?q=zzsecret",
        "/admin/users?role=trainee",
        "/cohorts/",
        "/admin/lti/",
        "/admin/api-tokens/",
        "/evaluations/",
        "/cohorts/transfers",
    ):
        body = client.get(url).get_data(as_text=True)
        shown = [secret for secret in SECRETS if secret in body and secret not in url]
        assert shown == [], url  # a search form shows its own query back, nothing more


def test_the_walk_sees_b_from_inside_b(app, client, centre_b):
    """The walk's check can fail: B's own administrator does see B's records."""
    assert sign_in(client, centre_b["admin"].sign_in_name, TEST_SECRET).status_code == 302
    assert B_NAME in client.get(f"/admin/users/{centre_b['ids']['user_id']}").get_data(as_text=True)
    assert B_COHORT in client.get("/cohorts/").get_data(as_text=True)
    leaks = _walk(app, client, centre_b["ids"], token_for_forms="not-a-token")
    assert leaks  # its own pages name its own records


def test_the_platform_administrator_manages_centres_without_seeing_trainees(
    client, db_session, centre_b, login_as
):
    login_as("platform_admin")
    page = client.get(f"/platform/centres/{centre_b['centre'].id}").get_data(as_text=True)
    assert "admin-b@zzsecret.example" in page  # the centre's administrators: managed here
    assert B_NAME not in page and B_NUMBER not in page
    assert client.get("/platform/").status_code == 200
    assert client.get(f"/admin/users/{centre_b['ids']['user_id']}").status_code == 403


def test_a_centres_own_public_address_is_used_for_its_records(app, db_session, centre_b):
    from certificates.services import verify_url

    serial = centre_b["certificate"].serial
    with app.test_request_context(headers={"Host": "evil.example"}):
        assert verify_url(serial, centre_b["certificate"]) == f"http://lms.test/verify/{serial}"
    centre = db_session.get(type(centre_b["centre"]), centre_b["centre"].id)
    centre.public_base_url = "https://training.centre-b.example"
    db_session.commit()
    with app.test_request_context(headers={"Host": "evil.example"}):
        assert (
            verify_url(serial, centre_b["certificate"])
            == f"https://training.centre-b.example/verify/{serial}"
        )
