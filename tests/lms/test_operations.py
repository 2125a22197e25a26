"""Running in production: log lines, request ids, the health check and Redis outages.

The outage tests stop the suite's real Redis (tests/redis_server.py) and start it again in a
`finally`, so that the tests after them find it running.
"""

from __future__ import annotations

import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger
from sqlalchemy import text

from lms.access import public
from lms.db import db

ROOT = Path(__file__).resolve().parents[2]


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["X-Request-Id"]) == 32
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_a_proxys_request_id_is_kept_when_sane(client):
    given = client.get("/", headers={"X-Request-Id": "0f3c9a7e5b2d4c1a8e6f"})
    assert given.headers["X-Request-Id"] == "0f3c9a7e5b2d4c1a8e6f"
    forged = client.get("/", headers={"X-Request-Id": "x] lms.audit: admin signed in as"})
    assert len(forged.headers["X-Request-Id"]) == 32 and "lms" not in forged.headers["X-Request-Id"]


def test_a_database_error_is_logged_with_the_request_id_and_no_values(app, client, our_log_lines):
    def broken() -> str:
        db.session.execute(
            text("SELECT id FROM no_such_table WHERE full_name = :name"), {"name": "Amina Diallo"}
        )
        return "unreachable"

    app.add_url_rule("/broken", view_func=public(broken))
    response = client.get("/broken?q=Amina+Diallo", headers={"X-Request-Id": "req-0000-4242"})

    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "req-0000-4242"
    line = next(r for r in our_log_lines.records if r.name == "lms.errors")
    assert line.levelno == logging.ERROR and line.request_id == "req-0000-4242"
    assert "[req-0000-4242] lms.errors: unhandled error on /broken" in our_log_lines.text
    assert "no_such_table" in our_log_lines.text  # the statement, for the developer
    assert "Amina" not in our_log_lines.text  # never the values it was given


def test_gunicorn_access_lines_leave_out_query_strings_and_referrers():
    config = Config()
    config.set(
        "access_log_format", runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/registry/search?q=Amina+Diallo",
        "PATH_INFO": "/registry/search",
        "QUERY_STRING": "q=Amina+Diallo",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://training.example.org/registry/search?q=Amina",
    }
    response = SimpleNamespace(
        status="200 OK", headers=[("X-Request-Id", "abcd1234abcd1234")], sent=512
    )
    atoms = Logger(config).atoms(response, [], environ, timedelta(milliseconds=12))
    line = config.access_log_format % atoms

    assert '"GET /registry/search HTTP/1.1" 200 512 12ms' in line
    assert "[abcd1234abcd1234]" in line
    assert "Amina" not in line
