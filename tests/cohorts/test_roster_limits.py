"""Roster files too large to import: refused from their first rows or their zip directory, never
read whole, with a message in the trainer's language, and nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest

from cohorts import roster
from cohorts.roster import MAX_ROWS, RosterFileError, parse_roster
from cohorts.xlsx import MAX_EXPANDED_BYTES, MAX_SHARED_STRING_TAGS
from tests.helpers import csrf_token, streamed_xlsx, table_counts
from tests.helpers import upload_roster as upload

TRAINEE_ROW = (
    b'<row><c t="inlineStr"><is><t>NP-40112</t></is></c>'
    b'<c t="inlineStr"><is><t>Sita Gurung</t></is></c></row>'
)


def csv_rows(rows: int) -> bytes:
    lines = (f"SN-{n},Trainee {n}\n" for n in range(rows))
    return ("service_number,full_name\n" + "".join(lines)).encode()


@pytest.fixture(autouse=True)
def checked_in_the_request(app):
    """The reader's limits, in the request (a large file's job refuses with the same message:
    tests/cohorts/test_roster_job.py)."""
    app.config["JOB_THRESHOLD_ROSTER_ROWS"] = 10 * MAX_ROWS


@pytest.fixture
def cohort(make_cohort, login_as, course):
    trainer = login_as("trainer", preferred_language="fr")
    return make_cohort(trainers=[trainer], courses=[course], name="NEPBATT 2")


def test_the_streamed_workbooks_are_readable_when_small():
    """The files below are refused for their size, not because they are malformed."""
    small = streamed_xlsx(3, lambda n: TRAINEE_ROW.replace(b"NP-40112", b"NP-%d" % n))
    assert [r.values["service_number"] for r in parse_roster(small, "roster.xlsx")] == [
        "NP-0",
        "NP-1",
        "NP-2",
    ]


def test_a_two_million_row_workbook_is_refused_from_its_zip_directory(client, cohort, db_session):
    bomb = streamed_xlsx(2_000_000, lambda n: b'<row><c t="inlineStr"><is><t>x</t></is></c></row>')
    assert len(bomb) < 512 * 1024
    assert (
        sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > MAX_EXPANDED_BYTES
    )
    before = table_counts(db_session)
    response = upload(client, cohort, bomb, "roster.xlsx")
    assert response.status_code == 400
    assert "Le classeur est trop volumineux une fois décompressé" in response.get_data(as_text=True)
    assert table_counts(db_session) == before


def test_a_workbook_of_two_million_blank_rows_stops_at_the_row_limit(
    client, cohort, db_session, monkeypatch
):
    from openpyxl.worksheet._reader import WorkSheetParser

    bomb = streamed_xlsx(2_000_000)  # small enough uncompressed (about 12 MB): read lazily
    parsed = []
    original = WorkSheetParser.parse

    def counting_parse(self):
        for row in original(self):
            parsed.append(1)
            yield row

    monkeypatch.setattr(WorkSheetParser, "parse", counting_parse)
    before = table_counts(db_session)
    response = upload(client, cohort, bomb, "roster.xlsx")
    assert response.status_code == 400
    assert f"Le fichier comporte plus de {MAX_ROWS} lignes" in response.get_data(as_text=True)
    assert len(parsed) <= roster.MAX_LINES + 1
    assert table_counts(db_session) == before


def test_one_row_too_many_is_refused_before_any_row_is_checked(client, cohort, db_session):
    over = streamed_xlsx(
        MAX_ROWS + 1, lambda n: TRAINEE_ROW.replace(b"NP-40112", b"NP-%d" % (40000 + n))
    )
    before = table_counts(db_session)
    response = upload(client, cohort, over, "roster.xlsx")
    assert response.status_code == 400
    assert f"Le fichier comporte plus de {MAX_ROWS} lignes" in response.get_data(as_text=True)
    assert table_counts(db_session) == before


def test_a_sheet_stated_as_the_widest_and_longest_is_read_by_its_actual_rows():
    def row(n: int) -> bytes:
        line = n + 2
        return (
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>SN-%d</t></is></c>'
            b'<c r="XFD%d"><v>1</v></c></row>' % (line, line, n, line)
        )

    stated = streamed_xlsx(2, row).replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    rows = parse_roster(stated, "roster.xlsx")
    assert [r.values["service_number"] for r in rows] == ["SN-0", "SN-1"]


def test_shared_strings_beyond_their_limit_are_refused_before_they_are_parsed(monkeypatch):
    from openpyxl.reader import excel

    def never(*args):
        raise AssertionError("the shared strings were parsed")

    monkeypatch.setattr(excel, "read_string_table", never)
    workbook = streamed_xlsx(1)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(member, content)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<si><t>a</t></si>" * (MAX_SHARED_STRING_TAGS // 4 + 1)
            + b"</sst>",
        )
    with pytest.raises(RosterFileError, match="too large once uncompressed"):
        parse_roster(out.getvalue(), "roster.xlsx")


def test_a_huge_csv_stops_at_the_row_limit(client, cohort, db_session):
    huge = csv_rows(1_000_000)  # about 20 MB: beyond the request limit, read directly
    with pytest.raises(RosterFileError, match=f"more than {MAX_ROWS} rows"):
        parse_roster(huge, "roster.csv")
    within_request_limit = csv_rows(MAX_ROWS + 1)
    before = table_counts(db_session)
    response = upload(client, cohort, within_request_limit, "roster.csv")
    assert response.status_code == 400
    assert f"Le fichier comporte plus de {MAX_ROWS} lignes" in response.get_data(as_text=True)
    assert table_counts(db_session) == before


def test_a_csv_of_blank_lines_stops_at_the_line_limit():
    with pytest.raises(RosterFileError, match=f"more than {MAX_ROWS} rows"):
        parse_roster(b"service_number,full_name\n" + b"\n" * 5_000_000, "roster.csv")


def test_a_csv_cell_beyond_the_csv_modules_limit_is_a_file_error(client, cohort, db_session):
    long_cell = b'service_number,full_name\nSN-1,"' + b"x" * 200_000 + b'"\n'
    before = table_counts(db_session)
    response = upload(client, cohort, long_cell, "roster.csv")
    assert response.status_code == 400
    assert "La ligne 2 du fichier n’a pas pu être lue\u00a0:" in response.get_data(as_text=True)
    assert table_counts(db_session) == before


def test_a_request_beyond_the_size_limit_gets_a_translated_413(app, client, cohort, db_session):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    page = f"/cohorts/{cohort.id}"
    oversized = b"service_number,full_name\n" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client would spool a large upload to a file it never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client, page),
            "roster": FileStorage(io.BytesIO(oversized), "roster.csv"),
        }
    )
    before = table_counts(db_session)
    response = client.post(
        f"{page}/roster", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "Le fichier envoyé est trop volumineux" in response.get_data(as_text=True)
    assert table_counts(db_session) == before
