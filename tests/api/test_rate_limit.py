"""The API is rate-limited per access token."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"API_RATE_LIMIT": "3 per minute"}


def test_requests_are_rate_limited_per_token(make_token, api_get):
    first, second = make_token(all_cohorts=True), make_token(all_cohorts=True)
    assert [api_get("/cohorts", first).status_code for _ in range(3)] == [200, 200, 200]
    limited = api_get("/cohorts", first)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert limited.json["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert api_get("/cohorts", second).status_code == 200
    # Refused requests are not counted against anyone's token.
    assert api_get("/cohorts", "not-a-token").status_code == 401
