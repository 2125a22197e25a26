"""The outbox delivered by the task queue: a broker outage loses nothing (a real Redis, stopped
and started again, and a real consumer)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from huey.consumer import Consumer
from sqlalchemy import select

from lms import outbox, tasks
from lms.db import db, utcnow
from lms.outbox import OutboxMessage
from tests.lms.test_outbox import Receiver
from tests.redis_server import RedisServer


@pytest.fixture
def app_config(redis_url: str) -> dict[str, Any]:
    return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": redis_url}


def _wait(check: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_redis_stopped_during_delivery_loses_nothing_and_delivery_resumes(
    app: Flask, redis_server: RedisServer, tmp_path: Path
) -> None:
    receiver = Receiver()
    outbox.register_sender("test-kind", receiver)
    huey = tasks.huey_of(app)
    # No scheduler: a periodic task (the jobs' rescue) run by this in-process thread would share the
    # test's database connection mid-transaction; the sweep is queued below as the scheduler would.
    consumer = Consumer(
        huey, workers=1, worker_type="thread", initial_delay=0.05, max_delay=0.2, periodic=False
    )
    consumer.start()
    try:
        with app.app_context():
            for n in range(3):
                outbox.enqueue("test-kind", {"n": n})
            db.session.commit()  # one task for the three, to the consumer
        _wait(lambda: len(receiver.received) == 3)

        redis_server.stop()
        with app.app_context():
            for n in range(3, 6):
                outbox.enqueue("test-kind", {"n": n})
            db.session.commit()  # committed although the queue is unreachable
            pending = db.session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.status == "pending")
            ).all()
        assert len(pending) == 3 and len(receiver.received) == 3

        redis_server.start()  # an empty Redis: the task of those three was never queued
        with app.app_context():
            # The periodic sweep, as the consumer's scheduler runs it, once they are overdue.
            db.session.execute(
                OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - outbox.OVERDUE)
            )
            db.session.commit()
            tasks.enqueue(outbox.SWEEP_TASK)
        _wait(lambda: len(receiver.received) == 6)
    finally:
        if redis_server.process is None:
            redis_server.start()
        consumer.stop(graceful=True)
    assert sorted(p["n"] for p in receiver.received) == list(range(6))  # each once
    with app.app_context():
        assert outbox.counts() == {"pending": 0, "delivered": 6, "dead": 0}
