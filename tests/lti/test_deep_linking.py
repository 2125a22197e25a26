"""Deep linking end to end: the platform's teacher picks a course, the tool answers with a signed
LtiResourceLink content item (with a line item), the platform accepts it, and a learner's launch of
the new link opens the course."""

from __future__ import annotations

import html
import re

import jwt
import pytest
import requests

from tests.lti.conftest import COURSE, instructor, launch, learner
from tests.lti.platform import Intent

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LAUNCH_ID = re.compile(r'name="launch_id" type="hidden" value="([^"]+)"')


def _picker(client, platform, **kwargs):
    response = launch(client, platform, instructor(deep_linking=True, custom=None), **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    return response, page, LAUNCH_ID.search(page).group(1)


def _return_form(page):
    action = re.search(r'<form method="post" action="([^"]+)" data-autosubmit>', page).group(1)
    token = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    return html.unescape(action), token


def _verify_with_published_keys(client, token, platform):
    keys = client.get("/lti/jwks.json").get_json()["keys"]
    key = next(k for k in keys if k["kid"] == jwt.get_unverified_header(token)["kid"])
    return jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=platform.issuer,
        issuer=platform.client_id,
    )


def test_a_teacher_picks_a_course_and_the_platform_gets_a_signed_resource_link(
    client, registered, counts
):
    response, page, launch_id = _picker(client, registered)
    assert "Mini course (en)" in page
    assert f"frame-ancestors {registered.base}" in response.headers["Content-Security-Policy"]
    chosen = client.post("/lti/deep-link", data={"launch_id": launch_id, "course": COURSE})
    assert chosen.status_code == 200, chosen.get_data(as_text=True)
    page = chosen.get_data(as_text=True)
    # The spec's auto-submitting form, with a static script (CSP) and a visible button.
    assert re.search(
        r'<script src="/static/js/lti-autosubmit\.[0-9a-f]{12}\.js" defer></script>', page
    )
    assert "<script>" not in page
    assert 'type="submit"' in page
    assert f"form-action 'self' {registered.base}" in chosen.headers["Content-Security-Policy"]
    action, token = _return_form(page)
    assert action == f"{registered.base}/deep-link-return"

    claims = _verify_with_published_keys(client, token, registered)
    assert claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[CLAIM + "deployment_id"] == registered.deployment_id
    assert claims["exp"] > claims["iat"]
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://localhost/lti/launch"
    assert item["custom"] == {"course": COURSE}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["resourceId"] == COURSE

    # The browser submits the form to the platform, which checks it with the tool's keys.
    accepted = requests.post(action, data={"JWT": token}, timeout=10)
    assert accepted.status_code == 200, accepted.text
    assert registered.deep_link_items == [item]

    # A learner launches the new link (the platform sends its custom parameters back).
    before = counts()
    response = launch(client, registered, learner("learner-7", custom=item["custom"]))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/courses/{COURSE}"
    assert counts()["enrolments"] == before["enrolments"] + 1


def test_the_selection_is_single_use(client, registered):
    _response, _page, launch_id = _picker(client, registered)
    data = {"launch_id": launch_id, "course": COURSE}
    assert client.post("/lti/deep-link", data=data).status_code == 200
    again = client.post("/lti/deep-link", data=data)
    assert again.status_code == 400
    assert "expired or was already sent" in again.get_data(as_text=True)


def test_a_missing_choice_shows_the_courses_again(client, registered):
    _response, _page, launch_id = _picker(client, registered)
    response = client.post("/lti/deep-link", data={"launch_id": launch_id})
    assert response.status_code == 400
    assert "Choose a course." in response.get_data(as_text=True)
    assert (
        client.post("/lti/deep-link", data={"launch_id": launch_id, "course": COURSE}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "launch_id",
    ["", "lti1p3-nonce-abc", "lti1p3-launch-00000000-0000-0000-0000-000000000000"],
)
def test_an_unknown_or_forged_launch_id_is_refused(client, registered, launch_id):
    response = client.post("/lti/deep-link", data={"launch_id": launch_id, "course": COURSE})
    assert response.status_code == 400
    assert "expired or was already sent" in response.get_data(as_text=True)


def test_only_teachers_may_pick_a_course(client, registered, counts):
    intent = Intent(
        user_id="learner-2",
        roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        deep_linking=True,
    )
    before = counts()
    response = launch(client, registered, intent)
    assert response.status_code == 403
    assert "Only teachers" in response.get_data(as_text=True)
    assert counts() == before


def test_a_framed_picker_still_works_without_the_session_cookie(client, registered):
    _response, _page, launch_id = _picker(client, registered, headers={"Sec-Fetch-Dest": "iframe"})
    assert client.get(f"/courses/{COURSE}").status_code == 302  # not signed in inside the frame
    client.delete_cookie("lms_session")
    response = client.post("/lti/deep-link", data={"launch_id": launch_id, "course": COURSE})
    assert response.status_code == 200
    action, token = _return_form(response.get_data(as_text=True))
    assert requests.post(action, data={"JWT": token}, timeout=10).status_code == 200


def _return_url(platform, url):
    # The platform's deep-linking request, re-signed with another return URL (None: without one).
    def tamper(fields):
        claims = jwt.decode(fields["id_token"], options={"verify_signature": False})
        settings = dict(claims[DL + "deep_linking_settings"])
        settings.pop("deep_link_return_url")
        if url is not None:
            settings["deep_link_return_url"] = url
        claims[DL + "deep_linking_settings"] = settings
        header = jwt.get_unverified_header(fields["id_token"])
        token = jwt.encode(claims, platform.private_pem, algorithm="RS256", headers=header)
        return {**fields, "id_token": token}

    return tamper


@pytest.mark.parametrize(
    "url",
    [
        None,
        "javascript:alert(document.domain)",
        "https://platform.example;script-src 'unsafe-inline'/return",
        "https://platform.example connect-src */return",
        "/relative/return",
    ],
)
def test_a_return_url_that_is_no_web_address_is_refused_at_the_launch(
    client, registered, counts, url
):
    # Where the signed answer is posted goes into the page's form and its Content-Security-Policy:
    # it must be a plain http(s) address, checked when the request arrives, not a crash later.
    before = counts()
    intent = instructor(deep_linking=True, custom=None)
    response = launch(client, registered, intent, tamper=_return_url(registered, url))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "does not support" in response.get_data(as_text=True)
    assert counts() == before
