"""Server-side sessions: signing out ends this browser's session for good (a saved cookie no longer
works), other browsers stay signed in, a credential change still ends them all, and the signed-in
user is loaded with their session in one statement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select, update

from accounts.models import UserSession
from lms.db import utcnow
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, sign_out, submit

COOKIE = "lms_session"


def signed_in_client(app, user):
    client = app.test_client()
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
    return client


def sessions_of(db_session, user):
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id)
            .order_by(UserSession.created_at)
        )
    )


def test_a_cookie_saved_before_sign_out_no_longer_works(app, make_user, db_session):
    user = make_user("trainee")
    client = signed_in_client(app, user)
    assert client.get("/home").status_code == 200
    saved = client.get_cookie(COOKIE).value
    assert sign_out(client).status_code == 302
    [ended] = sessions_of(db_session, user)
    assert ended.ended_at is not None

    client.set_cookie(COOKIE, saved)  # replayed, as someone who copied it would
    replayed = client.get("/home")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/sign-in")
    # Nor on another browser.
    other = app.test_client()
    other.set_cookie(COOKIE, saved)
    assert other.get("/home").status_code == 302


def test_signing_out_on_one_device_keeps_the_others_signed_in(app, make_user, db_session):
    user = make_user("trainee")
    phone, laptop = signed_in_client(app, user), signed_in_client(app, user)
    assert len(sessions_of(db_session, user)) == 2
    assert sign_out(phone).status_code == 302
    assert phone.get("/home").status_code == 302
    assert laptop.get("/home").status_code == 200
    assert [s.ended_at is None for s in sessions_of(db_session, user)] == [False, True]


def test_a_credential_change_still_ends_every_other_session(app, make_user):
    user = make_user("trainee")
    phone, laptop = signed_in_client(app, user), signed_in_client(app, user)
    response = submit(
        phone,
        "/account/credential",
        {"current": TEST_SECRET, "new": "wobbly-lantern-93", "confirm": "wobbly-lantern-93"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert phone.get("/home").status_code == 200  # the browser that changed it stays in
    assert laptop.get("/home").status_code == 302


def test_the_user_and_their_session_are_read_in_one_statement(app, make_user, connection):
    client = signed_in_client(app, make_user("trainee"))
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        assert client.get("/home").status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", record)
    touching = [s for s in statements if "user_sessions" in s]
    assert len(touching) == 1 and "FROM users JOIN user_sessions" in touching[0]


def test_last_seen_is_refreshed_now_and_then_and_an_idle_session_ends(app, make_user, db_session):
    user = make_user("trainee")
    client = signed_in_client(app, user)

    def seen(ago):
        db_session.execute(update(UserSession).values(last_seen_at=utcnow() - ago))
        db_session.commit()

    seen(timedelta(minutes=10))
    assert client.get("/home").status_code == 200
    [session] = sessions_of(db_session, user)
    assert utcnow() - session.last_seen_at < timedelta(minutes=1)
    seen(timedelta(days=31))
    assert client.get("/home").status_code == 302


def test_signing_in_forgets_the_sessions_that_have_ended(app, make_user, db_session):
    user = make_user("trainee")
    for _ in range(3):
        assert sign_out(signed_in_client(app, user)).status_code == 302
    still_in = signed_in_client(app, user)
    [current] = sessions_of(db_session, user)
    assert current.ended_at is None
    assert still_in.get("/home").status_code == 200
