"""Roster files: CSV (UTF-8 with or without BOM, comma or semicolon) or XLSX, validated row by row.

A pure module: it reads bytes and returns rows with their problems; it writes nothing. Line numbers
are those a spreadsheet shows (the header is line 1). Messages are lazy strings in the reader's
language.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

COLUMNS = (
    "service_number",
    "full_name",
    "rank",
    "gender",
    "nationality",
    "unit",
    "email",
    "language",
)
REQUIRED_COLUMNS = ("service_number", "full_name")
GENDERS = {"F", "M", "X"}
LANGUAGES = {"en", "fr", "zh", "ar"}
MAX_ROWS = 10_000
SERVICE_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9/._-]{0,31}$")
FORBIDDEN_IN_NAMES = set("<>{}[]\\|`")


@dataclass
class RosterRow:
    """One line of a roster, normalised, with its problems."""

    line: int
    values: dict[str, str]
    errors: list[Any] = field(default_factory=list)
    action: str = ""  # "new", "update", "unchanged" (set by the cohort service)


class RosterFileError(ValueError):
    """The file as a whole cannot be read (message lazily translated)."""


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The cells of the first sheet (XLSX) or of the CSV file, as text."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterFileError(
            _l("The file is not UTF-8 text. In your spreadsheet program, save it as “CSV UTF-8”.")
        ) from None
    if not text.strip():
        raise RosterFileError(_l("The file is empty."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [
        row
        for row in csv.reader(io.StringIO(text, newline=""), dialect)
        if any(cell.strip() for cell in row)
    ]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook gets the same message
        raise RosterFileError(_l("The file could not be read as an XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    rows = [
        ["" if cell is None else str(cell).strip() for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return [row for row in rows if any(row)]


def parse_roster(data: bytes, filename: str) -> list[RosterRow]:
    """Read and validate a roster; every row carries its own problems."""
    table = read_table(data, filename)
    if not table:
        raise RosterFileError(_l("The file is empty."))
    header = [cell.strip().lower().lstrip("\ufeff") for cell in table[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise RosterFileError(
            _l(
                "The header line lacks the columns: %(columns)s. Expected: %(expected)s.",
                columns=", ".join(missing),
                expected=", ".join(COLUMNS),
            )
        )
    if len(table) - 1 > MAX_ROWS:
        raise RosterFileError(
            _l("The file has more than %(n)d rows. Split it into several files.", n=MAX_ROWS)
        )
    rows = [_row(line, header, cells) for line, cells in enumerate(table[1:], start=2)]
    _flag_duplicates(rows)
    return rows


def _row(line: int, header: list[str], cells: list[str]) -> RosterRow:
    row = RosterRow(line, {})
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        row.errors.append(
            _l(
                "This line has %(found)d values but the header has %(expected)d columns.",
                found=len(cells),
                expected=len(header),
            )
        )
    for name, cell in zip(header, cells, strict=False):
        if name in COLUMNS:
            row.values[name] = unicodedata.normalize("NFC", cell.strip())
    for name in COLUMNS:
        row.values.setdefault(name, "")
    _validate(row)
    return row


def _validate(row: RosterRow) -> None:
    v = row.values
    v["service_number"] = v["service_number"].upper()
    if not v["service_number"]:
        row.errors.append(_l("The service number is missing."))
    elif not SERVICE_NUMBER_RE.match(v["service_number"]):
        row.errors.append(
            _l(
                "The service number “%(value)s” is not valid (letters, digits and - / . _ only).",
                value=v["service_number"],
            )
        )
    _validate_name(row)
    if len(v["rank"]) > 64 or len(v["unit"]) > 200:
        row.errors.append(_l("The rank or the unit is too long."))
    v["gender"] = v["gender"].upper()
    if v["gender"] and v["gender"] not in GENDERS:
        row.errors.append(
            _l("The gender “%(value)s” is not valid: use F, M or X.", value=v["gender"])
        )
    v["nationality"] = v["nationality"].upper()
    if v["nationality"] and pycountry.countries.get(alpha_3=v["nationality"]) is None:
        row.errors.append(
            _l(
                "“%(value)s” is not an ISO 3166-1 alpha-3 country code (for example NPL, SEN, CHN).",
                value=v["nationality"],
            )
        )
    _validate_email(row)
    v["language"] = v["language"].lower() or "en"
    if v["language"] not in LANGUAGES:
        row.errors.append(
            _l(
                "The language “%(value)s” is not available: use en, fr, zh or ar.",
                value=v["language"],
            )
        )


def _validate_name(row: RosterRow) -> None:
    name = row.values["full_name"]
    if not name:
        row.errors.append(_l("The full name is missing."))
    elif len(name) > 200:
        row.errors.append(_l("The full name is too long (at most 200 characters)."))
    elif any(ch in FORBIDDEN_IN_NAMES or unicodedata.category(ch) == "Cc" for ch in name):
        row.errors.append(
            _l(
                "The full name contains characters that are not allowed in a name (such as < > { })."
            )
        )


def _validate_email(row: RosterRow) -> None:
    email = row.values["email"]
    if not email:
        return
    try:
        row.values["email"] = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        row.errors.append(_l("The e-mail address “%(value)s” is not valid.", value=email))


def _flag_duplicates(rows: list[RosterRow]) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        number = row.values["service_number"]
        if not number:
            continue
        if number in first_line:
            row.errors.append(
                _l(
                    "The service number %(value)s is already on line %(line)d.",
                    value=number,
                    line=first_line[number],
                )
            )
        else:
            first_line[number] = row.line
