"""A person downloads everything the system keeps about them, as JSON and as a readable PDF."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

from tests.conftest import TEST_SECRET
from tests.helpers import add_certificate, sign_in


def test_a_trainee_downloads_their_record_as_json(
    app, client, db_session, make_user, make_cohort, course, login_as
):
    trainee = make_user("trainee", full_name="Sita Gurung", rank="Captain", nationality="NPL")
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=90))
    db_session.commit()
    make_cohort(members=[trainee], courses=[course], name="NEPBATT 2")
    admin = login_as("admin")
    assert client.get(f"/admin/users/{trainee.id}").status_code == 200

    own = app.test_client()
    sign_in(own, trainee.sign_in_name, TEST_SECRET)
    response = own.get("/account/record.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    record = response.get_json()
    assert record["account"]["full_name"] == "Sita Gurung"
    assert record["account"]["service_number"] == trainee.service_number
    assert [c["name"] for c in record["cohorts"]] == ["NEPBATT 2"]
    assert [c["serial"] for c in record["certificates"]] == [certificate.serial]
    assert record["certificates"][0]["status"] == "valid"
    assert record["quiz_attempts"] == [] and record["evaluations"] == []
    viewed = record["record_viewed_by_staff"]
    assert [(v["by"], v["role"], v["what"]) for v in viewed] == [
        (admin.full_name, "admin", "account")
    ]


def test_the_record_pdf_is_readable_in_the_persons_language(
    app, db_session, make_user, course, tmp_path
):
    trainee = make_user(
        "trainee", full_name="محمد العلوي", nationality="MAR", preferred_language="ar"
    )
    certificate = add_certificate(db_session, trainee, course, date.today() + timedelta(days=90))
    # A serial that starts with digits: in a right-to-left line its groups would be printed in
    # another order ("HSVP-FM43-DX5W-6246") unless the value keeps its own direction.
    certificate.serial = "6246-HSVP-FM43-DX5W"
    db_session.commit()
    own = app.test_client()
    sign_in(own, trainee.sign_in_name, TEST_SECRET)
    response = own.get("/account/record.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (tmp_path / "record.pdf").write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "record.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert certificate.serial in text and trainee.service_number in text
    assert "الشهادات" in text  # the certificates' heading, in Arabic
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "record.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Arabic" in fonts


def test_the_record_is_only_ever_ones_own(client):
    assert client.get("/account/record.json").status_code == 302  # to the sign-in page
