"""The token admin pages: admins only, CSRF on every form, the secret shown once, revocation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from api.models import ApiToken
from lms.audit import AuditEvent
from tests.helpers import csrf_token, submit

SECRET_RE = re.compile(r"<code>(lmsapi_[A-Za-z0-9_-]+)</code>")


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_only_admins_reach_the_token_pages(login_as, client, role, make_token):
    make_token(all_cohorts=True)
    login_as(role)
    assert client.get("/admin/api-tokens/").status_code == 403
    assert client.get("/admin/api-tokens/new").status_code == 403
    assert client.post("/admin/api-tokens/new", data={"name": "x"}).status_code in {400, 403}
    assert client.post("/admin/api-tokens/1/revoke").status_code in {400, 403}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/api-tokens/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_an_admin_creates_a_scoped_token_shown_once(
    login_as, client, make_cohort, api_get, db_session
):
    admin = login_as("admin")
    mine = make_cohort(name="NEPBATT 2", country="NPL")
    other = make_cohort(name="GHANBATT 1", country="GHA")
    response = submit(
        client,
        "/admin/api-tokens/new",
        {
            "name": "Nepal personnel system",
            "scope": "cohorts",
            "cohorts": [str(mine.id)],
            "expires_on": (date.today() + timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(response.get_data(as_text=True)).group(1)
    token = db_session.scalars(
        select(ApiToken).where(ApiToken.name == "Nepal personnel system")
    ).one()
    assert token.created_by_id == admin.id and not token.is_all_cohorts
    assert [c.id for c in token.cohorts] == [mine.id]

    assert [c["id"] for c in api_get("/cohorts", secret).json["cohorts"]] == [mine.id]
    assert api_get(f"/cohorts/{other.id}/summary", secret).status_code == 404
    listing = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "Nepal personnel system" in listing and "NEPBATT 2" in listing
    assert token.prefix in listing and secret not in listing  # never shown again


def test_the_forms_refuse_bad_input_and_missing_csrf(login_as, client, make_cohort, db_session):
    login_as("admin")
    make_cohort()
    no_cohort = submit(client, "/admin/api-tokens/new", {"name": "X", "scope": "cohorts"})
    assert no_cohort.status_code == 400
    assert "Choose at least one cohort" in no_cohort.get_data(as_text=True)
    past = submit(
        client,
        "/admin/api-tokens/new",
        {"name": "X", "scope": "all", "expires_on": date.today().isoformat()},
    )
    assert past.status_code == 400
    forged = client.post("/admin/api-tokens/new", data={"name": "X", "scope": "all"})
    assert forged.status_code == 400
    assert db_session.scalars(select(ApiToken)).all() == []


def test_an_admin_revokes_a_token(login_as, client, make_token, api_get, db_session):
    admin = login_as("admin")
    secret = make_token(all_cohorts=True, name="Old system")
    token = db_session.scalars(select(ApiToken).where(ApiToken.name == "Old system")).one()
    token_csrf = csrf_token(client, "/admin/api-tokens/")
    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 400  # no CSRF
    assert api_get("/cohorts", secret).status_code == 200
    response = client.post(f"/admin/api-tokens/{token.id}/revoke", data={"csrf_token": token_csrf})
    assert response.status_code == 302
    assert api_get("/cohorts", secret).json["code"] == "token_revoked"
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_by_id == admin.id
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
    ).one()
    assert event.actor_id == admin.id and event.target_id == str(token.id)
    assert "Revoked on" in client.get("/admin/api-tokens/").get_data(as_text=True)
    missing = client.post("/admin/api-tokens/999999/revoke", data={"csrf_token": token_csrf})
    assert missing.status_code == 404
