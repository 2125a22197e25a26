"""Resource-link launches end to end against a real platform: accounts, roles, enrolment, the
launch event, framed launches, and every kind of bad launch refused with nothing created."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from tests.lti.conftest import (
    COURSE,
    instructor,
    launch,
    learner,
    platform_form,
    start_login,
)
from tests.lti.platform import INSTRUCTOR, LEARNER, new_private_pem

SYSTEM_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
INSTITUTION_ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


def _user_of(db_session, issuer, subject):
    from accounts.models import User
    from lti.models import LtiUserLink

    db_session.expire_all()
    link = db_session.scalars(
        select(LtiUserLink).where(LtiUserLink.issuer == issuer, LtiUserLink.subject == subject)
    ).one()
    return db_session.get(User, link.user_id)


def test_a_learners_first_launch_creates_the_account_enrols_and_opens_the_course(
    app, client, registered, db_session, counts
):
    from courses.models import Enrolment
    from lms.events import course_launched

    launched = []

    def remember(_app, **kwargs):
        launched.append(kwargs)

    course_launched.connect(remember)
    try:
        before = counts()
        response = launch(client, registered, learner(name="Amina Diallo"))
    finally:
        course_launched.disconnect(remember)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/courses/{COURSE}"
    after = counts()
    assert after["users"] == before["users"] + 1
    assert after["enrolments"] == before["enrolments"] + 1
    user = _user_of(db_session, registered.issuer, "learner-1")
    assert (user.role, user.full_name, user.email) == ("trainee", "Amina Diallo", None)
    assert user.service_number.startswith("LTI-")
    assert not user.is_credential_temporary  # no PIN to change: they come through the platform
    enrolment = db_session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    assert enrolment.course.slug == COURSE
    assert [(e["user"].id, e["course"].slug, e["via"]) for e in launched] == [
        (user.id, COURSE, "lti")
    ]
    page = client.get(f"/courses/{COURSE}")  # signed in, inside the course
    assert page.status_code == 200
    assert client.get("/home").status_code == 200


def test_a_launch_refuses_the_state_cookie_afterwards(client, registered):
    response = launch(client, registered, learner())
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    state_cookies = [c for c in cookies if c.startswith("lti1p3-state-")]
    assert state_cookies and all(
        "Max-Age=0" in c or "expires=Thu, 01 Jan 1970" in c for c in state_cookies
    )


def test_a_second_launch_by_the_same_subject_reuses_the_account(
    client, registered, db_session, counts
):
    assert launch(client, registered, learner(name="Amina Diallo")).status_code == 302
    first = _user_of(db_session, registered.issuer, "learner-1")
    before = counts()
    assert launch(client, registered, learner(name="Amina D. Diallo")).status_code == 302
    after = counts()
    assert after["users"] == before["users"]
    assert after["lti_user_links"] == before["lti_user_links"]
    assert after["enrolments"] == before["enrolments"]
    again = _user_of(db_session, registered.issuer, "learner-1")
    assert again.id == first.id
    assert again.full_name == "Amina D. Diallo"  # the platform's name is kept up to date


def test_the_same_subject_of_another_issuer_is_another_person(
    client, registered, register, db_session
):
    from tests.lti.platform import Platform

    other = Platform().start()
    try:
        other.tool_jwks = registered.tool_jwks
        register(other, name="Other platform")
        assert launch(client, registered, learner("same-sub")).status_code == 302
        assert launch(client, other, learner("same-sub")).status_code == 302
        first = _user_of(db_session, registered.issuer, "same-sub")
        second = _user_of(db_session, other.issuer, "same-sub")
        assert first.id != second.id
    finally:
        other.stop()


@pytest.mark.parametrize(
    "roles",
    [
        [INSTRUCTOR],
        ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"],
        ["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"],
        [INSTITUTION_ADMIN],
        [LEARNER, INSTRUCTOR, SYSTEM_ADMIN],
    ],
)
def test_staff_roles_make_a_trainer_never_an_administrator(client, registered, db_session, roles):
    from courses.models import Enrolment

    intent = instructor()
    intent.roles = roles
    response = launch(client, registered, intent)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/courses/{COURSE}"
    user = _user_of(db_session, registered.issuer, "teacher-1")
    assert user.role == "trainer"
    assert user.email.endswith("@lti.invalid")
    assert db_session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all() == []
    assert client.get("/cohorts/").status_code == 200  # a trainer's page
    assert client.get("/admin/users").status_code == 403


def test_the_local_role_follows_the_lti_roles(client, registered, db_session):
    assert launch(client, registered, learner("person-1")).status_code == 302
    assert _user_of(db_session, registered.issuer, "person-1").role == "trainee"
    promoted = instructor("person-1")
    assert launch(client, registered, promoted).status_code == 302
    user = _user_of(db_session, registered.issuer, "person-1")
    assert user.role == "trainer" and user.email and user.service_number


def test_an_administrator_account_is_never_opened_from_a_platform(
    client, registered, db_session, counts
):
    # An account a local administrator promoted (or a platform admin "logged in as" someone)
    # must not carry administrator rights into a framed, platform-initiated session.
    assert launch(client, registered, instructor("person-2")).status_code == 302
    user = _user_of(db_session, registered.issuer, "person-2")
    user.role = "admin"
    db_session.commit()
    client.delete_cookie("lms_session")
    before = counts()
    response = launch(client, registered, instructor("person-2"))
    assert response.status_code == 403
    assert "Administrator accounts" in response.get_data(as_text=True)
    assert counts() == before
    assert client.get("/admin/users").status_code in (302, 401)


def test_a_role_without_access_is_refused(client, registered, counts):
    intent = learner()
    intent.roles = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    before = counts()
    response = launch(client, registered, intent)
    assert response.status_code == 403
    assert "does not give access" in response.get_data(as_text=True)
    assert counts() == before


def test_a_link_without_a_course_is_refused_clearly(client, registered, counts):
    before = counts()
    response = launch(client, registered, learner(custom={}))
    assert response.status_code == 400
    assert "not connected to a course" in response.get_data(as_text=True)
    assert counts() == before


def test_a_link_keeps_its_course_once_launched(client, registered):
    assert launch(client, registered, learner("a", resource_link_id="link-9")).status_code == 302
    # The custom parameter is gone (edited in the platform): the link still opens its course.
    response = launch(client, registered, learner("b", resource_link_id="link-9", custom={}))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/courses/{COURSE}"


def test_the_language_of_a_new_account_comes_from_the_platform(client, registered, db_session):
    intent = learner(
        extra_claims={
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"locale": "fr-FR"}
        }
    )
    assert launch(client, registered, intent).status_code == 302
    assert _user_of(db_session, registered.issuer, "learner-1").preferred_language == "fr"


# Bad launches: a clear error, and nothing created ---------------------------------------------


def _resign(platform, **changes):
    def tamper(fields):
        claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
        claims.update(changes)
        header = jwt.get_unverified_header(fields["id_token"])
        token = jwt.encode(claims, platform.private_pem, algorithm="RS256", headers=header)
        return {**fields, "id_token": token}

    return tamper


def _forge(fields):
    # Same claims and kid, signed with a key that is not the platform's.
    claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
    header = jwt.get_unverified_header(fields["id_token"])
    token = jwt.encode(claims, new_private_pem(), algorithm="RS256", headers=header)
    return {**fields, "id_token": token}


def _no_state(fields):
    return {"id_token": fields["id_token"]}


def _other_state(fields):
    return {**fields, "state": "state-not-from-this-browser"}


BAD_LAUNCHES = {
    "wrong signature": (lambda p: _forge, {}, 403, "could not be verified"),
    "expired token": (lambda p: None, {"expires_in": -600}, 400, "has expired"),
    "unknown deployment": (
        lambda p: _resign(
            p, **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-x"}
        ),
        {},
        403,
        "deployment",
    ),
    "unknown client": (
        lambda p: _resign(p, aud="another-tool", azp="another-tool"),
        {},
        403,
        "not registered",
    ),
    "unknown issuer": (lambda p: _resign(p, iss="https://evil.example"), {}, 403, "not registered"),
    "another audience too, without azp": (
        lambda p: _resign(p, aud=[p.client_id, "another-tool"], azp=None),
        {},
        403,
        "could not be verified",
    ),
    "no expiry": (lambda p: _resign(p, exp=None), {}, 403, "could not be verified"),
    "not yet valid": (lambda p: _resign(p, iat=9_999_999_999), {}, 403, "could not be verified"),
    "not yet valid (nbf)": (
        lambda p: _resign(p, nbf=9_999_999_999),
        {},
        403,
        "could not be verified",
    ),
    "no nonce": (lambda p: _resign(p, nonce=None), {}, 403, "could not be verified"),
    "another LTI version": (
        lambda p: _resign(p, **{"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}),
        {},
        400,
        "does not support",
    ),
    "another message type": (
        lambda p: _resign(
            p,
            **{
                "https://purl.imsglobal.org/spec/lti/claim/message_type": (
                    "LtiSubmissionReviewRequest"
                )
            },
        ),
        {},
        400,
        "does not support",
    ),
    "missing state": (lambda p: _no_state, {}, 400, "did not start"),
    "state of another browser": (lambda p: _other_state, {}, 400, "did not start"),
    "not a JWT": (lambda p: lambda f: {**f, "id_token": "abc.def"}, {}, 400, "not valid"),
    "link elsewhere": (
        lambda p: _resign(
            p,
            **{
                "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://evil.example/x"
            },
        ),
        {},
        400,
        "does not support",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LAUNCHES))
def test_a_bad_launch_is_refused_clearly_and_creates_nothing(client, registered, counts, case):
    tamper_for, intent_changes, status, message = BAD_LAUNCHES[case]
    intent = learner(**intent_changes)
    before = counts()
    response = launch(client, registered, intent, tamper=tamper_for(registered))
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert message in body
    assert counts() == before
    assert client.get(f"/courses/{COURSE}").status_code == 302  # not signed in


def test_a_replayed_id_token_is_refused_and_creates_nothing(client, registered, counts):
    response = start_login(client, registered, learner())
    action, fields = platform_form(registered, response.headers["Location"])
    state_cookie = client.get_cookie(f"lti1p3-{fields['state']}", path="/lti")
    assert client.post(action, data=fields).status_code == 302
    before = counts()
    # The attacker replays the same form with the same state cookie, even on another server.
    client.set_cookie(state_cookie.key, state_cookie.value, path="/lti")
    replay = client.post(action, data=fields)
    assert replay.status_code == 400
    assert "already used" in replay.get_data(as_text=True)
    assert counts() == before


def test_a_disabled_platform_cannot_launch(app, client, registered, counts, db_session):
    from lti.models import LtiPlatform

    platform = db_session.scalars(select(LtiPlatform)).one()
    platform.is_enabled = False
    db_session.commit()
    before = counts()
    response = start_login(client, registered, learner())
    assert response.status_code == 403
    assert "not registered" in response.get_data(as_text=True)
    assert counts() == before


def test_the_login_refuses_an_unknown_platform_or_deployment(client, registered, counts):
    from tests.lti.platform import Platform

    stranger = Platform()
    stranger.stop()  # never serves: the tool refuses it before any call
    before = counts()
    response = start_login(client, stranger, learner())
    assert response.status_code == 403
    assert "not registered" in response.get_data(as_text=True)
    response = start_login(client, registered, learner(), deployment_id="dep-unknown")
    assert response.status_code == 403
    assert "deployment" in response.get_data(as_text=True)
    assert client.get("/lti/login").status_code == 400  # nothing at all
    assert counts() == before


def test_the_launch_needs_no_csrf_token_but_admin_forms_do(app, client, registered, login_as):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    login_as("admin")
    values = registered.registration_values(client_id="another-client")
    response = client.post("/admin/lti/new", data=values)
    assert response.status_code == 400
    assert "expired or was not sent from this site" in response.get_data(as_text=True)
    assert launch(client, registered, learner()).status_code == 302  # no token in the form


# Framed launches ----------------------------------------------------------------------------


def test_a_framed_launch_opens_the_course_in_a_window_with_a_single_use_ticket(
    client, registered, db_session
):
    import re

    response = launch(client, registered, learner(), headers={"Sec-Fetch-Dest": "iframe"})
    assert response.status_code == 200, response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {registered.base}" in policy
    assert "X-Frame-Options" not in response.headers
    page = response.get_data(as_text=True)
    assert 'target="_blank"' in page
    ticket = re.search(r'href="(/lti/continue/[^"]+)"', page).group(1)
    assert client.get(f"/courses/{COURSE}").status_code == 302  # the frame is not signed in
    opened = client.get(ticket, headers={"Sec-Fetch-Dest": "document"})
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/courses/{COURSE}"
    assert client.get(f"/courses/{COURSE}").status_code == 200
    again = client.get(ticket)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_the_platform_may_say_the_launch_is_framed(client, registered):
    response = launch(client, registered, learner(document_target="iframe"))
    assert response.status_code == 200
    assert "Open the course" in response.get_data(as_text=True)


def test_other_pages_still_refuse_framing(client, registered):
    assert launch(client, registered, learner()).status_code == 302
    response = client.get(f"/courses/{COURSE}")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_refused_launch_can_be_read_inside_the_platforms_frame(client, registered):
    response = launch(client, registered, learner(expires_in=-600))
    assert response.status_code == 400
    assert f"frame-ancestors {registered.base}" in response.headers["Content-Security-Policy"]


# The tool's key ---------------------------------------------------------------------------


def test_the_jwks_publishes_the_public_key_with_its_kid(app, client):
    from jwcrypto.jwk import JWK

    keys = client.get("/lti/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key and "p" not in key  # no private part
    assert (
        key["kid"] == JWK(**{k: v for k, v in key.items() if k in ("kty", "n", "e")}).thumbprint()
    )


def test_a_ticket_link_followed_from_another_site_is_refused(client, registered):
    import re

    response = launch(client, registered, learner(), headers={"Sec-Fetch-Dest": "iframe"})
    ticket = re.search(r'href="(/lti/continue/[^"]+)"', response.get_data(as_text=True)).group(1)
    refused = client.get(ticket, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 400
    assert client.get(f"/courses/{COURSE}").status_code == 302
    opened = client.get(ticket, headers={"Sec-Fetch-Site": "same-origin"})
    assert opened.status_code == 302  # the refusal did not use the ticket up


# Over HTTPS (as in production) ------------------------------------------------------------


def test_over_https_the_state_cookie_survives_the_cross_site_post(app, register, load_course):
    from tests.lti.platform import Platform

    load_course()
    app.config["PUBLIC_BASE_URL"] = "https://lms.test"
    client = app.test_client()
    platform = Platform(tool_base="https://lms.test").start()
    try:
        platform.tool_jwks = client.get("https://lms.test/lti/jwks.json").get_json()
        register(platform)
        login = client.get(platform.login_url(learner()))
        assert login.status_code == 302, login.get_data(as_text=True)
        [cookie] = [c for c in login.headers.getlist("Set-Cookie") if c.startswith("lti1p3-")]
        for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/lti"):
            assert attribute in cookie, cookie
        action, fields = platform_form(platform, login.headers["Location"])
        assert action == "https://lms.test/lti/launch"
        response = client.post(action, data=fields)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == f"/courses/{COURSE}"
    finally:
        platform.stop()


def test_a_token_must_answer_a_login_made_for_its_own_platform(
    client, registered, register, counts
):
    from tests.lti.platform import Platform

    other = Platform().start()
    try:
        other.tool_jwks = registered.tool_jwks
        register(other, name="Other platform")
        # A login for the first platform; the second platform (registered, its own valid key)
        # answers it with a token carrying the first login's nonce.
        response = start_login(client, registered, learner())
        _action, fields = platform_form(registered, response.headers["Location"])
        claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
        claims.update(iss=other.issuer)
        kid = jwt.get_unverified_header(other.registration().platform_encode_and_sign({"x": 1}))[
            "kid"
        ]
        token = jwt.encode(claims, other.private_pem, algorithm="RS256", headers={"kid": kid})
        before = counts()
        refused = client.post("/lti/launch", data={**fields, "id_token": token})
        assert refused.status_code == 400
        assert "did not start" in refused.get_data(as_text=True)
        assert counts() == before
    finally:
        other.stop()


def test_claims_of_the_wrong_shape_are_refused_not_crashed(client, registered, counts):
    before = counts()
    for changes in (
        {"sub": "x" * 256},
        {"https://purl.imsglobal.org/spec/lti/claim/resource_link": "not-an-object"},
        {"https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": 42}},
    ):
        response = launch(client, registered, learner(), tamper=_resign(registered, **changes))
        assert response.status_code == 400, (changes, response.get_data(as_text=True))
    assert counts() == before
