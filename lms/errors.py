"""Error pages in the user's language, for every status a user can meet."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Check what you entered and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. Check the address or go back to the home page."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used in this way.")),
    410: (
        _l("No longer here"),
        _l("What was at this address was deleted under the retention policy."),
    ),
    413: (_l("File too large"), _l("The file you sent is too large.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been recorded. Please try again later."),
    ),
    503: (
        _l("Service unavailable"),
        _l("The service is temporarily unavailable. Try again in a few minutes."),
    ),
}
# What a client should wait before trying again when a service we depend on is down.
RETRY_AFTER_SECONDS = 60
CSRF_MESSAGE = _l(
    "Your form has expired or was not sent from this site. Go back, reload the page and try again."
)


def render_error(status: int, detail: str | None = None) -> tuple[str, int]:
    """Render the error page for a status, with an optional specific message."""
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message
    ), status


def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if isinstance(error, CSRFError):
        if request.is_json:  # a script's request (static/js/quiz.js) reads the message
            return jsonify(error=str(CSRF_MESSAGE)), 400
        return render_error(400, str(CSRF_MESSAGE))
    detail = None
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        detail = str(error.description)
    if status >= 500:
        log.error("HTTP %s on %s", status, request.path)
    if request.is_json:
        return jsonify(error=str(detail or MESSAGES.get(status, MESSAGES[500])[1])), status
    response = error.get_response()
    body, status = render_error(status, detail)
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def _unexpected_error(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s", request.path)
    return render_error(500)


def _service_unavailable(error: Exception) -> Any:
    # The rate limits' storage or the task queue's broker (Redis) does not answer: nothing the
    # user did, nothing they can fix; refused, never served without its safeguard.
    log.error("service unavailable on %s: %s: %s", request.path, type(error).__name__, error)
    body, status = render_error(503)
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


HANDLERS = (
    (HTTPException, _http_error),
    (InternalServerError, _http_error),
    (StorageError, _service_unavailable),
    (RedisConnectionError, _service_unavailable),
    (RedisTimeoutError, _service_unavailable),
    (Exception, _unexpected_error),
)


def register_error_pages(app: Flask, blueprint_names: set[str] | None = None) -> None:
    """Render our error pages for every error: app-wide, or only under our blueprints.

    Mounted into a host, our pages must not replace the host's for the host's routes, so they
    are registered in our blueprints' scopes. Blueprint objects are shared by every app that
    mounts them and cannot take new handlers once registered, hence the app's per-blueprint
    handler table (the one `Blueprint.register_error_handler` fills).
    """
    if blueprint_names is None:
        for exception, handler in HANDLERS:
            app.register_error_handler(exception, handler)
        return
    for name in blueprint_names:
        if any(app.error_handler_spec[name].values()):
            continue  # a blueprint with its own error handling (the read API's JSON problems)
        for exception, handler in HANDLERS:
            exc_class, code = app._get_exc_class_and_code(exception)
            app.error_handler_spec[name][code][exc_class] = handler
