"""Serial numbers: format, randomness and a check character that catches typos (property-based)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from certificates.serials import ALPHABET, BODY_LENGTH, check_symbol, group, new_serial, read_serial

bodies = st.text(alphabet=ALPHABET, min_size=BODY_LENGTH, max_size=BODY_LENGTH)


def test_format_is_four_groups_without_confusable_characters():
    for _ in range(200):
        serial = new_serial()
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}", serial), serial
        assert not set("01OIL") & set(serial)
        assert read_serial(serial).serial == serial


def test_at_least_64_random_bits_and_no_repeats():
    import math

    assert BODY_LENGTH * math.log2(len(ALPHABET)) >= 64
    assert len({new_serial() for _ in range(2000)}) == 2000


@given(bodies)
def test_typing_variants_are_accepted(body):
    serial = group(body + check_symbol(body))
    assert read_serial(serial.lower().replace("-", " ")).serial == serial
    assert read_serial(serial.replace("-", "")).serial == serial


@given(bodies, st.integers(0, BODY_LENGTH), st.sampled_from(ALPHABET))
def test_every_single_wrong_character_is_caught(body, position, replacement):
    compact = body + check_symbol(body)
    if compact[position] == replacement:
        return
    typo = compact[:position] + replacement + compact[position + 1 :]
    assert read_serial(typo).problem == "check"


@given(bodies, st.integers(0, BODY_LENGTH - 1))
def test_every_swap_of_neighbours_is_caught(body, position):
    compact = body + check_symbol(body)
    if compact[position] == compact[position + 1]:
        return
    swapped = (
        compact[:position] + compact[position + 1] + compact[position] + compact[position + 2 :]
    )
    assert read_serial(swapped).problem == "check"


def test_confusable_and_wrong_length_are_explained():
    serial = new_serial()
    assert read_serial(serial.replace(serial[0], "0", 1)).problem == "character"
    assert read_serial(serial.replace(serial[0], "0", 1)).character == "O"
    assert read_serial(serial[:-2]).problem == "length"
    assert read_serial("").problem == "length"
