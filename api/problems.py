"""Errors of the read API as RFC 9457 problem details (application/problem+json), translated.

The language is the client's Accept-Language only: API clients have no session or profile.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from flask import Response, abort, current_app, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import HTTPException

from lms.i18n import accepted_language

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

# status -> (stable code for programs, title for people)
STATUS_PROBLEMS = {
    400: ("bad_request", _l("Bad request")),
    401: ("unauthorized", _l("Authentication required")),
    404: ("not_found", _l("Not found")),
    405: ("method_not_allowed", _l("Method not allowed")),
    429: ("rate_limited", _l("Too many requests")),
    500: ("server_error", _l("Server error")),
}
DETAILS = {
    "not_found": _l("Nothing was found at this address within the scope of your access token."),
    "method_not_allowed": _l("This address does not accept this method."),
    "rate_limited": _l("Too many requests for this access token. Wait a minute, then try again."),
    "server_error": _l("An unexpected error occurred. It has been recorded."),
    "bad_request": _l("The request could not be understood."),
    "token_missing": _l("Send an access token in the header “Authorization: Bearer <token>”."),
    "token_invalid": _l("The access token is not valid."),
    "token_expired": _l("The access token has expired."),
    "token_revoked": _l("The access token has been revoked."),
}


def api_language() -> str:
    """The language of the response: Accept-Language only (API clients have no session)."""
    return accepted_language(current_app.config["LANGUAGES"])


def problem(
    status: int, code: str | None = None, detail: str | None = None, **extra: Any
) -> Response:
    """A problem+json response in the client's language."""
    default_code, title = STATUS_PROBLEMS.get(status, STATUS_PROBLEMS[500])
    code = code or default_code
    language = api_language()
    with force_locale(language):
        body = {
            "type": "about:blank",
            "title": str(title),
            "status": status,
            "detail": str(detail or DETAILS.get(code, DETAILS["bad_request"])),
            "code": code,
            **extra,
        }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


def fail(status: int, code: str, detail: LazyString) -> NoReturn:
    """Stop the request with a problem response (detail: a lazy string, rendered in the client's
    language)."""
    abort(problem(status, code, detail))


def unauthorized(reason: str) -> Response:
    """401 with the Bearer challenge (RFC 6750)."""
    response = problem(401, f"token_{reason}")
    challenge = 'Bearer realm="api"'
    if reason != "missing":
        challenge += ', error="invalid_token"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def http_error(error: HTTPException) -> Response:
    """Any HTTP error raised under the API, as a problem; headers (Allow, Retry-After) kept."""
    status = error.code or 500
    if status not in STATUS_PROBLEMS:
        status = 400 if 400 <= status < 500 else 500
    if status >= 500:
        log.error("HTTP %s on %s", status, request.path)
    response = problem(status)
    for name, value in error.get_headers():
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def unexpected_error(error: Exception) -> Response:
    """An error nobody could cause on purpose: logged with its traceback, a plain 500 problem."""
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unhandled error on %s", request.path)
    return problem(500)
