"""Redis down (rate limits, task queue): what users and monitors see, and the recovery.

These tests stop the suite's real Redis (tests/redis_server.py) and start it again in a `finally`,
so that the tests after them find it running.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import redis

from tests.conftest import TEST_SECRET
from tests.helpers import sign_in


@pytest.fixture
def app_config(redis_server: Any, redis_url: str) -> dict[str, Any]:
    """Rate limits on Redis database 0, the task queue on database 1 (not run immediately)."""
    return {
        "RATELIMIT_STORAGE_URI": redis_url,
        "TASK_QUEUE_URL": redis_server.url(1),
        "TASK_QUEUE_IMMEDIATE": False,
        "VERIFY_RATE_LIMIT": "3 per minute",
    }


def test_healthz_answers_503_while_the_queue_broker_is_down(client, redis_server, our_log_lines):
    assert client.get("/healthz").get_json()["queue"] == "ok"
    redis_server.stop()
    try:
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.get_json() == {"status": "error", "database": "ok", "queue": "unavailable"}
        warning = next(r for r in our_log_lines.records if r.getMessage().startswith("health"))
        assert warning.levelno >= logging.WARNING
    finally:
        redis_server.start()
    assert client.get("/healthz").status_code == 200


def test_sign_in_is_refused_with_503_while_redis_is_down_then_recovers(
    client, make_user, redis_server, our_log_lines
):
    user = make_user("trainee")
    assert sign_in(client, user.sign_in_name, "000111").status_code == 401  # counted in Redis
    redis_server.stop()
    try:
        assert client.get("/sign-in").status_code == 200  # the form itself needs no Redis
        refused = sign_in(client, user.sign_in_name, TEST_SECRET)
        assert refused.status_code == 503
        assert "The service is temporarily unavailable" in refused.get_data(as_text=True)
        assert client.get("/home").status_code == 302  # not signed in
        in_french = sign_in(
            client, user.sign_in_name, TEST_SECRET, headers={"Accept-Language": "fr"}
        )
        assert in_french.status_code == 503
        assert "temporairement indisponible" in in_french.get_data(as_text=True)
        assert any(
            r.levelno == logging.ERROR and "unavailable" in r.getMessage()
            for r in our_log_lines.records
        )
    finally:
        redis_server.start()
    # Redis restarted empty: failures count there again, and the person signs in.
    assert sign_in(client, user.sign_in_name, "000111").status_code == 401
    assert _limit_keys(redis_server)
    assert sign_in(client, user.sign_in_name, TEST_SECRET).status_code == 302


def test_certificate_check_keeps_working_while_redis_is_down_then_goes_back_to_it(
    client, redis_server
):
    assert client.get("/verify/").status_code == 200
    assert _limit_keys(redis_server)
    redis_server.stop()
    try:
        # Limited in this process's memory meanwhile: 3 per minute (the test's setting).
        assert [client.get("/verify/").status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        redis_server.start()
    # Redis restarted empty; Flask-Limiter tries it again after 1, 2, 4... seconds.
    deadline = time.monotonic() + 70
    while not _limit_keys(redis_server) and time.monotonic() < deadline:
        client.get("/verify/")
        time.sleep(0.2)
    assert _limit_keys(redis_server), "the limits never went back to Redis"
    assert client.get("/verify/").status_code == 200


def _limit_keys(redis_server: Any) -> list[bytes]:
    return list(redis.Redis.from_url(redis_server.url(0)).scan_iter("LIMITS*"))
