"""Helpers for driving the app through HTTP as a user would."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str) -> str:
    """The CSRF token of the form on a page, as a browser would have it."""
    response = client.get(page)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def submit(
    client: FlaskClient, page: str, data: dict[str, Any], action: str | None = None, **kwargs: Any
) -> TestResponse:
    """Open a page and post its form (to action, default the page itself) with a valid token."""
    token = csrf_token(client, page)
    return client.post(action or page, data={"csrf_token": token, **data}, **kwargs)


def sign_in(client: FlaskClient, identifier: str, secret: str, **kwargs: Any) -> TestResponse:
    """Post the sign-in form."""
    return submit(client, "/sign-in", {"identifier": identifier, "secret": secret}, **kwargs)


def sign_out(client: FlaskClient) -> TestResponse:
    """Post the sign-out button from the home page."""
    return submit(client, "/home", {}, action="/sign-out")
