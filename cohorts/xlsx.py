"""The rows of an XLSX workbook's first sheet, read one at a time, within limits. A pure module.

openpyxl's read-only mode is not enough against a small file that expands to millions of rows: on
opening, it reads every sheet whole to find its size when the sheet does not state it (files
written by openpyxl do not), and it parses the shared strings whole. So the zip directory is checked
first (the sizes it states are enforced by zipfile while reading), the parts parsed whole are
bounded, and only the first sheet is parsed, with openpyxl's own parsers, as the caller asks for
rows: a caller that stops at its row limit never reads the rest.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.reader.excel import ExcelReader

# The whole workbook, uncompressed. 10,000 rows of a roster take about 5 MB.
MAX_EXPANDED_BYTES = 32 * 2**20
# The package's small parts, parsed whole: content types, workbook, relationships.
MAX_PART_BYTES = 256 * 2**10
# Tags (opening and closing) of the shared strings, counted cheaply before they are parsed
# (slowly: 5-10 us a string, 4 tags). 10,000 rows with 3 texts of their own take 120,000.
MAX_SHARED_STRING_TAGS = 400_000


class UnreadableWorkbook(ValueError):
    """The data is not an XLSX workbook that can be read."""


class WorkbookTooLarge(ValueError):
    """The workbook would expand beyond the limits above."""


def first_sheet_rows(data: bytes, max_columns: int) -> Iterator[list[object]]:
    """Each row element of the first worksheet, as the values of its first max_columns cells.

    Rows the sheet skips are not produced; trailing empty cells are dropped. Raises
    UnreadableWorkbook or WorkbookTooLarge, also while iterating.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_sizes(archive)
        yield from _rows(data, max_columns)
    except (UnreadableWorkbook, WorkbookTooLarge):
        raise
    except Exception as error:  # noqa: BLE001 - whatever breaks inside openpyxl or zipfile
        raise UnreadableWorkbook(str(error)) from error


def _check_sizes(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if sum(member.file_size for member in members) > MAX_EXPANDED_BYTES:
        raise WorkbookTooLarge("expanded size")
    for member in members:
        if member.filename == "[Content_Types].xml" or member.filename.endswith(".rels"):
            _check_part(member)


def _check_part(member: zipfile.ZipInfo) -> None:
    if member.file_size > MAX_PART_BYTES:
        raise WorkbookTooLarge(member.filename)


def _rows(data: bytes, max_columns: int) -> Iterator[list[object]]:
    # openpyxl (a library, no layer of ours) is loaded on the first XLSX roster: importing it costs
    # 0.22-0.30 s of every process that starts the app (measured 2026-12-02), few of which read one.
    from openpyxl.reader.excel import (  # type: ignore[attr-defined]  # private: not in types-openpyxl
        ExcelReader,
        _find_workbook_part,
    )
    from openpyxl.worksheet._reader import WorkSheetParser  # with the reader, on first use

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        _check_part(reader.archive.getinfo(_find_workbook_part(reader.package).PartName[1:]))
        _check_shared_strings(reader)
        reader.read_strings()
        reader.read_workbook()
        # Styles are not read: they only tell dates from numbers, and a roster has no dates.
        with reader.archive.open(_first_worksheet(reader)) as source:
            parser = WorkSheetParser(source, reader.shared_strings, data_only=True)
            for _, cells in parser.parse():
                yield _values(cells, max_columns)
    finally:
        reader.archive.close()


def _check_shared_strings(reader: ExcelReader) -> None:
    from openpyxl.xml.constants import SHARED_STRINGS  # with the reader above, on first use

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return
    tags = 0
    with reader.archive.open(part.PartName[1:]) as source:
        while chunk := source.read(2**20):
            tags += chunk.count(b"<")
            if tags > MAX_SHARED_STRING_TAGS:
                raise WorkbookTooLarge("shared strings")


def _first_worksheet(reader: ExcelReader) -> str:
    for _, relation in reader.parser.find_sheets():
        if "chartsheet" not in relation.Type and relation.target in reader.valid_files:
            return relation.target
    raise UnreadableWorkbook("no worksheet")


def _values(cells: list[dict[str, Any]], max_columns: int) -> list[object]:
    values: list[object] = []
    for cell in cells:
        column = int(cell["column"])
        if 1 <= column <= max_columns and cell["value"] is not None:
            values.extend([None] * (column - len(values)))
            values[column - 1] = cell["value"]
    return values
