"""The outbox: enqueued in the event's transaction, delivered with retries, never lost."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from lms import outbox
from lms.db import db, utcnow
from lms.outbox import OutboxMessage


class Receiver:
    """The other system: up or down, refusing or accepting; remembers what it accepted."""

    def __init__(self) -> None:
        self.up = True
        self.refuse = False
        self.received: list[dict[str, Any]] = []

    def __call__(self, payload: dict[str, Any]) -> None:
        if not self.up:
            raise ConnectionError("connection refused")
        if self.refuse:
            raise outbox.Rejected("400 Bad Request: statement invalid")
        self.received.append(payload)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Passes by hand (deliver_due) in most tests; the queue's own delivery where a test turns it on.
    return {"OUTBOX_QUEUE_DELIVERY": False}


@pytest.fixture
def receiver() -> Receiver:
    receiver = Receiver()
    outbox.register_sender("test-kind", receiver)
    return receiver


def test_a_message_is_delivered_once(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        outbox.enqueue("test-kind", {"n": 1})
        db.session.commit()
        assert outbox.deliver_due().delivered == 1
        assert outbox.deliver_due().delivered == 0
        assert receiver.received == [{"n": 1}]
        message = db.session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == ("delivered", 1)
        assert message.delivered_at is not None


def test_a_failed_transaction_takes_its_message_with_it(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        outbox.enqueue("test-kind", {"n": 1})
        db.session.rollback()
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
        assert outbox.deliver_due().delivered == 0


def test_an_outage_loses_nothing_and_backs_off(app: Flask, receiver: Receiver) -> None:
    base = app.config["OUTBOX_RETRY_BASE_SECONDS"]
    with app.app_context():
        for n in range(3):
            outbox.enqueue("test-kind", {"n": n})
        db.session.commit()
        receiver.up = False
        now = utcnow()
        report = outbox.deliver_due(now=now)
        assert (report.delivered, report.retrying) == (0, 3)
        message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert message is not None
        assert message.status == "pending"
        assert "connection refused" in (message.last_error or "")
        # Counted from the try itself (a pass may be slowed down by the other system).
        waited = message.next_attempt_at - (now + timedelta(seconds=base))
        assert timedelta(0) <= waited < timedelta(seconds=1)
        # Not due yet: nothing is tried before the back-off is over.
        assert outbox.deliver_due(now=now + timedelta(seconds=base / 2)).retrying == 0
        # Still down: the wait doubles.
        later = message.next_attempt_at + timedelta(seconds=1)
        assert outbox.deliver_due(now=later).retrying == 3
        db.session.refresh(message)
        assert message.next_attempt_at == later + timedelta(seconds=2 * base)  # simulated time
        # Back up: everything arrives, once each.
        receiver.up = True
        assert outbox.deliver_due(now=later + timedelta(hours=1)).delivered == 3
        assert sorted(p["n"] for p in receiver.received) == [0, 1, 2]
        assert outbox.counts() == {"pending": 0, "delivered": 3, "dead": 0}


def test_a_refused_message_is_kept_as_dead(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        outbox.enqueue("test-kind", {"n": 1})
        db.session.commit()
        receiver.refuse = True
        assert outbox.deliver_due().dead == 1
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.status == "dead"
        assert "400 Bad Request" in (message.last_error or "")
        receiver.refuse = False
        assert outbox.deliver_due(now=utcnow() + timedelta(days=1)).delivered == 0


def test_a_message_claimed_by_another_worker_is_left_alone(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        message = outbox.enqueue("test-kind", {"n": 1})
        message.claimed_until = utcnow() + timedelta(minutes=1)
        db.session.commit()
        assert outbox.deliver_due().skipped == 1
        assert receiver.received == []
        # The other worker crashed: once its lease is over, the message is taken over.
        assert outbox.deliver_due(now=utcnow() + timedelta(minutes=5)).delivered == 1


def test_the_back_off_doubles_up_to_the_cap() -> None:
    delays = [outbox.retry_delay(n, 30, 3600).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_an_unknown_kind_is_refused_when_enqueued(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError, match="no sender"):
        outbox.enqueue("nobody-sends-this", {})


def test_what_a_request_commits_is_handed_to_the_queue(app: Flask, receiver: Receiver) -> None:
    app.config["OUTBOX_QUEUE_DELIVERY"] = True

    def enqueue_view() -> str:
        outbox.enqueue("test-kind", {"from": "request"})
        return "ok"

    def failing_view() -> tuple[str, int]:
        outbox.enqueue("test-kind", {"from": "failed request"})
        return "no", 400

    app.add_url_rule("/test-enqueue", view_func=enqueue_view)
    app.add_url_rule("/test-enqueue-fails", view_func=failing_view)
    client = app.test_client()
    client.get("/test-enqueue").close()
    client.get("/test-enqueue-fails").close()
    assert receiver.received == [{"from": "request"}]
    with app.app_context():
        assert outbox.counts() == {"pending": 0, "delivered": 1, "dead": 0}


def test_a_delivery_task_stops_at_the_first_failure(app: Flask, receiver: Receiver) -> None:
    # A hung or down system costs the worker one try, not one per message (the tests' queue runs
    # the task at the request's commit).
    def enqueue_three() -> str:
        for n in range(3):
            outbox.enqueue("test-kind", {"n": n})
        return "ok"

    app.add_url_rule("/test-enqueue-three", view_func=enqueue_three)
    with app.app_context():
        outbox.enqueue("test-kind", {"n": "older, not this request's"})
        db.session.commit()
    app.config["OUTBOX_QUEUE_DELIVERY"] = True
    receiver.up = False
    app.test_client().get("/test-enqueue-three").close()
    with app.app_context():
        attempts = db.session.scalars(select(OutboxMessage.attempts).order_by(OutboxMessage.id))
        assert list(attempts) == [0, 1, 0, 0]


def test_a_slow_pass_never_sends_a_message_whose_lease_has_run_out(
    app: Flask, connection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each send takes longer than a third of the lease: a lease counted from the start of the
    # pass would have run out before the third message was sent, and another worker could take it.
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=0.6))
    leases_left: list[float] = []

    def slow(payload: dict[str, Any]) -> None:
        claimed = connection.execute(
            text("SELECT claimed_until FROM outbox_messages WHERE id = :id"), {"id": payload["id"]}
        ).scalar_one()
        claimed = claimed if isinstance(claimed, str) else claimed.isoformat()
        until = datetime.fromisoformat(claimed).replace(tzinfo=utcnow().tzinfo)
        leases_left.append((until - utcnow()).total_seconds())
        time.sleep(0.25)

    outbox.register_sender("slow-kind", slow)
    with app.app_context():
        for _ in range(4):
            message = outbox.enqueue("slow-kind", {})
            db.session.flush()
            message.payload = {"id": message.id}
        db.session.commit()
        assert outbox.deliver_due().delivered == 4
    assert len(leases_left) == 4 and min(leases_left) > 0.3, leases_left
