"""Property-based tests of the roster parser (issue 15, point 8): whatever the bytes, encoding or
shape, parse_roster raises RosterFileError (a message for the whole file) or returns rows whose
problems are row errors; it never fails otherwise."""

from __future__ import annotations

import codecs
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohorts.roster import (
    COLUMNS,
    MAX_ROWS,
    RosterFileError,
    RosterRow,
    is_control_character,
    parse_roster,
)

# No example database: the suite leaves nothing behind in the working tree.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)

FILENAMES = st.sampled_from(["roster.csv", "roster.xlsx", "ROSTER.XLSX", "roster.txt", "", "r"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1"])
DELIMITERS = st.sampled_from([",", ";", "\t", "|", " "])

# Cells that exercise the parser: valid values, quotes and delimiters, line breaks, controls,
# direction marks, other scripts, markup, and now and then a huge cell.
VALUES = st.sampled_from(
    [
        "NP-40112",
        "Sita Gurung",
        "张伟",
        "محمد العلوي",
        "F",
        "NPL",
        "en",
        "sita@example.org",
        "",
        '"',
        '""',
        "a,b",
        "a;b",
        "\n",
        "\r\n",
        "\x00",
        "\u202e",
        "<script>",
        "=1+1",
        "\ufeff",
        "PK\x03\x04",
    ]
)
CELLS = st.one_of(
    VALUES,
    st.text(max_size=30),
    st.builds(lambda n: "x" * n, st.sampled_from([1_000, 140_000])),
)
HEADERS = st.one_of(
    st.just(list(COLUMNS)),
    st.permutations(list(COLUMNS)).map(lambda cols: cols[: len(cols) // 2 + 1]),
    st.lists(st.sampled_from([*COLUMNS, "Service_Number ", "x", ""]), max_size=12),
)


def check(data: bytes, filename: str) -> None:
    """The property: a file error with a message, or rows that each carry their own problems."""
    try:
        rows = parse_roster(data, filename)
    except RosterFileError as error:
        assert str(error).strip()
        return
    assert len(rows) <= MAX_ROWS
    for row in rows:
        assert isinstance(row, RosterRow) and row.line >= 2
        assert set(row.values) == set(COLUMNS)
        assert all(isinstance(value, str) for value in row.values.values())
        assert not any(is_control_character(ch) for value in row.values.values() for ch in value)
        assert all(str(error).strip() for error in row.errors)


def _table(header: list[str], rows: list[list[str]], delimiter: str, quoted: bool) -> str:
    lines = []
    for cells in [header, *rows]:
        if quoted:
            cells = ['"' + cell.replace('"', '""') + '"' for cell in cells]
        lines.append(delimiter.join(cells))
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.binary(max_size=2_000), filename=FILENAMES)
def test_random_bytes(data, filename):
    check(data, filename)


@FUZZ
@given(
    header=HEADERS,
    rows=st.lists(st.lists(CELLS, max_size=12), max_size=8),  # ragged: any number of cells
    delimiter=DELIMITERS,
    quoted=st.booleans(),
    encoding=ENCODINGS,
    bom=st.booleans(),
    filename=FILENAMES,
)
def test_random_tables_in_random_encodings(
    header, rows, delimiter, quoted, encoding, bom, filename
):
    text = _table(header, rows, delimiter, quoted)
    data = text.encode(encoding, errors="replace")
    if bom and encoding in {"utf-8", "utf-16-le", "utf-16-be"}:
        data = {
            "utf-8": codecs.BOM_UTF8,
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
        }[encoding] + data
    check(data, filename)


@FUZZ
@given(
    text=st.text(alphabet=st.sampled_from(list(',;\t"\r\n\x00\ufeff xé张ش')), max_size=400),
    prefix=st.sampled_from(["", "service_number,full_name\n", "service_number;full_name\r\n"]),
)
def test_random_quotes_delimiters_and_line_breaks(text, prefix):
    check((prefix + text).encode("utf-8"), "roster.csv")


def _workbook(header: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    for cells in [header, *rows]:
        workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell)[:1000] for cell in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(FUZZ, max_examples=40)
@given(
    header=HEADERS,
    rows=st.lists(st.lists(CELLS, max_size=10), max_size=5),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=6_000)),
    flip=st.one_of(st.none(), st.tuples(st.integers(min_value=0), st.integers(1, 255))),
)
def test_workbooks_whole_cut_short_or_with_a_byte_changed(header, rows, cut, flip):
    data = bytearray(_workbook(header, rows))
    if cut is not None:
        data = data[:cut]
    if flip is not None and data:
        position, mask = flip
        data[position % len(data)] ^= mask
    check(bytes(data), "roster.xlsx")


@FUZZ
@given(tail=st.binary(max_size=500))
def test_anything_that_starts_like_a_zip(tail):
    check(b"PK" + tail, "roster.csv")
    check(b"PK\x03\x04" + tail, "roster.csv")
