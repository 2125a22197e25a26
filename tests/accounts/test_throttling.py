"""Sign-in throttling per account and per address (Flask-Limiter)."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, sign_out


@pytest.fixture
def app_config():
    return {
        "SIGN_IN_LIMIT_PER_ACCOUNT": "3 per 10 minutes",
        "SIGN_IN_LIMIT_PER_ADDRESS": "5 per 10 minutes",
    }


def test_account_is_locked_after_repeated_failures_even_with_the_right_pin(client, make_user):
    user = make_user("trainee")
    for _ in range(3):
        assert sign_in(client, user.sign_in_name, "000001").status_code == 401
    blocked = sign_in(client, user.sign_in_name, TEST_SECRET)
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    assert client.get("/home").status_code == 302


def test_lock_is_per_account_and_counts_the_same_service_number_in_any_case(client, make_user):
    locked = make_user("trainee", service_number="NP-77")
    other = make_user("trainee")
    for spelling in ("NP-77", "np-77", " Np-77 "):
        sign_in(client, spelling, "000001")
    assert sign_in(client, locked.sign_in_name, TEST_SECRET).status_code == 429
    assert sign_in(client, other.sign_in_name, TEST_SECRET).status_code == 302


def test_successful_sign_ins_do_not_count(client, make_user):
    user = make_user("trainee")
    for _ in range(5):
        assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
        assert sign_out(client).status_code == 302


def test_address_is_throttled_across_accounts(client, make_user):
    users = [make_user("trainee") for _ in range(6)]
    for user in users[:5]:
        assert sign_in(client, user.sign_in_name, "000001").status_code == 401
    response = sign_in(client, users[5].sign_in_name, TEST_SECRET)
    assert response.status_code == 429


def test_throttle_message_is_translated(client, make_user):
    user = make_user("trainee")
    for _ in range(3):
        sign_in(client, user.sign_in_name, "000001")
    response = sign_in(client, user.sign_in_name, "000001", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 429
    assert 'lang="zh-Hans"' in response.get_data(as_text=True)
    assert "Too many" not in response.get_data(as_text=True)


def client_from(app, address):
    """A browser on another client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_count_against_the_account_whatever_identifier_is_typed(app, make_user):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "5 per 10 minutes"
    user = make_user(
        "trainee",
        service_number="NP-40112",
        email="sita.gurung@example.org",
        preferred_language="fr",
    )
    spellings = [
        "NP-40112",
        "sita.gurung@example.org",
        "np-40112",
        "  Np-40112 ",
        " SITA.Gurung@Example.ORG",
    ]
    for n, spelling in enumerate(spellings):
        # Each from another address: the account's own count locks it, not the address's.
        client = client_from(app, f"192.0.2.{n + 1}")
        assert sign_in(client, spelling, "000001").status_code == 401, spelling
    client = client_from(app, "192.0.2.99")
    blocked = sign_in(client, user.email, TEST_SECRET, headers={"Accept-Language": "fr"})
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Trop de tentatives de connexion échouées" in page and "Too many" not in page
    assert client.get("/home").status_code == 302  # not signed in
    other = make_user("trainee")
    assert sign_in(client, other.sign_in_name, TEST_SECRET).status_code == 302


def test_an_unknown_identifier_is_counted_by_its_normalised_text(app, client, make_user):
    make_user("trainee", service_number="NP-1")
    for spelling in ("XX-404", "xx-404", " Xx-404 "):
        assert sign_in(client, spelling, "000001").status_code == 401
    assert sign_in(client, "XX-404", "000001").status_code == 429
    assert sign_in(client, "NP-1", TEST_SECRET).status_code == 302  # another account: not locked
