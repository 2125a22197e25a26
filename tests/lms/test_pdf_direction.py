"""PDF templates give each value its own direction (WeasyPrint ignores dir="auto")."""

from __future__ import annotations

import pytest

from lms.pdf import text_direction


@pytest.mark.parametrize(
    ("value", "direction"),
    [
        ("6246-HSVP-FM43-DX5W", "ltr"),
        ("رقيب", "rtl"),
        ("12 رقيب", "rtl"),
        ("מפקד", "rtl"),
        ("Capitaine", "ltr"),
        ("2026-12-02", "ltr"),
        ("", "ltr"),
        (None, "ltr"),
    ],
)
def test_a_value_takes_the_direction_of_its_first_strong_letter(value, direction):
    assert text_direction(value) == direction
