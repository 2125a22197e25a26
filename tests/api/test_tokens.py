"""Access tokens: lifecycle, refusals (401 with a Bearer challenge), scope, storage, rate limit."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from api.models import ApiToken
from lms.audit import AuditEvent
from lms.db import utcnow


def _token_row(db_session, secret):
    db_session.expire_all()
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return db_session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one()


def _assert_refused(response, code):
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == code
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_new_token_works_and_its_use_is_noted(make_cohort, make_token, api_get, db_session):
    cohort = make_cohort(name="NEPBATT 2")
    secret = make_token([cohort])
    assert secret.startswith("lmsapi_") and len(secret) >= 40
    assert _token_row(db_session, secret).last_used_at is None
    response = api_get("/cohorts", secret)
    assert response.status_code == 200
    assert [c["name"] for c in response.json["cohorts"]] == ["NEPBATT 2"]
    assert response.headers["Cache-Control"] == "no-store"
    assert _token_row(db_session, secret).last_used_at is not None


def test_missing_malformed_and_wrong_tokens_are_refused(make_token, api_get, client):
    secret = make_token(all_cohorts=True)
    _assert_refused(api_get("/cohorts", None), "token_missing")
    assert 'error="invalid_token"' not in api_get("/cohorts", None).headers["WWW-Authenticate"]
    basic = client.get("/api/v1/cohorts", headers={"Authorization": f"Basic {secret}"})
    _assert_refused(basic, "token_missing")
    wrong = api_get("/cohorts", secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    _assert_refused(wrong, "token_invalid")
    assert 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    _assert_refused(api_get("/cohorts", "x" * 500), "token_invalid")
    # The scheme is case-insensitive (RFC 7235).
    lower = client.get("/api/v1/cohorts", headers={"Authorization": f"bearer {secret}"})
    assert lower.status_code == 200


def test_a_revoked_token_stops_working_and_the_revocation_is_audited(
    app, make_token, api_get, db_session
):
    from api import tokens
    from lms.db import db

    secret = make_token(all_cohorts=True)
    assert api_get("/cohorts", secret).status_code == 200
    with app.app_context():
        token = db.session.get(ApiToken, _token_row(db_session, secret).id)
        tokens.revoke_token(token, None)
        db.session.commit()
        with pytest.raises(tokens.TokenError):
            tokens.revoke_token(token, None)
    _assert_refused(api_get("/cohorts", secret), "token_revoked")
    row = _token_row(db_session, secret)
    assert row.revoked_at is not None
    actions = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "api_token", AuditEvent.target_id == str(row.id)
        )
    ).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]


def test_an_expired_token_is_refused(make_token, api_get, db_session):
    secret = make_token(all_cohorts=True, expires_at=utcnow() + timedelta(days=1))
    assert api_get("/cohorts", secret).status_code == 200
    row = _token_row(db_session, secret)
    db_session.execute(
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db_session.commit()
    _assert_refused(api_get("/cohorts", secret), "token_expired")


def test_a_token_cannot_be_created_already_expired_or_without_scope(app, make_cohort):
    from api import tokens

    cohort = make_cohort()
    with app.app_context():
        for kwargs in (
            {"all_cohorts": True, "cohort_ids": [], "expires_at": utcnow()},
            {"all_cohorts": False, "cohort_ids": [], "expires_at": None},
            {"all_cohorts": True, "cohort_ids": [cohort.id], "expires_at": None},
            {"all_cohorts": False, "cohort_ids": [cohort.id, 999999], "expires_at": None},
        ):
            with pytest.raises(tokens.TokenError):
                tokens.create_token("Name", actor=None, **kwargs)
        with pytest.raises(tokens.TokenError):
            tokens.create_token(" ", all_cohorts=True, cohort_ids=[], expires_at=None, actor=None)


def test_the_token_is_stored_only_as_its_hash(make_cohort, make_token, db_session, connection):
    secret = make_token([make_cohort()])
    row = _token_row(db_session, secret)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[: len(row.prefix)] and len(row.prefix) < 16
    # No column of any row written by the creation holds the secret (nor its random part).
    random_part = secret.removeprefix("lmsapi_")
    for table in ("api_tokens", "api_token_cohorts", "audit_events"):
        for values in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            assert not any(random_part in str(value) for value in values), table


def test_scope_limits_what_a_token_sees(make_cohort, make_token, api_get):
    mine = make_cohort(name="Mine", country="NPL")
    other = make_cohort(name="Other", country="GHA")
    secret = make_token([mine])
    listed = api_get("/cohorts", secret).json["cohorts"]
    assert [c["id"] for c in listed] == [mine.id]
    assert api_get(f"/cohorts/{mine.id}/summary", secret).status_code == 200
    for path in (f"/cohorts/{other.id}/readiness", f"/cohorts/{other.id}/summary"):
        response = api_get(path, secret)
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
    # The same answer as for a cohort that does not exist.
    missing = api_get("/cohorts/99999999/summary", secret)
    assert (
        missing.status_code == 404
        and missing.json == api_get(f"/cohorts/{other.id}/summary", secret).json
    )
    everything = make_token(all_cohorts=True)
    assert {c["id"] for c in api_get("/cohorts", everything).json["cohorts"]} >= {
        mine.id,
        other.id,
    }


def test_a_browser_session_is_no_credential(login_as, client, make_cohort):
    login_as("admin")
    response = client.get("/api/v1/cohorts")
    assert response.status_code == 401
    assert response.json["code"] == "token_missing"
