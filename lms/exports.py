"""Spreadsheet-safe exports: CSV (UTF-8 with BOM, for spreadsheet programs) without formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell value that a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes with a BOM (so spreadsheet programs read UTF-8), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], title: str = "Sheet") -> bytes:
    """An XLSX workbook of one sheet; text cells are guarded like CSV cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(cell) for cell in header])
    for row in rows:
        sheet.append(
            [
                cell
                if isinstance(cell, int | float) and not isinstance(cell, bool)
                else safe_cell(cell)
                for cell in row
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
