"""Certificates through the app: issuance once, stored bytes, verification, revocation, access."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from lms.audit import AuditEvent
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, poppler, sign_in, submit


@pytest.fixture
def issue(app, db_session):
    """Issue a certificate directly (as completion would), optionally on another day."""
    from certificates.services import issue_certificate

    def _issue(trainee, course, today=None):
        with app.test_request_context(base_url="http://localhost"):
            from lms.db import db

            certificate = issue_certificate(
                db.session.merge(trainee), db.session.merge(course), today=today
            )
            db.session.commit()
            return certificate.serial if certificate else None

    return _issue


def _get(db_session, serial):
    db_session.expire_all()
    return db_session.scalars(select(Certificate).where(Certificate.serial == serial)).one()


def test_passing_the_quiz_issues_the_certificate_once(client, login_as, course, db_session):
    from tests.assessments.quiz_steps import answer_all, start, submit_attempt

    trainee = login_as("trainee", full_name="Sita Gurung", rank="Captain", nationality="NPL")
    submit(client, "/courses/mini-course", {}, action="/courses/mini-course/enrol")
    for lesson in ("first-steps", "second-steps"):
        url = f"/courses/mini-course/lessons/{lesson}"
        submit(client, url, {}, action=f"{url}/complete")
    for _ in range(2):  # a second completion (another passing attempt) issues nothing more
        attempt_id = start(client)
        answer_all(client, db_session, attempt_id)
        submit_attempt(client, attempt_id)
    certificates = db_session.scalars(
        select(Certificate).where(Certificate.trainee_id == trainee.id)
    ).all()
    assert len(certificates) == 1
    certificate = certificates[0]
    assert certificate.holder_name == "Sita Gurung" and certificate.standards[0]["code"] == "SEA-1"
    assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.sha256
    assert certificate.expires_on.year == certificate.issued_on.year + 1  # validity_months: 12
    assert (
        db_session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issued")
        )
        == 1
    )


def test_after_passing_every_page_points_to_the_certificate(client, login_as, course, db_session):
    from tests.assessments.quiz_steps import answer_all, start, submit_attempt

    trainee = login_as("trainee")
    submit(client, "/courses/mini-course", {}, action="/courses/mini-course/enrol")
    for lesson in ("first-steps", "second-steps"):
        url = f"/courses/mini-course/lessons/{lesson}"
        submit(client, url, {}, action=f"{url}/complete")
    home = client.get("/home").get_data(as_text=True)
    assert "Go to the quiz" in home and "See your certificate" not in home
    attempt_id = start(client)
    answer_all(client, db_session, attempt_id)
    submit_attempt(client, attempt_id)
    serial = db_session.scalar(
        select(Certificate.serial).where(Certificate.trainee_id == trainee.id)
    )
    link = f'href="/certificates/{serial}"'
    result = client.get(f"/assessments/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "See your certificate" in result and link in result
    course_page = client.get("/courses/mini-course").get_data(as_text=True)
    assert link in course_page and "Certified until" in course_page
    assert "Go to the quiz" not in course_page
    home = client.get("/home").get_data(as_text=True)
    assert link in home and "Certified until" in home and "Go to the quiz" not in home


def test_double_issuance_in_one_period_issues_once(issue, make_user, course, db_session):
    trainee = make_user("trainee")
    first = issue(trainee, course)
    assert first is not None and issue(trainee, course) is None
    assert db_session.scalar(select(func.count(Certificate.id))) == 1


def test_a_concurrent_issuance_loses_on_the_unique_sequence(
    issue, make_user, course, db_session, during_next_render
):
    trainee = make_user("trainee")
    # Another worker issues the same certificate after this one checked that none is held and
    # took the next sequence number, and before it inserts its own.
    issued_meanwhile = during_next_render(lambda: issue(trainee, course))
    assert issue(trainee, course) is None
    assert issued_meanwhile[0] is not None
    serials = db_session.scalars(select(Certificate.serial)).all()
    assert serials == issued_meanwhile


def test_downloads_serve_the_stored_bytes_without_rendering(
    client, login_as, issue, course, db_session, monkeypatch
):
    trainee = login_as("trainee")
    serial = issue(trainee, course)
    monkeypatch.setattr(
        "certificates.pdf.render_certificate", lambda context: pytest.fail("re-rendered")
    )
    response = client.get(f"/certificates/{serial}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == _get(db_session, serial).sha256


def test_verify_valid_expired_revoked_unknown(client, issue, make_user, course, db_session, app):
    holder = make_user("trainee", full_name="Aminata Diop", rank="Adjudant", nationality="SEN")
    valid = issue(holder, course)
    expired = issue(make_user("trainee"), course, today=date.today() - timedelta(days=400))
    revoked = issue(make_user("trainee"), course)
    admin = make_user("admin")
    admin_client = app.test_client()
    sign_in(admin_client, admin.sign_in_name, TEST_SECRET)
    submit(
        admin_client,
        f"/certificates/{revoked}",
        {"reason": "misconduct", "note": "SEA investigation"},
        action=f"/certificates/{revoked}/revoke",
    )

    page = client.get(f"/verify/{valid}").get_data(as_text=True)
    assert "Valid" in page and "Aminata Diop" in page and _get(db_session, valid).sha256 in page
    assert "service" not in page.lower() or "Service number" not in page  # no other personal data
    assert holder.service_number not in page and "Adjudant" not in page and "SEN" not in page
    assert "Expired" in client.get(f"/verify/{expired}").get_data(as_text=True)
    revoked_page = client.get(f"/verify/{revoked}").get_data(as_text=True)
    assert "Revoked" in revoked_page and date.today().isoformat() in revoked_page
    # Never the reason (sensitive) nor the note: staff see them on the certificate's page.
    assert "misconduct" not in revoked_page.lower() and "SEA investigation" not in revoked_page
    from certificates.serials import new_serial

    unknown = client.get(f"/verify/{new_serial()}")
    assert unknown.status_code == 404 and "It was not issued by this system" in unknown.get_data(
        as_text=True
    )
    answer = client.get(f"/verify/{revoked}.json")
    data = answer.get_json()
    assert data["status"] == "revoked" and data["revoked_on"] == date.today().isoformat()
    assert "misconduct" not in answer.get_data(as_text=True).lower()
    assert "SEA investigation" not in answer.get_data(as_text=True)
    assert set(data) == {
        "serial",
        "status",
        "holder",
        "course",
        "course_version",
        "issued_on",
        "expires_on",
        "sha256",
        "revoked_on",
        "holder_removed",
    }


def test_mistyped_serials_get_helpful_messages(client, issue, make_user, course):
    serial = issue(make_user("trainee"), course)
    swapped = serial[1] + serial[0] + serial[2:]
    if swapped != serial:
        response = client.get(f"/verify/?serial={swapped}")
        assert response.status_code == 400 and "typing mistake" in response.get_data(as_text=True)
    assert "never contain the character" in client.get(
        "/verify/?serial=0000-0000-0000-0000"
    ).get_data(as_text=True)
    assert "16 characters" in client.get("/verify/?serial=ABC").get_data(as_text=True)
    typed = client.get(f"/verify/?serial={serial.lower().replace('-', ' ')}")
    assert typed.status_code == 302 and typed.headers["Location"] == f"/verify/{serial}"


def test_upload_tells_whether_the_pdf_is_exactly_the_issued_file(
    client, issue, make_user, course, db_session
):
    serial = issue(make_user("trainee"), course)
    pdf = _get(db_session, serial).pdf
    token = csrf_token(client, f"/verify/{serial}")
    same = client.post(
        f"/verify/{serial}/file",
        data={"csrf_token": token, "document": (io.BytesIO(pdf), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert "exactly the file that was issued" in same.get_data(as_text=True)
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    assert tampered != pdf
    other = client.post(
        f"/verify/{serial}/file",
        data={"csrf_token": token, "document": (io.BytesIO(tampered), "c.pdf")},
        content_type="multipart/form-data",
    )
    page = other.get_data(as_text=True)
    assert "not the issued file" in page
    # One verdict: the register's green "Valid" banner does not sit above the red finding.
    assert page.count('class="notice') == 1 and "notice notice-error verdict" in page
    assert hashlib.sha256(tampered).hexdigest() in page


def test_the_qr_code_gives_the_verification_address(issue, make_user, course, db_session, tmp_path):
    serial = issue(make_user("trainee"), course)
    (tmp_path / "c.pdf").write_bytes(_get(db_session, serial).pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == f"http://lms.test/verify/{serial}"


def test_revocation_rights_and_audit(
    app, client, issue, make_user, make_cohort, course, db_session
):
    holder = make_user("trainee")
    own_trainer, other_trainer = make_user("trainer"), make_user("trainer")
    make_cohort(trainers=[own_trainer], members=[holder])
    serial = issue(holder, course)

    def revoke_as(user):
        c = app.test_client()
        sign_in(c, user.sign_in_name, TEST_SECRET)
        return submit(
            c,
            "/certificates/",
            {"reason": "issued_in_error"},
            action=f"/certificates/{serial}/revoke",
        )

    assert revoke_as(holder).status_code == 403
    assert revoke_as(other_trainer).status_code == 404
    assert _get(db_session, serial).revocation is None
    assert revoke_as(own_trainer).status_code == 302
    certificate = _get(db_session, serial)
    assert (
        certificate.revocation.reason == "issued_in_error"
        and certificate.revocation.revoked_by_id == own_trainer.id
    )
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.revoked")
    ).one()
    assert event.actor_id == own_trainer.id and event.target_id == serial


def revoke_for_misconduct(app, serial, by):
    """Revoke as `by` would through the form, with a reason and a note."""
    c = app.test_client()
    sign_in(c, by.sign_in_name, TEST_SECRET)
    response = submit(
        c,
        f"/certificates/{serial}",
        {"reason": "misconduct", "note": "SEA investigation 2027-14"},
        action=f"/certificates/{serial}/revoke",
    )
    assert response.status_code == 302


def test_the_upload_check_of_a_revoked_certificate_gives_the_date_not_the_reason(
    app, client, issue, make_user, course, db_session
):
    serial = issue(make_user("trainee"), course)
    revoke_for_misconduct(app, serial, make_user("admin"))
    token = csrf_token(client, f"/verify/{serial}")
    page = client.post(
        f"/verify/{serial}/file",
        data={"csrf_token": token, "document": (io.BytesIO(_get(db_session, serial).pdf), "c.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "exactly the file that was issued" in page
    assert "Revoked" in page and date.today().isoformat() in page
    assert "misconduct" not in page.lower() and "SEA investigation" not in page


def test_staff_who_manage_the_certificate_see_the_reason_others_do_not(
    app, issue, make_user, make_cohort, course
):
    holder, trainer = make_user("trainee"), make_user("trainer")
    admin = make_user("admin", preferred_language="fr")
    make_cohort(trainers=[trainer], members=[holder])
    serial = issue(holder, course)
    revoke_for_misconduct(app, serial, trainer)
    for staff, reason in ((trainer, "Misconduct"), (admin, "Faute")):  # translated
        c = app.test_client()
        sign_in(c, staff.sign_in_name, TEST_SECRET)
        page = c.get(f"/certificates/{serial}").get_data(as_text=True)
        assert reason in page and "SEA investigation 2027-14" in page, staff.role
        assert date.today().isoformat() in page
    # The holder sees that it is revoked and when, not why.
    c = app.test_client()
    sign_in(c, holder.sign_in_name, TEST_SECRET)
    page = c.get(f"/certificates/{serial}").get_data(as_text=True)
    assert "Revoked" in page and date.today().isoformat() in page
    assert "misconduct" not in page.lower() and "SEA investigation" not in page


def test_revocation_needs_a_reason(app, issue, make_user, course, db_session):
    admin = make_user("admin")
    serial = issue(make_user("trainee"), course)
    c = app.test_client()
    sign_in(c, admin.sign_in_name, TEST_SECRET)
    response = submit(
        c, f"/certificates/{serial}", {"reason": ""}, action=f"/certificates/{serial}/revoke"
    )
    assert response.status_code == 400 and "Choose a reason" in response.get_data(as_text=True)
    assert _get(db_session, serial).revocation is None


def test_downloads_are_limited_to_holder_trainers_and_admins(
    app, client, issue, make_user, make_cohort, course
):
    holder = make_user("trainee")
    trainer, stranger_trainer = make_user("trainer"), make_user("trainer")
    cohort = make_cohort(trainers=[trainer], members=[holder])
    serial = issue(holder, course)
    expectations = [
        (holder, 200),
        (make_user("trainee"), 404),
        (trainer, 200),
        (stranger_trainer, 404),
        (make_user("admin"), 200),
    ]
    for user, status in expectations:
        c = app.test_client()
        sign_in(c, user.sign_in_name, TEST_SECRET)
        assert c.get(f"/certificates/{serial}.pdf").status_code == status, user.role
        assert c.get(f"/certificates/{serial}").status_code == status, user.role
    from certificates.serials import new_serial

    c = app.test_client()
    sign_in(c, holder.sign_in_name, TEST_SECRET)
    assert c.get(f"/certificates/{new_serial()}.pdf").status_code == 404
    tampered = serial[:-1] + ("X" if serial[-1] != "X" else "Y")
    assert c.get(f"/certificates/{tampered}.pdf").status_code == 404
    assert c.get(f"/certificates/cohorts/{cohort.id}.zip").status_code == 403
    c2 = app.test_client()
    sign_in(c2, stranger_trainer.sign_in_name, TEST_SECRET)
    assert c2.get(f"/certificates/cohorts/{cohort.id}.zip").status_code == 404


def test_cohort_zip_streams_the_stored_pdfs(app, issue, make_user, make_cohort, course, db_session):
    trainer = make_user("trainer")
    members = [
        make_user("trainee", full_name=name) for name in ("张伟", "محمد العلوي", "Fatou Sène")
    ]
    cohort = make_cohort(trainers=[trainer], members=members)
    serials = [issue(member, course) for member in members]
    c = app.test_client()
    sign_in(c, trainer.sign_in_name, TEST_SECRET)
    response = c.get(f"/certificates/cohorts/{cohort.id}.zip")
    assert response.status_code == 200 and response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert len(archive.namelist()) == 3 and any("张伟" in name for name in archive.namelist())
    for serial in serials:
        [name] = [n for n in archive.namelist() if serial in n]
        assert hashlib.sha256(archive.read(name)).hexdigest() == _get(db_session, serial).sha256


def test_expiring_certificates_show_on_the_trainee_home(client, login_as, issue, course):
    trainee = login_as("trainee")
    issue(trainee, course, today=date.today() - timedelta(days=320))  # expires in about 45 days
    page = client.get("/home").get_data(as_text=True)
    assert "expires on" in page and "Mini course" in page


def test_after_expiry_a_new_certificate_is_issued_and_the_old_shows_expired(
    client, issue, make_user, course, db_session
):
    trainee = make_user("trainee")
    old = issue(trainee, course, today=date.today() - timedelta(days=400))
    new = issue(trainee, course)
    assert new is not None and new != old
    assert "Expired" in client.get(f"/verify/{old}").get_data(as_text=True)
    assert "Valid" in client.get(f"/verify/{new}").get_data(as_text=True)


@pytest.fixture
def app_config():
    return {"VERIFY_RATE_LIMIT": "5 per minute"}


def test_verification_is_rate_limited_against_enumeration(client):
    from certificates.serials import new_serial

    statuses = [client.get(f"/verify/{new_serial()}").status_code for _ in range(6)]
    assert statuses[:5] == [404] * 5 and statuses[5] == 429


def test_the_certificate_prints_the_rank_in_its_language_and_keeps_it_as_issued(
    issue, make_user, course, db_session, tmp_path
):
    """The PDF, rendered once at issue, names the rank in the certificate's language (as it names
    the country); the row, the JSON check and the API keep the rank as the roster gave it."""
    french = make_user("trainee", rank="Lt Col", preferred_language="fr", nationality="SEN")
    arabic = make_user("trainee", rank="Havildar", preferred_language="ar")
    serial = issue(french, course)
    certificate = _get(db_session, serial)
    assert certificate.rank == "Lt Col"
    text = poppler("pdftotext", certificate.pdf, tmp_path)
    assert "Grade : Lieutenant-colonel" in " ".join(text.split()) and "Lt Col" not in text
    unknown = _get(db_session, issue(arabic, course))
    assert unknown.rank == "Havildar" and "Havildar" in poppler("pdftotext", unknown.pdf, tmp_path)
