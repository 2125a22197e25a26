"""Log lines and request ids.

One line per event: time, level, process id, request id, logger name, message. Each request gets
an id (the proxy's `X-Request-Id` when it is a sane token, else a new one), sent back in the
response's `X-Request-Id` header, so that a person's report, the proxy's log and ours meet.
Messages carry no personal data: no query strings, no SQL parameter values (`lms.db.make_engine`
hides them).
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] [%(request_id)s] %(name)s: %(message)s"
HEADER = "X-Request-Id"
# What we accept from a proxy: a token of letters, digits and - _ . : (nginx's $request_id is
# 32 hex digits; a UUID fits). Anything else is replaced, so a client cannot forge log lines.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def current_request_id() -> str:
    """The current request's id, or "-" outside a request."""
    if has_request_context():
        return str(g.get("request_id", "-"))
    return "-"


class RequestIdFilter(logging.Filter):
    """Give every record the `request_id` the format names."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def make_handler(stream: Any = None) -> logging.Handler:
    """A handler writing our lines to `stream` (standard error by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(level: str = "INFO") -> None:
    """Send the process's logs to standard error in our format (journald keeps them under
    systemd), unless logging is already set up (a host application, a test runner)."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(make_handler())
    root.setLevel(level.upper())


def _take_request_id() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex


def _send_request_id(response: Any) -> Any:
    response.headers[HEADER] = current_request_id()
    return response


def init_request_ids(app: Flask) -> None:
    """Give every request an id, in its log lines and its response's header."""
    app.before_request_funcs.setdefault(None, []).insert(0, _take_request_id)
    app.after_request(_send_request_id)
