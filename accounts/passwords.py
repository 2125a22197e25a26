"""Credential hashing (Argon2id) and the rules for PINs and passwords."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher, Type, profiles
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


# OWASP Password Storage Cheat Sheet's first Argon2id configuration: 19 MiB, 2 passes, 1 lane.
# About 26 ms of one core here. RFC 9106's low-memory profile (64 MiB, 3 passes, 4 lanes) cost
# 135 ms on both cores at once, so that 5 sign-ins a second took a whole core from everybody else's
# pages (docs/benchmarks.md, quiz under load). A six-digit PIN cannot be protected by hashing cost
# anyway: its defence is the per-account sign-in throttle (docs/architecture.md).
PRODUCTION = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
FAST_FOR_TESTS = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _hasher() -> PasswordHasher:
    # Tests use the cheapest profile; production uses the OWASP configuration above.
    if current_app.config.get("PASSWORD_HASHING") == "fast-for-tests":
        return FAST_FOR_TESTS
    return PRODUCTION


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


def needs_rehash(stored_hash: str) -> bool:
    """Whether a verified hash was made with other parameters than today's (then hash it anew)."""
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
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
