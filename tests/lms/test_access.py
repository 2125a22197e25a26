"""Every route declares its audience; an access matrix checks every GET route for every role."""

from __future__ import annotations

import pytest
from flask import Flask

from certificates.serials import check_symbol
from lms.access import audience_of
from tests.lms.route_samples import SAMPLE_ARGUMENTS

ROLES = ("anonymous", "trainee", "trainer", "admin", "platform_admin")
# A trainer granted the course author permission: a trainer's pages and the studio's.
MATRIX_ROLES = (*ROLES, "author")
SERIAL = "7K3M-Q9PX-4RTW-Z2C" + check_symbol("7K3MQ9PX4RTWZ2C")  # well-formed, never issued


# Where the expected status differs from what the audience implies.
EXCEPTIONS = {
    ("core.index", "trainee"): 302,
    ("core.index", "trainer"): 302,
    ("core.index", "admin"): 302,
    ("accounts.sign_in", "trainee"): 302,
    ("accounts.sign_in", "trainer"): 302,
    ("accounts.sign_in", "admin"): 302,
    ("core.index", "platform_admin"): 302,
    ("accounts.sign_in", "platform_admin"): 302,
    # A trainee who is not enrolled is sent to the course page to enrol.
    ("courses.lesson", "trainee"): 302,
    # The sample course has no media: allowed, but nothing there.
    ("courses.media", "trainee"): 404,
    ("courses.media", "trainer"): 404,
    ("courses.media", "admin"): 404,
    ("courses.media", "platform_admin"): 404,
    # The sample draft has no images either.
    ("studio_preview.media", "author"): 404,
    # The quiz is locked until every lesson is complete.
    ("assessments.quiz", "trainee"): 403,
    # Another trainee's attempt (here: none) is not revealed.
    ("assessments.question", "trainee"): 404,
    ("assessments.review", "trainee"): 404,
    ("assessments.sheet", "trainee"): 404,
    ("assessments.result", "trainee"): 404,
    # A trainer who does not run the cohort does not see it; the admin does.
    ("evaluations.practical", "trainer"): 404,
    ("evaluations.paper", "trainer"): 404,
    ("evaluations.history", "trainer"): 404,
    ("evaluations.correct", "trainer"): 404,
    ("evaluations.correct", "admin"): 404,
    # The sample serial was never issued: unknown to everyone, and said so publicly.
    ("certificates.detail", "trainee"): 404,
    ("certificates.detail", "trainer"): 404,
    ("certificates.detail", "admin"): 404,
    ("certificates.download", "trainee"): 404,
    ("certificates.download", "trainer"): 404,
    ("certificates.download", "admin"): 404,
    ("certificates.detail", "platform_admin"): 404,
    ("certificates.download", "platform_admin"): 404,
    # The sample course has no standards or practicals of its own: allowed, but nothing there.
    ("studio_catalog.standard", "author"): 404,
    ("studio_catalog.rubric", "author"): 404,
    **{("verify.verify_serial", role): 404 for role in ROLES},
    **{("verify.verify_json", role): 404 for role in ROLES},
    **{("badges.credential_jwt", role): 404 for role in ROLES[1:]},
    **{("badges.credential_json", role): 404 for role in ROLES[1:]},
    **{("badges.status", role): 404 for role in ROLES},
    # The sample job does not exist (someone else's job is not revealed either).
    **{(f"jobs.{view}", role): 404 for view in ("show", "status", "result") for role in ROLES[1:]},
    # The first request for a course pack starts the job that renders it, and goes to its page.
    **{("courses.pack", role): 303 for role in ROLES[1:]},
    # Only the issuer's own key is published; any other key name is unknown.
    **{("badges.key", role): 404 for role in ROLES},
    # Trainers reach only their own cohorts (the sample cohort has no trainer); admins reach all.
    **{
        (endpoint, "trainer"): 404
        for endpoint in (
            "certificates.cohort_zip",
            "cohorts.show",
            "cohorts.edit",
            "cohorts.dashboard",
            "cohorts.roster_preview",
            "cohorts.export",
            "cohorts.readiness_report",
        )
    },
    ("cohorts.roster_preview", "admin"): 404,
    # LTI: a login without a platform's parameters, an unknown ticket, an unknown platform.
    **{("lti.login", role): 400 for role in ROLES},
    **{("lti.continue_launch", role): 400 for role in ROLES},
    ("lti_admin.edit_platform", "admin"): 404,
    # The sample course has no images.
    ("studio_lessons.media_file", "author"): 404,
}


def _expected(endpoint: str, audience: frozenset[str], role: str) -> int:
    if role == "author":
        if (endpoint, role) in EXCEPTIONS:
            return EXCEPTIONS[(endpoint, role)]
        if "course_author" in audience:
            return EXCEPTIONS.get((endpoint, role), 200)
        role = "trainer"
    if (endpoint, role) in EXCEPTIONS:
        return EXCEPTIONS[(endpoint, role)]
    if "public" in audience:
        return 200
    if "api_token" in audience:
        return 401  # the read API answers only to access tokens, never to a browser session
    if role == "anonymous":
        return 302  # to the sign-in page
    if "signed_in" in audience or role in audience:
        return 200
    return 403


def _get_rules(app: Flask):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or set())),
        key=lambda rule: rule.endpoint,
    )


def test_every_endpoint_declares_its_audience(app):
    undeclared = [
        endpoint for endpoint, view in app.view_functions.items() if audience_of(view) is None
    ]
    assert undeclared == []


def test_an_undeclared_route_is_refused_even_if_registered(app, client):
    app.add_url_rule("/rogue", "core.rogue", lambda: "secret data")
    response = client.get("/rogue")
    assert response.status_code == 500
    assert b"secret data" not in response.data


def test_every_get_route_with_parameters_has_sample_arguments(app):
    missing = [
        rule.endpoint
        for rule in _get_rules(app)
        if rule.arguments and rule.endpoint not in SAMPLE_ARGUMENTS
    ]
    assert missing == []


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_access_matrix(app, make_user, make_cohort, load_course, role, tmp_path):
    load_course()
    trainee = make_user("trainee")
    cohort = make_cohort(members=[trainee])
    client = app.test_client()
    if role != "anonymous":
        from tests.conftest import TEST_SECRET
        from tests.helpers import sign_in

        if role == "author":
            from tests.studio.factories import package_files, publish_course

            user = make_user("trainer", is_course_author=True)
            publish_course(app, user, package_files(tmp_path, "centre-course"))
        else:
            user = make_user(role)
        assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
    failures = []
    for rule in _get_rules(app):
        arguments = {
            key: value.format(trainee_id=trainee.id, cohort_id=cohort.id, serial=SERIAL)
            for key, value in SAMPLE_ARGUMENTS.get(rule.endpoint, {}).items()
        }
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **arguments)
        audience = audience_of(app.view_functions[rule.endpoint])
        expected = _expected(rule.endpoint, audience, role)
        response = client.get(url)
        response.close()
        if response.status_code != expected:
            failures.append((url, rule.endpoint, response.status_code, expected))
        if expected == 302 and role == "anonymous" and rule.endpoint not in {"core.index"}:
            assert response.headers["Location"].startswith("/sign-in"), url
    assert failures == [], "\n".join(map(str, failures))
