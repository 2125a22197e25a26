"""Time to refuse oversized rosters: the 2,000,000-row XLSX of issue 15, one row too many, a 50 MB CSV.

Run by hand: .venv/bin/python bench/roster_limits.py
Target (issue 15, point 7): each refused in under 1 s. The files go straight to the parser (a CSV
of 50 MB is beyond the request size limit, which refuses it before the parser sees it).
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import machine_line  # noqa: E402
from cohorts.roster import RosterFileError, parse_roster  # noqa: E402
from tests.helpers import streamed_xlsx  # noqa: E402 - the test suite's workbook builder

ROWS = 2_000_000
CELL_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'


def bomb_xlsx(row: bytes) -> bytes:
    """A workbook made by openpyxl whose sheet is rewritten with ROWS copies of `row`."""
    return streamed_xlsx(ROWS, lambda n: row)


def roster_xlsx(rows: int) -> bytes:
    """A plain roster workbook as openpyxl writes it (no stated dimensions)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet.append(["service_number", "full_name", "rank", "gender", "nationality", "unit"])
    for n in range(rows):
        sheet.append([f"NP-{n:05d}", f"Trainee {n}", "Corporal", "F", "NPL", "NEPBATT 2"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def big_csv(megabytes: int) -> bytes:
    line = b"NP-40112,Sita Gurung,Captain,F,NPL,NEPBATT 2,sita@example.org,en\n"
    header = b"service_number,full_name,rank,gender,nationality,unit,email,language\n"
    return header + line * (megabytes * 2**20 // len(line))


def refusal_ms(data: bytes, filename: str, runs: int = 5) -> tuple[float, str]:
    """Median milliseconds parse_roster takes to refuse the file, and its message."""
    times, message = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        try:
            parse_roster(data, filename)
        except RosterFileError as error:
            message = str(error)
        else:
            raise SystemExit(f"{filename} was not refused")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), message


def main() -> None:
    from app import create_app

    print(machine_line())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE_URL": "sqlite://",
            "PUBLIC_BASE_URL": "http://bench.invalid",
        }
    )
    files = {
        "XLSX, 2,000,000 rows with a cell each": (bomb_xlsx(CELL_ROW), "roster.xlsx"),
        "XLSX, 2,000,000 blank rows": (bomb_xlsx(b"<row/>"), "roster.xlsx"),
        "XLSX, a plain roster of 10,001 rows": (roster_xlsx(10_001), "roster.xlsx"),
        "CSV, 50 MB": (big_csv(50), "roster.csv"),
    }
    with app.test_request_context():
        for name, (data, filename) in files.items():
            expanded = ""
            if filename.endswith(".xlsx"):
                size = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
                expanded = f", {size / 2**20:.0f} MiB uncompressed"
            ms, message = refusal_ms(data, filename)
            print(f"{name} ({len(data) / 1024:,.0f} KiB{expanded}): refused in {ms:.0f} ms")
            print(f"    {message}")


if __name__ == "__main__":
    main()
