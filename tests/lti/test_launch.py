"""Resource-link launches end to end against a real platform: accounts, roles, enrolment."""

from __future__ import annotations

from sqlalchemy import select

from tests.lti.conftest import launch, learner


def test_a_learners_first_launch_creates_the_account_enrols_and_opens_the_course(
    client, registered, db_session, counts
):
    from accounts.models import User
    from lti.models import LtiUserLink

    before = counts()
    response = launch(client, registered, learner(name="Amina Diallo"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/courses/mini-course"
    after = counts()
    assert after["users"] == before["users"] + 1
    assert after["enrolments"] == before["enrolments"] + 1
    link = db_session.scalars(select(LtiUserLink)).one()
    assert (link.issuer, link.subject) == (registered.issuer, "learner-1")
    user = db_session.get(User, link.user_id)
    assert (user.role, user.full_name) == ("trainee", "Amina Diallo")
    page = client.get("/courses/mini-course")
    assert page.status_code == 200
