"""Initial PINs, changing one's own credential, and what administrators may do."""

from __future__ import annotations

import re

from sqlalchemy import select

from accounts.models import User
from lms.audit import AuditEvent
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, submit


def test_initial_pin_must_be_changed_before_anything_else(client, make_user):
    user = make_user("trainee", temporary=True)
    response = sign_in(client, user.sign_in_name, TEST_SECRET)
    assert response.headers["Location"] == "/account/credential"
    for page in ("/home", "/courses/", "/certificates/"):
        assert client.get(page).headers["Location"] == "/account/credential"
    page = client.get("/account/credential").get_data(as_text=True)
    assert "temporary PIN" in page and 'name="current"' not in page
    changed = submit(client, "/account/credential", {"new": "470913", "confirm": "470913"})
    assert changed.status_code == 302
    assert client.get("/home").status_code == 200


def test_new_pin_can_be_used_and_old_one_cannot(client, make_user):
    user = make_user("trainee", temporary=True)
    sign_in(client, user.sign_in_name, TEST_SECRET)
    submit(client, "/account/credential", {"new": "470913", "confirm": "470913"})
    client.delete_cookie("lms_session")
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 401
    assert sign_in(client, user.sign_in_name, "470913").status_code == 302


def test_weak_or_mismatched_new_pin_is_refused_and_nothing_changes(client, make_user, db_session):
    user = make_user("trainee", temporary=True)
    sign_in(client, user.sign_in_name, TEST_SECRET)
    cases = {
        ("123456", "123456"): "too easy to guess",
        ("1234", "1234"): "at least 6 digits",
        ("470913", "470914"): "do not match",
        ("short", "short"): "at least 6 digits or a password of at least 10",
        (TEST_SECRET, TEST_SECRET): "must differ",
    }
    for (new, confirm), message in cases.items():
        response = submit(client, "/account/credential", {"new": new, "confirm": confirm})
        assert response.status_code == 400, new
        assert message in response.get_data(as_text=True), new
    db_session.expire_all()
    assert db_session.get(User, user.id).is_credential_temporary


def test_staff_change_password_needs_the_current_one(client, login_as, db_session):
    user = login_as("trainer")
    wrong = submit(
        client,
        "/account/credential",
        {
            "current": "not-it-at-all",
            "new": "a-new-long-password",
            "confirm": "a-new-long-password",
        },
    )
    assert wrong.status_code == 400
    assert "current PIN or password is not correct" in wrong.get_data(as_text=True)
    short = submit(
        client,
        "/account/credential",
        {"current": TEST_SECRET, "new": "123456789", "confirm": "123456789"},
    )
    assert "at least 10 characters" in short.get_data(as_text=True)
    ok = submit(
        client,
        "/account/credential",
        {"current": TEST_SECRET, "new": "a-new-long-password", "confirm": "a-new-long-password"},
    )
    assert ok.status_code == 302
    assert client.get("/home").status_code == 200  # still signed in in this session
    events = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))
    ).all()
    assert "credential.changed" in events


def test_admin_creates_a_trainer_who_must_change_the_temporary_password(client, login_as, app):
    login_as("admin")
    response = submit(
        client,
        "/admin/users/new",
        {
            "role": "trainer",
            "full_name": "Jean Formateur",
            "email": "jean@example.org",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    trainer_client = app.test_client()
    first = sign_in(trainer_client, "jean@example.org", secret)
    assert first.headers["Location"] == "/account/credential"


def test_admin_create_user_bad_input(client, login_as, db_session):
    login_as("admin", email="boss@example.org")
    count = len(db_session.scalars(select(User.id)).all())
    cases = [
        ({"role": "trainer", "full_name": "No Mail"}, "need an e-mail address"),
        ({"role": "trainee", "full_name": "No Number"}, "needs a service number"),
        ({"role": "trainer", "full_name": "Dup", "email": "boss@example.org"}, "already used"),
        ({"role": "trainer", "full_name": "Bad", "email": "not-an-email"}, "valid e-mail"),
        ({"role": "trainer", "full_name": "x" * 201, "email": "a@example.org"}, "too long"),
        (
            {
                "role": "trainer",
                "full_name": "Lang",
                "email": "b@example.org",
                "preferred_language": "tlh",
            },
            "Not a valid choice",
        ),
    ]
    for data, message in cases:
        response = submit(client, "/admin/users/new", {"preferred_language": "en", **data})
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert len(db_session.scalars(select(User.id)).all()) == count


def test_admin_resets_a_pin_which_signs_the_trainee_out_everywhere(
    client, login_as, make_user, app
):
    trainee = make_user("trainee")
    trainee_client = app.test_client()
    sign_in(trainee_client, trainee.sign_in_name, TEST_SECRET)
    assert trainee_client.get("/home").status_code == 200
    login_as("admin")
    confirm = f"/admin/users/{trainee.id}/reset"
    assert f'href="{confirm}"' in client.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    page = client.get(confirm).get_data(as_text=True)
    assert "stops working at once" in page  # asked first: a GET changes nothing
    state = re.search(r'name="state" value="(\d+)"', page).group(1)
    response = submit(client, confirm, {"state": state})
    assert response.headers["Cache-Control"] == "no-store"
    pin = re.search(r"<code>(\d{6})</code>", response.get_data(as_text=True)).group(1)
    # Reloading the result page sends the same form again: refused, the PIN given stays valid.
    again = submit(client, confirm, {"state": state})
    assert again.status_code == 409 and "already reset" in again.get_data(as_text=True)
    assert "<code>" not in again.get_data(as_text=True)
    assert trainee_client.get("/home").status_code == 302
    assert (
        sign_in(trainee_client, trainee.sign_in_name, pin).headers["Location"]
        == "/account/credential"
    )


def test_admin_disables_and_enables_an_account(client, login_as, make_user, db_session):
    trainee = make_user("trainee")
    login_as("admin")
    page = f"/admin/users/{trainee.id}"
    assert submit(client, page, {"enabled": "0"}, action=f"{page}/enabled").status_code == 302
    db_session.expire_all()
    assert not db_session.get(User, trainee.id).is_enabled
    submit(client, page, {"enabled": "1"}, action=f"{page}/enabled")
    db_session.expire_all()
    assert db_session.get(User, trainee.id).is_enabled


def test_admin_cannot_disable_themself(client, login_as):
    admin = login_as("admin")
    page = f"/admin/users/{admin.id}"
    response = submit(client, page, {"enabled": "0"}, action=f"{page}/enabled")
    assert response.status_code == 400
    assert "cannot disable your own account" in response.get_data(as_text=True)


def test_admin_user_list_filters_and_searches(client, login_as, make_user):
    login_as("admin")
    make_user("trainee", full_name="Aminata Diop", service_number="SN-22001")
    make_user("trainer", full_name="Someone Else")
    page = client.get("/admin/users?role=trainee&q=diop").get_data(as_text=True)
    assert "Aminata Diop" in page and "Someone Else" not in page
    assert "SN-22001" in client.get("/admin/users?q=sn-22").get_data(as_text=True)


def test_cli_creates_users_of_each_role(app, db_session):
    runner = app.test_cli_runner()
    admin = runner.invoke(
        args=[
            "users",
            "create",
            "admin",
            "--name",
            "Ada Admin",
            "--email",
            "ada@example.org",
            "--secret",
            "a-long-admin-secret",
        ]
    )
    assert admin.exit_code == 0, admin.output
    trainer = runner.invoke(
        args=["users", "create", "trainer", "--name", "Tom Trainer", "--email", "tom@example.org"]
    )
    assert "Temporary credential" in trainer.output
    trainee = runner.invoke(
        args=[
            "users",
            "create",
            "trainee",
            "--name",
            "सीता श्रेष्ठ",
            "--service-number",
            "np-40114",
            "--language",
            "fr",
            "--gender",
            "F",
        ]
    )
    assert trainee.exit_code == 0, trainee.output
    created = db_session.scalars(select(User).where(User.service_number == "NP-40114")).one()
    assert created.full_name == "सीता श्रेष्ठ" and created.preferred_language == "fr"
    assert created.is_credential_temporary
    refused = runner.invoke(args=["users", "create", "trainee", "--name", "No Number"])
    assert refused.exit_code != 0 and "needs a service number" in refused.output


def test_cli_resets_a_credential(app, make_user):
    user = make_user("trainee")
    result = app.test_cli_runner().invoke(args=["users", "reset", user.sign_in_name])
    assert result.exit_code == 0 and "Temporary credential" in result.output


def test_a_hash_with_older_parameters_is_upgraded_at_the_next_sign_in(
    client, make_user, db_session
):
    from argon2 import PasswordHasher

    from accounts.passwords import FAST_FOR_TESTS

    user = make_user("trainee")
    # Hashed as before the parameters changed (a different memory cost and lane count).
    old_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=2).hash(TEST_SECRET)
    user.credential_hash = old_hash
    db_session.commit()
    assert sign_in(client, user.sign_in_name, "999999").status_code == 401
    db_session.expire_all()
    assert db_session.get(User, user.id).credential_hash == old_hash  # a wrong PIN changes nothing
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
    db_session.expire_all()
    upgraded = db_session.get(User, user.id).credential_hash
    assert upgraded != old_hash and not FAST_FOR_TESTS.check_needs_rehash(upgraded)
    client.delete_cookie("lms_session")
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302


def _inputmodes(page: str) -> dict[str, str | None]:
    """name -> inputmode of the password fields of a page."""
    fields = re.findall(r'<input[^>]*type="password"[^>]*>', page)
    found = {}
    for tag in fields:
        name = re.search(r'name="([^"]+)"', tag)
        mode = re.search(r'inputmode="([^"]+)"', tag)
        found[name.group(1) if name else ""] = mode.group(1) if mode else None
    return found


def test_pin_fields_ask_phones_for_the_number_keypad_with_a_way_to_letters(
    client, make_user, login_as
):
    page = client.get("/sign-in").get_data(as_text=True)
    assert _inputmodes(page) == {"secret": "numeric"}
    assert "keypad=letters" in page and re.search(r"/js/keypad\.[0-9a-f]+\.js", page)
    letters = client.get("/sign-in?keypad=letters").get_data(as_text=True)
    assert _inputmodes(letters) == {"secret": None}

    user = make_user("trainee", temporary=True)
    sign_in(client, user.sign_in_name, TEST_SECRET)
    page = client.get("/account/credential").get_data(as_text=True)
    assert _inputmodes(page) == {"new": "numeric", "confirm": "numeric"}
    page = client.get("/account/credential?keypad=letters").get_data(as_text=True)
    assert _inputmodes(page) == {"new": None, "confirm": None}

    client.delete_cookie("lms_session")
    login_as("trainer")  # staff choose passwords: letters from the start
    page = client.get("/account/credential").get_data(as_text=True)
    assert set(_inputmodes(page).values()) == {None} and "keypad=letters" not in page
