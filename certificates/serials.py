"""Certificate serial numbers: unguessable, easy to read aloud and type, with a check character.

Alphabet: the digits 2-9 and the letters A-Z without I, L and O (31 symbols), so 0/O and 1/I/L
cannot be confused. 15 random symbols carry 15 x log2(31) = 74.3 bits. The 16th symbol is a check
character: a weighted sum modulo 31 (a prime) with weights 1..15, which detects every single wrong
symbol and every swap of two neighbouring symbols. Printed in four groups: 7K3M-Q9PX-4RTW-Z2CD.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 15
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_CONFUSABLE = {"0": "O", "O": "O", "1": "I", "I": "I", "L": "L"}


# Kept rather than python-stdnum's Luhn mod N (stdnum.luhn with alphabet=ALPHABET): it computes
# another character for 978 of 1,000 random bodies, so every issued serial would stop checking, and
# it misses a swap of the alphabet's first and last symbols ("2" and "Z": 2 of 930 neighbour swaps
# tried), which this weighted sum modulo a prime always catches.
def check_symbol(body: str) -> str:
    """The check character for a body of alphabet symbols."""
    total = sum((position + 1) * _VALUE[symbol] for position, symbol in enumerate(body))
    return ALPHABET[(-total) % len(ALPHABET)]


def new_serial() -> str:
    """A new random serial number, grouped for reading."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return group(body + check_symbol(body))


def group(compact: str) -> str:
    """Insert a hyphen every four characters."""
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@dataclass(frozen=True)
class SerialCheck:
    """The outcome of reading a typed serial: the normalised serial, or a problem (a code)."""

    serial: str | None
    problem: str | None = None  # "length", "character", "check"
    character: str | None = None


def read_serial(typed: str) -> SerialCheck:
    """Normalise a typed serial (case, spaces, hyphens) and check it without a database."""
    compact = "".join(ch for ch in typed.upper() if ch not in " -\u2010\u2011\u2012\u2013\u2014\t")
    for symbol in compact:
        if symbol not in _VALUE:
            return SerialCheck(None, "character", _CONFUSABLE.get(symbol, symbol))
    if len(compact) != BODY_LENGTH + 1:
        return SerialCheck(None, "length")
    if check_symbol(compact[:-1]) != compact[-1]:
        return SerialCheck(None, "check")
    return SerialCheck(group(compact))
