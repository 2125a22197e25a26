"""Whole numbers taken from requests: URL parts (`<int:...>`) and query or form fields.

Werkzeug's `int` converter takes any Unicode digits ("٣" reached a view as 3) and any size, and a
number beyond the database's integers reached the database, which failed (500: SQLite takes 64
bits, PostgreSQL's `integer` columns 32). Here an id is ASCII digits up to 2^31 - 1, the largest
id a table can hold; anything else is simply not a match (404), or not a number (400).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the ids are `integer` columns
# Pages of a list beyond this are empty anyway; their offset must still fit the database's integers.
MAX_PAGE = 1_000_000


class IdConverter(IntegerConverter):
    """`<int:...>` in the product's routes: ASCII digits only, at most MAX_ID."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(text: str, maximum: int = MAX_ID) -> int:
    """The value of ASCII digits, at most maximum; ValueError otherwise (so that
    `request.args.get(name, default, type=whole_number)` gives the default)."""
    if (
        not (text.isascii() and text.isdigit() and len(text) <= len(str(maximum)))
        or int(text) > maximum
    ):
        raise ValueError(f"not a whole number up to {maximum}")
    return int(text)


def page_number(text: str) -> int:
    """A page of a list (`type=page_number`): 1 to MAX_PAGE."""
    page = whole_number(text, MAX_PAGE)
    if page < 1:
        raise ValueError("pages start at 1")
    return page
