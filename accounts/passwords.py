"""Credential hashing (Argon2id) and the rules for PINs and passwords."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

PIN_LENGTH = 6
MIN_PASSWORD_LENGTH = 10
# Easy-to-guess PINs refused as a new PIN.
WEAK_PINS = frozenset(
    {
        "123456",
        "654321",
        "000000",
        "111111",
        "222222",
        "333333",
        "444444",
        "555555",
        "666666",
        "777777",
        "888888",
        "999999",
        "121212",
        "112233",
        "123123",
        "012345",
    }
)
# Stored for accounts that have no credential yet (imported trainees before their slips are
# printed): no secret ever matches it.
UNUSABLE_HASH = "!unusable"
_READABLE = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def _hasher() -> PasswordHasher:
    # Tests use the cheapest profile; production uses the RFC 9106 low-memory profile.
    if current_app.config.get("PASSWORD_HASHING") == "fast-for-tests":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


def hash_secret(secret: str) -> str:
    """Hash a PIN or password with Argon2id."""
    return _hasher().hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Check a PIN or password; an unknown account costs the same time as a known one."""
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(), secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("lms.dummy_hash", {})
    key = current_app.config.get("PASSWORD_HASHING")
    if key not in cache:
        cache[key] = _hasher().hash(secrets.token_hex(16))
    return cache[key]


def new_initial_pin() -> str:
    """A random six-digit PIN for a new trainee, to be changed at first sign-in."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        if pin not in WEAK_PINS:
            return pin


def new_temporary_password() -> str:
    """A random temporary password for staff, free of look-alike characters."""
    return "".join(secrets.choice(_READABLE) for _ in range(14))
