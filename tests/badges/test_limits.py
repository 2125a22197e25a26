"""The public badge status is rate-limited like the verification page."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"VERIFY_RATE_LIMIT": "3 per minute"}


def test_the_status_is_rate_limited_against_enumeration(client):
    from certificates.serials import new_serial

    statuses = [client.get(f"/badges/status/{new_serial()}").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
