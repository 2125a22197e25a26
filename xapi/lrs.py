"""Delivery of one statement to the learning record store (the outbox sender of kind "xapi").

A statement is PUT at <endpoint>/statements?statementId=<its id>, which is idempotent: sending it
again is harmless. What the store answers decides what the outbox does with the message:
- 2xx, or 409 (the store already holds a statement with this id): delivered;
- 408, 425, 429, 5xx, a timeout or a connection failure: raised, so the outbox tries again later;
- any other 4xx, or a redirect (a wrong address or credentials, a statement the store refuses):
  `outbox.Rejected`, kept as a dead letter with the store's reason (see `flask xapi retry-dead`).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import requests
from flask import current_app

from lms.outbox import Rejected

log = logging.getLogger(__name__)
TEMPORARY = frozenset({408, 425, 429})


class StoreUnavailable(Exception):  # noqa: N818 - a state of the other system, retried later
    """The store cannot take the statement now (5xx, 429...); the outbox retries."""


def statements_url(endpoint: str) -> str:
    """The statements resource of an LRS endpoint (with or without its trailing slash)."""
    return endpoint.rstrip("/") + "/statements"


def send_statement(statement: dict[str, Any]) -> None:
    """PUT one statement to the configured store; raise to retry, `Rejected` to give up."""
    config = current_app.config
    endpoint = config["XAPI_ENDPOINT"]
    if not endpoint:
        # Switched off after the statement was written: keep it until the store is configured.
        raise StoreUnavailable("XAPI_ENDPOINT is not set")
    response = requests.put(
        statements_url(endpoint),
        params={"statementId": statement["id"]},
        json=statement,
        headers={"X-Experience-API-Version": config["XAPI_VERSION"]},
        # UTF-8 (RFC 7617): requests would encode a str as Latin-1 and fail on other characters.
        auth=(config["XAPI_USERNAME"].encode(), config["XAPI_PASSWORD"].encode()),
        timeout=config["XAPI_TIMEOUT"],
        allow_redirects=False,  # a redirect would resend the credentials elsewhere, or drop them
    )
    _check(response, statement["id"])


def _check(response: requests.Response, statement_id: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 409:
        log.warning(
            "LRS already holds statement %s (409 Conflict): taken as delivered", statement_id
        )
        return
    reason = f"{status} {response.reason}: {response.text[:300]}".strip()
    if status >= 500 or status in TEMPORARY:
        raise StoreUnavailable(_redacted(reason))
    if 300 <= status < 400:
        reason += f" (redirected to {response.headers.get('Location')}: check XAPI_ENDPOINT)"
    elif status in (401, 403):
        reason += " (check XAPI_USERNAME and XAPI_PASSWORD)"
    raise Rejected(_redacted(reason))


def _redacted(text: str) -> str:
    # The store's answer is kept as the outbox's last_error and logged: a store (or a proxy) that
    # echoes the request must not put the credentials there.
    config = current_app.config
    password = config["XAPI_PASSWORD"]
    basic = base64.b64encode(f"{config['XAPI_USERNAME']}:{password}".encode()).decode()
    for secret in (basic, password):
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
