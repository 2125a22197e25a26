"""Course authors: a permission a centre's administrator grants to trainers and administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from lms.audit import AuditEvent
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, submit


def _set_author(client, user, value: str):
    page = f"/admin/users/{user.id}"
    return submit(client, page, {"author": value}, action=f"{page}/author")


def test_an_administrator_grants_and_withdraws_authoring(
    app, client, db_session, login_as, make_user
):
    trainer = make_user("trainer")
    admin = login_as("admin")
    page = client.get(f"/admin/users/{trainer.id}").get_data(as_text=True)
    assert "Make course author" in page
    assert _set_author(client, trainer, "1").status_code == 302
    db_session.expire_all()
    assert db_session.get(User, trainer.id).is_course_author
    assert "Withdraw course authoring" in client.get(f"/admin/users/{trainer.id}").get_data(
        as_text=True
    )
    assert _set_author(client, trainer, "0").status_code == 302
    db_session.expire_all()
    assert not db_session.get(User, trainer.id).is_course_author
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == admin.id, AuditEvent.action.like("user.author%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["user.author_granted", "user.author_withdrawn"]


def test_a_trainee_cannot_be_made_an_author(client, db_session, login_as, make_user):
    trainee = make_user("trainee")
    login_as("admin")
    response = _set_author(client, trainee, "1")
    assert response.status_code == 400
    assert "Only trainers and administrators can be course authors." in response.get_data(
        as_text=True
    )
    db_session.expire_all()
    assert not db_session.get(User, trainee.id).is_course_author


def test_the_refusal_is_translated(client, login_as, make_user):
    trainee = make_user("trainee")
    login_as("admin", preferred_language="fr")
    body = _set_author(client, trainee, "1").get_data(as_text=True)
    assert "Only trainers" not in body
    assert "formateurs" in body


def test_the_database_refuses_a_trainee_author(make_user):
    with pytest.raises(IntegrityError):
        make_user("trainee", is_course_author=True)


def test_only_authors_open_the_studio(app, client, make_user, course):
    for user, status in (
        (make_user("trainer"), 403),
        (make_user("admin"), 403),
        (make_user("trainee"), 403),
        (make_user("trainer", is_course_author=True), 200),
        (make_user("admin", is_course_author=True), 200),
    ):
        client = app.test_client()
        assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302
        assert client.get("/studio/").status_code == status, user.role
        home = client.get("/home").get_data(as_text=True)
        assert ('href="/studio/"' in home) == (status == 200)


def test_a_trainer_who_authors_keeps_the_trainers_pages(client, author):
    assert client.get("/cohorts/").status_code == 200
    assert client.get("/studio/").status_code == 200


def test_withdrawing_takes_effect_at_the_next_request(app, client, db_session, author):
    assert client.get("/studio/").status_code == 200
    db_session.get(User, author.id).is_course_author = False
    db_session.commit()
    assert client.get("/studio/").status_code == 403
