"""Absolute addresses that leave the app: QR codes, badges, LTI and xAPI identifiers, slips.

They never come from the request: its `Host` header is whatever the client sends, so an address
built from it would let anyone print a certificate whose QR code points at their own site, or have a
badge signed under their domain. They are built on PUBLIC_BASE_URL, or on the base that a resolver
registered by a domain gives for the record concerned (a training centre with its own address), or
on a base the caller names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

log = logging.getLogger(__name__)

# The address `make run` and `flask run` serve on: the base in development and tests when
# PUBLIC_BASE_URL is unset (production refuses to start without it, see require_public_base_url).
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
_RESOLVER_KEY = "lms.public_base_resolver"

BaseResolver = Callable[[Any], str | None]


class PublicBaseUrlError(RuntimeError):
    """The app cannot start: its public address is missing or malformed."""


def register_base_resolver(app: Flask, resolver: BaseResolver) -> None:
    """Let a domain give the public base of a record (e.g. its training centre's own address);
    the resolver returns None to keep PUBLIC_BASE_URL."""
    app.extensions[_RESOLVER_KEY] = resolver


def public_base_url(owner: Any = None, base: str | None = None) -> str:
    """The public base address (no trailing slash): `base` when given, else the one the registered
    resolver gives for `owner`, else PUBLIC_BASE_URL."""
    if not base and owner is not None:
        resolver = current_app.extensions.get(_RESOLVER_KEY)
        base = resolver(owner) if resolver is not None else None
    base = base or current_app.config.get("PUBLIC_BASE_URL") or DEVELOPMENT_BASE_URL
    return base.rstrip("/")


def public_url(endpoint: str, _owner: Any = None, _base: str | None = None, **values: Any) -> str:
    """The absolute address of a route under the public base (see public_base_url); never the
    request's host."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_base_url(_owner, _base) + path


def require_public_base_url(app: Flask) -> None:
    """Refuse to start in production without a well-formed PUBLIC_BASE_URL (development and tests
    fall back to DEVELOPMENT_BASE_URL, with a warning)."""
    base = app.config.get("PUBLIC_BASE_URL") or ""
    if not base:
        if app.testing or app.debug:
            log.warning(
                "PUBLIC_BASE_URL is not set: addresses that leave the app use %s",
                DEVELOPMENT_BASE_URL,
            )
            return
        raise PublicBaseUrlError(
            "PUBLIC_BASE_URL is not set. Set it to the address people and other systems reach "
            "this LMS by, e.g. PUBLIC_BASE_URL=https://training.example.org: it is printed in "
            "certificate QR codes and is the base of badge, LTI and xAPI identifiers (see "
            "docs/deploy.md). `make run` sets it to http://127.0.0.1:$PORT."
        )
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise PublicBaseUrlError(
            f"PUBLIC_BASE_URL={base!r} is not an http(s) address such as "
            "https://training.example.org (a path is allowed, a query or fragment is not)."
        )
