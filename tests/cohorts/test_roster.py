"""Cohorts and roster import: preview, all-or-nothing, re-import, file dialects, isolation, slips."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accounts.models import User
from cohorts.models import Cohort
from tests.conftest import TEST_SECRET
from tests.helpers import print_slips, sign_in, submit
from tests.helpers import upload_roster as upload

# Copies of ../shared/data/roster-*.csv, so the suite never depends on a sibling folder.
DATA = Path(__file__).resolve().parents[1] / "data"


def _shared(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path.read_bytes()


@pytest.fixture
def cohort(make_cohort, login_as, course):
    trainer = login_as("trainer")
    return make_cohort(trainers=[trainer], courses=[course], name="NEPBATT 2")


def trainees(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(User.id)).where(User.role == "trainee"))


def test_trainer_creates_a_cohort(client, login_as, load_course, db_session):
    load_course()
    trainer = login_as("trainer")
    response = submit(
        client,
        "/cohorts/new",
        {
            "name": "BANBAT 14",
            "country": "BGD",
            "mission": "MINUSCA",
            "deployment_date": "2027-03-01",
            "unit": "HQ Coy",
        },
    )
    assert response.status_code == 302
    cohort = db_session.scalars(select(Cohort).where(Cohort.name == "BANBAT 14")).one()
    assert cohort.mission == "MINUSCA" and [t.id for t in cohort.trainers] == [trainer.id]
    bad = submit(client, "/cohorts/new", {"name": "X", "country": "XXX", "mission": "NOTAMISSION"})
    assert bad.status_code == 400 and "Choose a country from the list" in bad.get_data(as_text=True)


def test_bad_roster_shows_an_error_for_every_bad_row_and_imports_nothing(
    client, cohort, db_session
):
    before = trainees(db_session)
    response = upload(client, cohort, _shared("roster-bad.csv"), "roster-bad.csv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for line in range(3, 12):
        assert f"Line {line}:" in page, line
    assert "Line 2:" not in page
    assert "9 lines have errors" in page and "/confirm" not in page
    # The line with too many values (a comma in a name) says so once, not once per shifted column.
    line_11 = re.search(r"<tr class=\"has-error\">\s*<td>11</td>.*?</tr>", page, re.S).group()
    assert line_11.count('class="error"') == 1 and "quotation marks" in line_11
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    confirm = submit(
        client, response.headers["Location"], {}, action=response.headers["Location"] + "/confirm"
    )
    assert confirm.status_code == 409
    assert trainees(db_session) == before


def test_a_preview_with_errors_takes_the_corrected_file_on_the_same_page(
    client, cohort, db_session
):
    bad = b"service_number,full_name,rank,gender\nNP-7001,Gurung, Sita,Corporal,F\n"
    response = upload(client, cohort, bad, "roster.csv")
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert page.count('class="error"') == 1 and "has 5 values but the header has 4" in page
    assert f'href="/cohorts/{cohort.id}"' in page  # back to the cohort
    upload_form = re.search(r'<form[^>]*action="([^"]+)"[^>]*multipart', page)
    assert upload_form and upload_form.group(1) == f"/cohorts/{cohort.id}/roster"
    fixed = b'service_number,full_name,rank,gender\nNP-7001,"Gurung, Sita",Corporal,F\n'
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    again = client.post(
        upload_form.group(1),
        data={"csrf_token": token, "roster": (io.BytesIO(fixed), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302 and again.headers["Location"] != preview_url
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "1 line is ready to import" in page and "Gurung, Sita" in page
    assert trainees(db_session) == 0  # nothing imported until confirmed


def test_sample_roster_imports_every_name_unchanged_and_enrols(client, cohort, course, db_session):
    response = upload(client, cohort, _shared("roster-sample.csv"), "roster-sample.csv")
    preview = response.headers["Location"]
    assert "20 lines are ready to import" in client.get(preview).get_data(as_text=True)
    assert submit(client, preview, {}, action=preview + "/confirm").status_code == 302
    db_session.expire_all()
    names = set(db_session.scalars(select(User.full_name).where(User.role == "trainee")))
    for expected in (
        "सीता श्रेष्ठ",
        "মাহমুদা আক্তার",
        "张伟",
        "فاطمة الزهراء بنعلي",
        "አበበ ቢቂላ",
        "Priya O'Brien-Sharma",
        "Fatou Sène",
    ):
        assert expected in names
    cohort = db_session.get(Cohort, cohort.id)
    assert len(cohort.members) == 20
    from courses.models import Enrolment

    assert (
        db_session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
        == 20
    )
    li = db_session.scalars(select(User).where(User.service_number == "CN-30002")).one()
    assert li.email == "li.na@example.org" and li.preferred_language == "zh" and li.gender == "F"
    assert (
        submit(client, preview, {}, action=preview + "/confirm").status_code == 409
    )  # applied once


def test_reimport_updates_by_service_number_and_never_duplicates(client, cohort, db_session):
    sample = _shared("roster-sample.csv")
    first = upload(client, cohort, sample, "roster.csv").headers["Location"]
    submit(client, first, {}, action=first + "/confirm")
    changed = sample.replace(b"Sita Gurung,Captain", b"Sita Gurung,Major")
    second = upload(client, cohort, changed, "roster.csv").headers["Location"]
    page = client.get(second).get_data(as_text=True)
    assert page.count("will be updated") == 1 and page.count("no change") == 19
    submit(client, second, {}, action=second + "/confirm")
    assert trainees(db_session) == 20
    assert (
        db_session.scalars(select(User.rank).where(User.service_number == "NP-40112")).one()
        == "Major"
    )


def test_bom_and_semicolons_as_spreadsheets_export_them(client, cohort, db_session):
    text = _shared("roster-sample.csv").decode("utf-8")
    semicolon = "\ufeff" + text.replace(",", ";").replace("O'Brien;Sharma", "O'Brien-Sharma")
    response = upload(client, cohort, semicolon.encode("utf-8"), "export.csv")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "20 lines are ready to import" in page and "सीता श्रेष्ठ" in page


def test_xlsx_roster(client, cohort, db_session):
    import csv

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in csv.reader(io.StringIO(_shared("roster-sample.csv").decode("utf-8"))):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, cohort, buffer.getvalue(), "roster.xlsx")
    preview = response.headers["Location"]
    assert "20 lines are ready to import" in client.get(preview).get_data(as_text=True)
    submit(client, preview, {}, action=preview + "/confirm")
    assert trainees(db_session) == 20


def test_unreadable_files_get_a_clear_error(client, cohort, db_session):
    before = trainees(db_session)
    latin1 = "service_number,full_name\nSN-1,Fatou Sène\n".encode("latin-1")
    response = upload(client, cohort, latin1, "roster.csv")
    assert response.status_code == 400 and "CSV UTF-8" in response.get_data(as_text=True)
    no_header = upload(client, cohort, b"a,b\n1,2\n", "roster.csv")
    assert no_header.status_code == 400 and "lacks the columns" in no_header.get_data(as_text=True)
    assert trainees(db_session) == before


def test_another_trainer_cannot_reach_the_cohort(app, client, cohort, make_user):
    response = upload(client, cohort, _shared("roster-sample.csv"), "roster.csv")
    preview = response.headers["Location"]
    other = make_user("trainer")
    other_client = app.test_client()
    sign_in(other_client, other.sign_in_name, TEST_SECRET)
    for url in (f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}/edit", preview):
        assert other_client.get(url).status_code == 404, url
    for url in (
        preview + "/confirm",
        f"/cohorts/{cohort.id}/slips.pdf",
        f"/cohorts/{cohort.id}/roster",
    ):
        assert submit(other_client, "/cohorts/", {}, action=url).status_code == 404, url
    assert "NEPBATT 2" not in other_client.get("/cohorts/").get_data(as_text=True)


def test_login_slips_carry_working_initial_pins(app, client, cohort, db_session, tmp_path):
    response = upload(client, cohort, _shared("roster-sample.csv"), "roster.csv")
    submit(
        client, response.headers["Location"], {}, action=response.headers["Location"] + "/confirm"
    )
    pdf = print_slips(client, cohort.id)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "slips.pdf").write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "slips.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "सीता श्रेष्ठ" in text and "CN-30001" in text
    pin = re.search(r"NP-40112\s+(\d{6})", text) or re.search(
        r"NP-40112.*?(\d{6})", text, flags=re.S
    )
    trainee_client = app.test_client()
    assert (
        sign_in(trainee_client, "NP-40112", pin.group(1)).headers["Location"]
        == "/account/credential"
    )
