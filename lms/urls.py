"""Absolute addresses that leave the app: QR codes, badges, LTI and xAPI identifiers."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a route: under PUBLIC_BASE_URL (e.g. https://training.example.org)
    when set, else the current request's host; outside a request without it, the local address
    that `make run` serves."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return "http://127.0.0.1:5000" + path
