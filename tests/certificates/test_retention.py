"""The retention policy: trainees inactive past their centre's period are pseudonymised, and their
certificates stay checkable without their name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from accounts.models import Centre, User
from certificates.models import Certificate
from lms.audit import AuditEvent
from tests.conftest import DEFAULT_CENTRE_ID, TEST_SECRET
from tests.helpers import add_certificate, sign_in

TODAY = date(2040, 6, 1)


@pytest.fixture
def old_trainee(db_session, make_user, course):
    """A trainee whose last certificate expired 11 years before TODAY (the default keeps 10)."""
    trainee = make_user(
        "trainee",
        full_name="Sita Kumari Gurung",
        service_number="NP-40999",
        nationality="NPL",
        email="sita@example.org",
        unit="NEPBATT 2",
        rank="Captain",
    )
    trainee.created_at = datetime(2027, 1, 1, tzinfo=UTC)
    certificate = add_certificate(db_session, trainee, course, date(2029, 5, 1))
    db_session.commit()
    return trainee, certificate


def _run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["retention", "run", "--today", TODAY.isoformat(), *args]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_trainee_past_retention_is_pseudonymised(app, client, db_session, old_trainee):
    trainee, certificate = old_trainee
    assert f"user {trainee.id}" in _run(app, "--dry-run")
    db_session.expire_all()
    assert db_session.get(User, trainee.id).pseudonymised_at is None  # a dry run changes nothing

    assert "Pseudonymised 1 trainees." in _run(app)
    db_session.expire_all()
    user = db_session.get(User, trainee.id)
    assert user.full_name == "S. K. G."
    assert user.service_number.startswith("H-") and "40999" not in user.service_number
    assert user.email is None and user.unit is None and not user.is_enabled
    assert user.pseudonymised_at is not None
    kept = db_session.get(Certificate, certificate.id)
    assert kept.holder_name == "S. K. G." and kept.service_number is None and kept.pdf == b""
    assert kept.sha256 == certificate.sha256 and kept.holder_removed_at is not None
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention.pseudonymised")
    ).one()
    assert (
        event.target_id == str(trainee.id) and event.details["retention_ended_on"] == "2039-05-01"
    )

    page = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "removed under the retention policy" in page and "Sita" not in page
    answer = client.get(f"/verify/{certificate.serial}.json").get_json()
    assert answer["holder"] is None and answer["holder_removed"] is True
    assert answer["sha256"] == certificate.sha256
    assert sign_in(client, "NP-40999", TEST_SECRET).status_code == 401
    assert "Pseudonymised 0 trainees." in _run(app)  # once


def test_staff_get_no_file_once_it_was_deleted(app, db_session, old_trainee, make_user):
    _trainee, certificate = old_trainee
    _run(app)
    admin = make_user("admin")
    staff = app.test_client()
    sign_in(staff, admin.sign_in_name, TEST_SECRET)
    response = staff.get(f"/certificates/{certificate.serial}.pdf")
    assert response.status_code == 410
    assert "retention policy" in response.get_data(as_text=True)
    assert staff.get(f"/badges/{certificate.serial}.json").status_code == 410
    assert staff.get(f"/badges/status/{certificate.serial}").status_code == 200


def test_the_centres_retention_period_is_respected(app, db_session, old_trainee):
    trainee, _certificate = old_trainee
    centre = db_session.get(Centre, DEFAULT_CENTRE_ID)
    centre.retention_years = 15
    db_session.commit()
    assert "Pseudonymised 0 trainees." in _run(app)


def test_recent_activity_keeps_the_record(app, db_session, old_trainee):
    trainee, _certificate = old_trainee
    user = db_session.get(User, trainee.id)
    user.last_sign_in_at = datetime(2035, 1, 1, tzinfo=UTC)
    db_session.commit()
    assert "Pseudonymised 0 trainees." in _run(app)


def test_a_recent_certificate_keeps_the_record(app, db_session, old_trainee, course):
    trainee, _certificate = old_trainee
    add_certificate(
        db_session, db_session.get(User, trainee.id), course, TODAY - timedelta(days=10)
    )
    db_session.commit()
    assert "Pseudonymised 0 trainees." in _run(app)


def test_uploaded_roster_rows_are_emptied_after_90_days(app, db_session, make_cohort, make_user):
    from cohorts.models import RosterImport

    cohort = make_cohort()
    trainer = make_user("trainer")
    old = RosterImport(
        centre_id=DEFAULT_CENTRE_ID,
        cohort_id=cohort.id,
        uploaded_by_id=trainer.id,
        filename="old.csv",
        rows=[{"line": 2, "values": {"full_name": "Old Name"}, "errors": [], "action": "new"}],
        error_count=0,
        uploaded_at=datetime.combine(TODAY - timedelta(days=91), datetime.min.time(), tzinfo=UTC),
    )
    recent = RosterImport(
        centre_id=DEFAULT_CENTRE_ID,
        cohort_id=cohort.id,
        uploaded_by_id=trainer.id,
        filename="recent.csv",
        rows=[{"line": 2, "values": {"full_name": "Recent"}, "errors": [], "action": "new"}],
        error_count=0,
        uploaded_at=datetime.combine(TODAY - timedelta(days=10), datetime.min.time(), tzinfo=UTC),
    )
    db_session.add_all([old, recent])
    db_session.commit()
    assert "emptied: 1." in _run(app)
    db_session.expire_all()
    assert db_session.get(RosterImport, old.id).rows == []
    assert len(db_session.get(RosterImport, recent.id).rows) == 1


def test_the_task_worker_applies_the_policy_every_night(app, db_session, old_trainee, monkeypatch):
    import cohorts.cli
    from lms import tasks

    nightly = app.extensions["lms.tasks"]["tasks"][cohorts.cli.RETENTION_TASK]
    assert nightly.task_class().validate_datetime(datetime(2040, 6, 1, 2, 30))  # its schedule
    assert not nightly.task_class().validate_datetime(datetime(2040, 6, 1, 3, 30))
    monkeypatch.setattr(cohorts.cli, "utcnow", lambda: datetime(2040, 6, 1, 2, 30, tzinfo=UTC))
    with app.app_context():
        tasks.enqueue(cohorts.cli.RETENTION_TASK)  # as the scheduler does (run at once here)
    trainee, _certificate = old_trainee
    db_session.expire_all()
    assert db_session.get(User, trainee.id).pseudonymised_at is not None
