"""Staff views of a trainee's personal record are audited: who, when, what."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from lms.audit import AuditEvent
from tests.conftest import TEST_SECRET
from tests.helpers import add_certificate, sign_in


def _views(db_session) -> list[tuple[int | None, str, str, str]]:
    db_session.expire_all()
    return [
        (e.actor_id, e.target_type, e.target_id, e.details["what"])
        for e in db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "personal_data.viewed")
        )
    ]


def test_staff_views_of_a_trainee_are_recorded(
    app, client, db_session, login_as, make_user, make_cohort, course
):
    trainee = make_user("trainee")
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=99))
    db_session.commit()
    admin = login_as("admin")
    cohort = make_cohort(members=[trainee], courses=[course])
    assert client.get(f"/admin/users/{trainee.id}").status_code == 200
    assert client.get(f"/evaluations/trainees/{trainee.id}").status_code == 200
    assert client.get(f"/certificates/{certificate.serial}").status_code == 200
    assert client.get(f"/cohorts/{cohort.id}/dashboard").status_code == 200
    seen = _views(db_session)
    tid = str(trainee.id)
    assert (admin.id, "user", tid, "account") in seen
    assert (admin.id, "user", tid, "evaluations") in seen
    assert (admin.id, "user", tid, f"certificate {certificate.serial}") in seen
    assert (admin.id, "cohort", str(cohort.id), "dashboard") in seen
    at = db_session.scalars(select(AuditEvent.at)).first()
    assert at is not None


def test_a_trainee_looking_at_their_own_certificate_is_not_recorded(
    app, db_session, make_user, course
):
    trainee = make_user("trainee")
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=99))
    db_session.commit()
    own = app.test_client()
    sign_in(own, trainee.sign_in_name, TEST_SECRET)
    assert own.get(f"/certificates/{certificate.serial}").status_code == 200
    assert _views(db_session) == []


def test_a_refused_view_is_not_recorded_as_seen(client, db_session, login_as, make_user):
    trainee = make_user("trainee")
    login_as("trainer")
    assert client.get(f"/evaluations/trainees/{trainee.id}").status_code == 404
    assert _views(db_session) == []
