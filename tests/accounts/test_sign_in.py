"""Signing in and out: trainees by service number and PIN, staff by e-mail and password."""

from __future__ import annotations

from sqlalchemy import func, select

from accounts.models import User
from lms.audit import AuditEvent
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, sign_in, sign_out, submit


def _snapshot(db_session):
    db_session.expire_all()
    users = db_session.execute(
        select(User.id, User.last_sign_in_at, User.credential_hash, User.session_version)
    ).all()
    events = db_session.scalar(select(func.count(AuditEvent.id)))
    return users, events


def test_trainee_signs_in_with_service_number_and_pin(client, make_user):
    user = make_user("trainee", service_number="NP-40112", secret="402519")
    response = sign_in(client, " np-40112 ", "402519")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    page = client.get("/home").get_data(as_text=True)
    assert "My courses" in page and user.full_name in page


def test_trainer_signs_in_with_email_and_sees_cohorts(client, make_user):
    make_user("trainer", email="Trainer.One@example.org")
    assert sign_in(client, "trainer.one@EXAMPLE.org", TEST_SECRET).status_code == 302
    assert "My cohorts" in client.get("/home").get_data(as_text=True)


def test_wrong_pin_and_unknown_service_number_get_the_same_clear_401(client, make_user, db_session):
    make_user("trainee", service_number="NP-1")
    before = _snapshot(db_session)
    wrong = sign_in(client, "NP-1", "999999")
    unknown = sign_in(client, "NP-404", "999999")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "is not correct" in response.get_data(as_text=True)
    assert _snapshot(db_session) == before
    assert "My courses" not in client.get("/home", follow_redirects=True).get_data(as_text=True)


def test_disabled_account_is_refused_with_its_reason(client, make_user, db_session):
    make_user("trainee", service_number="NP-2", is_enabled=False)
    before = _snapshot(db_session)
    response = sign_in(client, "NP-2", TEST_SECRET)
    assert response.status_code == 403
    assert "This account is disabled" in response.get_data(as_text=True)
    assert _snapshot(db_session) == before


def test_disabled_account_is_not_revealed_without_the_secret(client, make_user):
    make_user("trainee", service_number="NP-3", is_enabled=False)
    response = sign_in(client, "NP-3", "wrong-secret")
    assert response.status_code == 401
    assert "disabled" not in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused_and_changes_nothing(client, make_user, db_session):
    make_user("trainee", service_number="NP-4")
    before = _snapshot(db_session)
    response = client.post("/sign-in", data={"identifier": "NP-4", "secret": TEST_SECRET})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert _snapshot(db_session) == before


def test_over_long_field_gets_a_clear_400(client, db_session):
    before = _snapshot(db_session)
    response = sign_in(client, "N" * 300, "x")
    assert response.status_code == 400
    assert "This field is too long (at most 254 characters)." in response.get_data(as_text=True)
    assert _snapshot(db_session) == before


def test_error_message_is_in_the_users_language(client, make_user):
    make_user("trainee", service_number="NP-5")
    client.get("/sign-in", headers={"Accept-Language": "fr"})
    response = sign_in(client, "NP-5", "000001", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert 'lang="fr"' in text and "n’est pas correct" in text


def test_sign_out_ends_the_session(client, login_as):
    login_as("trainee")
    response = sign_out(client)
    assert response.status_code == 302
    assert client.get("/home").status_code == 302


def test_sign_out_needs_the_csrf_token(client, login_as):
    login_as("trainee")
    assert client.post("/sign-out").status_code == 400
    assert client.get("/home").status_code == 200


def test_session_is_renewed_at_sign_in(client, make_user):
    user = make_user("trainee")
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user.sign_in_name, TEST_SECRET)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_parameter_only_redirects_within_the_site(client, make_user):
    user = make_user("trainee")
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=https://evil.example/steal",
        data={"csrf_token": token, "identifier": user.sign_in_name, "secret": TEST_SECRET},
    )
    assert response.headers["Location"] == "/"


def test_signed_in_user_visiting_sign_in_goes_home(client, login_as):
    login_as("trainer")
    assert client.get("/sign-in").headers["Location"] == "/home"


def test_forms_can_be_submitted(client, make_user):
    user = make_user("trainee")
    assert (
        submit(
            client, "/sign-in", {"identifier": user.sign_in_name, "secret": TEST_SECRET}
        ).status_code
        == 302
    )
