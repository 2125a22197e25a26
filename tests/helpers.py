"""Helpers for driving the app through HTTP as a user would."""

from __future__ import annotations

import io
import os
import re
import subprocess
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import create_engine, event, text
from werkzeug.test import TestResponse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str) -> str:
    """The CSRF token of the form on a page, as a browser would have it."""
    response = client.get(page)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def submit(
    client: FlaskClient, page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any
) -> TestResponse:
    """Open a page and post its form (to action, default the page itself) with a valid token."""
    token = csrf_token(client, page)
    return client.post(action or page, data={"csrf_token": token, **data}, **kwargs)


def sign_in(
    client: FlaskClient, identifier: str, secret: str, data_country: str = "", **kwargs: Any
) -> TestResponse:
    """Post the sign-in form (with the country of the service number, if given)."""
    data = {"identifier": identifier, "secret": secret, "country": data_country}
    return submit(client, "/sign-in", data, **kwargs)


def sign_out(client: FlaskClient) -> TestResponse:
    """Post the sign-out button from the home page."""
    return submit(client, "/home", {}, action="/sign-out")


def count_statements(connection: Any, call: Any) -> tuple[int, Any]:
    """How many SQL statements call() runs on the test connection (transaction control aside),
    and what call() returned."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        response = call()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return len(statements), response


def count_queries(connection: Any, call: Any) -> int:
    """How many SQL statements call() runs on the test connection; call() must answer 200."""
    count, response = count_statements(connection, call)
    assert response.status_code == 200
    return count


def complete_every_lesson(app: Any, trainer: Any, trainees: Any, course: Any) -> None:
    """Enrol the trainees in the course (by the trainer) and mark every lesson of it done."""
    from courses.services import complete_lesson, enrol
    from lms.db import db

    with app.test_request_context():
        course = db.session.merge(course)
        trainer = db.session.merge(trainer)
        for trainee in trainees:
            trainee = db.session.merge(trainee)
            enrolment = enrol(trainee, course, by=trainer)
            for lesson in course.current_lessons:
                complete_lesson(trainee, enrolment, lesson, "en")
        db.session.commit()


def add_certificate(
    session: Any, user: Any, course: Any, expires_on: date, revoked_by: Any | None = None
) -> Any:
    """Add (and flush) an issued certificate of course for user that expires on expires_on,
    revoked by revoked_by if given; its PDF is a placeholder (for tests of lists and readiness)."""
    from sqlalchemy import func, select

    from certificates.models import Certificate, CertificateRevocation
    from certificates.serials import new_serial

    held = session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.trainee_id == user.id, Certificate.course_id == course.id
        )
    )
    certificate = Certificate(
        serial=new_serial(),
        centre_id=user.centre_id,
        trainee_id=user.id,
        course_id=course.id,
        sequence=held + 1,
        course_version="1.0",
        language="en",
        holder_name=user.full_name,
        rank=user.rank,
        service_number=user.service_number,
        country=user.nationality,
        course_title="Mini course",
        standards=[],
        centre="Test centre",
        issued_on=expires_on - timedelta(days=365),
        expires_on=expires_on,
        pdf=b"%PDF-1.7 test",
        sha256="ab" * 32,
    )
    session.add(certificate)
    session.flush()
    if revoked_by is not None:
        session.add(
            CertificateRevocation(
                certificate_id=certificate.id, revoked_by_id=revoked_by.id, reason="misconduct"
            )
        )
        session.flush()
    return certificate


def table_counts(session: Any) -> dict[str, int]:
    """The number of rows of every table in the test database (to check that nothing was written)."""
    from sqlalchemy import inspect, text

    session.expire_all()
    names = inspect(session.connection()).get_table_names()
    return {
        name: session.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608 - table names
        for name in names
        if name != "alembic_version"
    }


def upload_roster(client: FlaskClient, cohort: Any, data: bytes, filename: str) -> TestResponse:
    """Upload a roster file to a cohort from its page, as the trainer's browser would."""
    page = f"/cohorts/{cohort.id}"
    return client.post(
        f"{page}/roster",
        data={"csrf_token": csrf_token(client, page), "roster": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def poppler(tool: str, pdf_bytes: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool (pdftotext, pdffonts, pdfinfo...) on pdf_bytes; its output."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def embedded_fonts(pdf_bytes: bytes, tmp_path: Path) -> dict[str, str]:
    """Font name (subset prefix removed) -> "yes"/"no" from pdffonts' emb column."""
    fonts = {}
    for line in poppler("pdffonts", pdf_bytes, tmp_path).splitlines()[2:]:
        # Columns after the name: type (may be two words), encoding, emb, sub, uni, object ID.
        name, *rest = line.split()
        fonts[re.sub(r"^[A-Z]{6}\+", "", name)] = rest[-5]
    return fonts


def embedded_font_faces(pdf_bytes: bytes) -> list[tuple[str, int, set[int]]]:
    """(family and style, OS/2 weight, characters) of every TrueType font embedded in a PDF: the
    fonts themselves, so that a synthetic bold (a regular face named "-Bold") shows as 400."""
    from fontTools.ttLib import TTFont

    faces = []
    for match in re.finditer(rb"stream\r?\n", pdf_bytes):
        end = pdf_bytes.find(b"endstream", match.end())
        try:
            raw = zlib.decompress(pdf_bytes[match.end() : end])
        except zlib.error:
            continue
        if raw[:4] in (b"\x00\x01\x00\x00", b"true"):
            font = TTFont(io.BytesIO(raw))
            name = f"{font['name'].getDebugName(1)} {font['name'].getDebugName(2)}"
            faces.append((name, font["OS/2"].usWeightClass, set(font.getBestCmap() or {})))
    return faces


@contextmanager
def scratch_database(directory: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of its own: a new PostgreSQL database when the suite runs
    there (PG_ADMIN_URL), else a SQLite file in directory; dropped afterwards."""
    admin_url = os.environ.get("PG_ADMIN_URL")
    if not admin_url:
        yield f"sqlite:///{directory / f'{name}.sqlite3'}"
        return
    database = f"lms_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{database}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()


def print_slips(
    client: FlaskClient, cohort_id: int, token: str = "", **kwargs: Any
) -> TestResponse:
    """Ask for a cohort's login slips (a job: the tests run it inside the request), follow it to
    its page and download its result."""
    token = token or csrf_token(client, f"/cohorts/{cohort_id}")
    started = client.post(f"/cohorts/{cohort_id}/slips.pdf", data={"csrf_token": token}, **kwargs)
    assert started.status_code == 303, started.status_code
    job_page = started.headers["Location"]
    assert job_page.startswith("/jobs/"), job_page
    page = client.get(job_page, **kwargs).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page, page  # done within the request
    return client.get(job_page + "/result", **kwargs)


# The header row of the rosters that streamed_xlsx writes.
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>service_number</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>full_name</t></is></c></row>'
)


def streamed_xlsx(rows: int, row_xml: Any = lambda n: b"<row/>") -> bytes:
    """A valid workbook (made by openpyxl) whose sheet is rewritten, streaming, with a header row
    and `rows` rows: a few hundred KiB on disk for millions of rows."""
    workbook = Workbook(write_only=True)
    workbook.create_sheet("Roster").append(["service_number", "full_name"])
    base = io.BytesIO()
    workbook.save(base)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(base) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                target.writestr(member, source.read(member))
                continue
            with target.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/')
                sheet.write(b'spreadsheetml/2006/main"><sheetData>' + HEADER_ROW)
                for start in range(0, rows, 10_000):
                    sheet.write(
                        b"".join(row_xml(n) for n in range(start, min(rows, start + 10_000)))
                    )
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


_bulk_numbers = iter(range(1, 10**9))


def add_trainees(session: Any, count: int) -> list[Any]:
    """Many trainees of the default centre at once (a bulk insert, not a user at a time)."""
    from accounts.models import User

    people = [
        User(
            role="trainee",
            full_name=f"Trainee {n:04d}",
            service_number=f"BULK-{next(_bulk_numbers)}",
            credential_hash="not-a-hash",
            centre_id=1,
            nationality="NPL",
            preferred_language="en",
        )
        for n in range(count)
    ]
    session.add_all(people)
    session.commit()
    return people
