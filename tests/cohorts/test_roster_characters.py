"""Control characters and direction marks in roster fields are row errors naming the column, and
nothing is imported; exports never fail on a stored value a workbook cannot hold."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from accounts.models import User
from cohorts.roster import COLUMNS, parse_roster
from tests.helpers import submit, table_counts
from tests.helpers import upload_roster as upload

HEADER = ",".join(COLUMNS)
VALID = {
    "service_number": "NP-40112",
    "full_name": "Sita Gurung",
    "rank": "Captain",
    "gender": "F",
    "nationality": "NPL",
    "unit": "NEPBATT 2",
    "email": "sita@example.org",
    "language": "en",
}
# Not whitespace, so a leading or trailing one is not stripped away either.
HIDDEN = {
    "NUL": "\x00",
    "BEL": "\x07",
    "ESC": "\x1b",
    "DEL": "\x7f",
    "C1 CSI": "\x9b",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e",
    "LEFT-TO-RIGHT EMBEDDING": "\u202a",
    "RIGHT-TO-LEFT ISOLATE": "\u2067",
    "POP DIRECTIONAL ISOLATE": "\u2069",
    "RIGHT-TO-LEFT MARK": "\u200f",
    "ARABIC LETTER MARK": "\u061c",
}


def _csv(values: dict[str, str]) -> bytes:
    return (HEADER + "\n" + ",".join(f'"{values[c]}"' for c in COLUMNS) + "\n").encode()


def _message(column: str) -> str:
    return f"The column “{column}” contains a control character or an invisible direction mark"


def test_the_valid_row_is_valid():
    assert parse_roster(_csv(VALID), "roster.csv")[0].errors == []


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("character", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_hidden_character_in_any_column_is_a_row_error_naming_it(app, column, character):
    value = VALID[column]
    values = {**VALID, column: value[:1] + character + value[1:]}
    with app.test_request_context():
        [row] = parse_roster(_csv(values), "roster.csv")
        errors = [str(e) for e in row.errors]
    assert any(_message(column) in e for e in errors), errors
    assert all(_message(other) not in e for other in COLUMNS if other != column for e in errors)
    assert character not in "".join(row.values.values()) and "\ufffd" in row.values[column]


@pytest.mark.parametrize(
    "character", ["\t", "\n", "\r\n", "\x0b", "\x1f", "\x85", "\u2028", "\u2029"], ids=repr
)
def test_tabs_and_line_breaks_inside_a_quoted_cell_are_refused_too(app, character):
    values = {**VALID, "full_name": f"Sita{character}Gurung", "unit": f"NEPBATT{character}2"}
    with app.test_request_context():
        [row] = parse_roster(_csv(values), "roster.csv")
        errors = [str(e) for e in row.errors]
    assert any(_message("full_name") in e for e in errors)
    assert any(_message("unit") in e for e in errors)


def test_characters_that_belong_in_names_are_kept():
    # Joiners shape Devanagari, Bengali and Persian text; they are not direction marks.
    names = ["सीता श्रेष्ठ", "ক্‌ষ", "می‌خواهم", "محمد العلوي", "张伟", "Fatou Sène"]
    for name in names:
        [row] = parse_roster(_csv({**VALID, "full_name": name}), "roster.csv")
        assert row.errors == [] and row.values["full_name"] == name


def _preview_and_confirm(client, cohort, data: bytes, filename: str):
    response = upload(client, cohort, data, filename)
    assert response.status_code == 302
    preview = response.headers["Location"]
    page = client.get(preview).get_data(as_text=True)
    confirm = submit(client, preview, {}, action=preview + "/confirm")
    return page, confirm


@pytest.fixture
def cohort(make_cohort, login_as, course):
    trainer = login_as("trainer", preferred_language="fr")
    return make_cohort(trainers=[trainer], courses=[course], name="NEPBATT 2")


def test_a_csv_with_control_characters_imports_nothing(client, cohort, db_session, make_user):
    existing = make_user("trainee", service_number="NP-40113", full_name="Asha Rai")
    before = table_counts(db_session)
    rows = [
        {**VALID, "full_name": "Sita\x1b[31m Gurung"},
        {**VALID, "service_number": "NP-40113", "full_name": "Asha\u202eiaR", "rank": "Major"},
        {**VALID, "service_number": "NP-40114", "unit": "NEPBATT\n2"},
    ]
    data = (
        HEADER + "\n" + "".join(",".join(f'"{r[c]}"' for c in COLUMNS) + "\n" for r in rows)
    ).encode()
    page, confirm = _preview_and_confirm(client, cohort, data, "roster.csv")
    for line, column in ((2, "full_name"), (3, "full_name"), (4, "unit")):
        assert f"Ligne {line}\u00a0:" in page
        assert f"La colonne «\u00a0{column}\u00a0» contient un caractère de contrôle" in page
    assert "\x1b" not in page and "\u202e" not in page
    assert confirm.status_code == 409
    after = table_counts(db_session)
    assert after.pop("roster_imports") == before.pop("roster_imports") + 1  # the staged upload
    assert after == before
    db_session.refresh(existing)
    assert existing.full_name == "Asha Rai" and existing.rank is None


def test_an_xlsx_with_a_direction_override_imports_nothing(client, cohort, db_session):
    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append([{**VALID, "full_name": "\u202eanuruG atiS"}[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = table_counts(db_session)
    page, confirm = _preview_and_confirm(client, cohort, buffer.getvalue(), "roster.xlsx")
    assert "La colonne «\u00a0full_name\u00a0» contient un caractère de contrôle" in page
    assert confirm.status_code == 409
    after = table_counts(db_session)
    assert after.pop("roster_imports") == before.pop("roster_imports") + 1
    assert after == before
    assert db_session.scalar(select(User).where(User.service_number == "NP-40112")) is None


@pytest.mark.parametrize("what", ["matrix", "readiness"])
def test_exports_never_fail_on_stored_control_characters(
    client, login_as, make_user, make_cohort, course, what
):
    trainer = login_as("trainer")
    # Stored before rosters refused them (PostgreSQL text cannot hold NUL, so not that one).
    odd = make_user("trainee", full_name="Sita\x07 Gurung\x1b", unit="=HYPERLINK(\x0b)")
    cohort = make_cohort(trainers=[trainer], members=[odd], courses=[course])
    response = client.get(f"/cohorts/{cohort.id}/export/{what}.xlsx")
    assert response.status_code == 200
    cells = [
        cell
        for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)
        for cell in row
    ]
    assert "Sita\ufffd Gurung\ufffd" in cells
    assert "'=HYPERLINK(\ufffd)" in cells
    csv_text = client.get(f"/cohorts/{cohort.id}/export/{what}.csv").get_data(as_text=True)
    assert "Sita\x07 Gurung\x1b" in csv_text  # CSV holds any character
    assert client.get(f"/cohorts/{cohort.id}/readiness.pdf").status_code == 200


@pytest.mark.parametrize("filename", ["roster\x00.csv", "roster\u202evsc.csv", "roster\x07.csv"])
def test_a_file_name_with_control_characters_is_kept_without_them(
    client, cohort, db_session, filename
):
    from cohorts.models import RosterImport

    response = upload(client, cohort, _csv(VALID), filename)
    assert response.status_code == 302
    staged = db_session.scalars(select(RosterImport)).one()
    assert staged.filename.endswith(".csv")
    assert not any(ch in staged.filename for ch in "\x00\u202e\x07")
    assert staged.filename in client.get(response.headers["Location"]).get_data(as_text=True)
