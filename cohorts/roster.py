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
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from cohorts.xlsx import MAX_EXPANDED_BYTES, UnreadableWorkbook, WorkbookTooLarge, first_sheet_rows
from lms.settings import LANGUAGES

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
MAX_ROWS = 10_000
# Physical lines or sheet rows read at most, blank ones included.
MAX_LINES = 4 * MAX_ROWS
# Columns read from a sheet (a roster has 8): a row stated as 16,384 cells wide is cut here.
MAX_COLUMNS = 64
# What a roster row takes in a workbook once uncompressed (10,000 rows: about 5 MB).
XLSX_BYTES_PER_ROW = 500
SERVICE_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9/._-]{0,31}$")
FORBIDDEN_IN_NAMES = set("<>{}[]\\|`")
# Marks that change the direction of the text around them: a name holding them can display as
# another name. Control characters (a tab or a newline too: every field is one line) and line or
# paragraph separators are refused with them (an export of such a value failed).
DIRECTION_MARKS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


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
    """The non-empty rows of the first sheet (XLSX) or of the CSV file, as text.

    Reading stops one row past what a roster may hold (MAX_ROWS after the header), so a huge file
    is refused after reading its first rows, never read whole.
    """
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    return _read_csv(data)


def estimated_rows(data: bytes, filename: str) -> int:
    """About how many rows a roster file holds, without reading its cells (to decide where it is
    checked): a CSV file's line breaks, an XLSX workbook's uncompressed size. A file too large on
    its face is refused here (RosterFileError), as parse_roster would refuse it."""
    if not (filename.lower().endswith(".xlsx") or data[:2] == b"PK"):
        lines = data.count(b"\n")
        if lines > MAX_LINES:
            raise _too_many_rows()
        return lines
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return 0  # unreadable: parse_roster says so, at once
    if expanded > MAX_EXPANDED_BYTES:
        raise _workbook_too_large()
    return expanded // XLSX_BYTES_PER_ROW


def _too_many_rows() -> RosterFileError:
    return RosterFileError(
        _l("The file has more than %(n)d rows. Split it into several files.", n=MAX_ROWS)
    )


def _first_rows(rows: Iterable[list[str]]) -> list[list[str]]:
    """The non-empty rows, up to one more than a roster may hold (header included)."""
    kept: list[list[str]] = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_LINES:  # blank lines count too: a sheet of empty rows is no cheaper
            raise _too_many_rows()
        if any(cell.strip() for cell in row):
            kept.append(row)
            if len(kept) > MAX_ROWS + 1:
                break
    return kept


def _read_csv(data: bytes) -> list[list[str]]:
    # Decoded as it is read: a huge file is refused at its row limit, not decoded whole first.
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = None
    try:
        dialect = _sniff(stream.read(4096))
        stream.seek(0)
        reader = csv.reader(stream, dialect)
        return _first_rows(reader)
    except UnicodeDecodeError:
        raise RosterFileError(
            _l("The file is not UTF-8 text. In your spreadsheet program, save it as “CSV UTF-8”.")
        ) from None
    except csv.Error:
        raise RosterFileError(
            _l(
                "Line %(line)d of the file could not be read: a cell is too long or a quotation "
                "mark is not closed.",
                line=max(reader.line_num if reader is not None else 1, 1),
            )
        ) from None


def _sniff(sample: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _read_xlsx(data: bytes) -> list[list[str]]:
    rows = (
        ["" if value is None else str(value).strip() for value in values]
        for values in first_sheet_rows(data, MAX_COLUMNS)
    )
    try:
        return _first_rows(rows)
    except UnreadableWorkbook:
        raise RosterFileError(_l("The file could not be read as an XLSX workbook.")) from None
    except WorkbookTooLarge:
        raise _workbook_too_large() from None


def _workbook_too_large() -> RosterFileError:
    return RosterFileError(
        _l(
            "The workbook is too large once uncompressed (more than %(mb)d MB). Keep only the "
            "roster's columns and at most %(n)d rows, or split it into several files.",
            mb=MAX_EXPANDED_BYTES // 2**20,
            n=MAX_ROWS,
        )
    )


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
        raise _too_many_rows()
    rows = [_row(line, header, cells) for line, cells in enumerate(table[1:], start=2)]
    _flag_duplicates(rows)
    return rows


def _row(line: int, header: list[str], cells: list[str]) -> RosterRow:
    row = RosterRow(line, {})
    for name, cell in zip(header, cells, strict=False):
        if name in COLUMNS:
            row.values[name] = unicodedata.normalize("NFC", cell.strip())
    for name in COLUMNS:
        row.values.setdefault(name, "")
    _flag_control_characters(row)
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        # The values are shifted (most often a name with the separator in it): checking them
        # column by column would report every column after it, one error says what to fix.
        row.errors.append(
            _l(
                "This line has %(found)d values but the header has %(expected)d columns: a value "
                "probably contains the separator (a comma in a name, for example). Put that value "
                "in quotation marks, or remove the separator.",
                found=len(cells),
                expected=len(header),
            )
        )
        row.values["service_number"] = row.values["service_number"].upper()
        return row
    _validate(row)
    return row


def is_control_character(ch: str) -> bool:
    """A control character, line separator or direction mark: never part of a roster value."""
    return ch in DIRECTION_MARKS or unicodedata.category(ch) in CONTROL_CATEGORIES


def clean_filename(name: str | None) -> str:
    """An uploaded file's name (kept and shown) without control characters or direction marks."""
    return "".join(ch for ch in name or "" if not is_control_character(ch)).strip() or "roster.csv"


def _flag_control_characters(row: RosterRow) -> None:
    """An error naming each column that holds a control character; they become U+FFFD (shown as
    a replacement mark in the preview, which never displays the characters themselves)."""
    for name in COLUMNS:
        value = row.values[name]
        if any(is_control_character(ch) for ch in value):
            row.errors.append(
                _l(
                    "The column “%(column)s” contains a control character or an invisible "
                    "direction mark (shown as �); remove it.",
                    column=name,
                )
            )
            row.values[name] = "".join("\ufffd" if is_control_character(ch) else ch for ch in value)


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
                "The language “%(value)s” is not available: use one of %(choices)s.",
                value=v["language"],
                choices=", ".join(LANGUAGES),
            )
        )


def _validate_name(row: RosterRow) -> None:
    name = row.values["full_name"]
    if not name:
        row.errors.append(_l("The full name is missing."))
    elif len(name) > 200:
        row.errors.append(_l("The full name is too long (at most 200 characters)."))
    elif any(ch in FORBIDDEN_IN_NAMES for ch in name):
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
