"""The transactional outbox: messages for other systems, delivered by the task queue, with retries.

An event that must reach another system (an xAPI statement for the learning record store, a score
for an LTI platform's gradebook) is written here with `enqueue`, in the same transaction as the
event itself: if the request fails, the message is rolled back with everything else; if it
succeeds, the message is committed and will be delivered, whatever the state of the other system.
The table is the record that the event happened; the queue only delivers.

Delivery (`deliver_due`) sends each due message through the sender registered for its kind:
- the sender returns: the message is delivered;
- the sender raises `Rejected`: the other system refused it for good (a 4xx); the message is kept
  as dead, with the reason, for an administrator to look at;
- the sender raises anything else (connection refused, timeout, 5xx): the message stays pending and
  is tried again later, with an exponential back-off capped at OUTBOX_RETRY_MAX_SECONDS. A message
  is never dropped because the other system is down, however long the outage.

The messages of a transaction are handed to the queue when it commits: one `lms.outbox.deliver`
task for all of them, which stops at the first failure (a hung system costs one timeout, not one
per message) and schedules the retry on the queue at the back-off's time. The periodic
`lms.outbox.sweep` delivers what is overdue (a task lost with a broker that was down, or with a
worker that was killed), so nothing waits for ever. Several workers may deliver at once: a message
is claimed with a conditional UPDATE (a lease from the moment of the claim) before it is sent, so
that two workers never send it at the same time. `flask outbox deliver` is a pass by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import JSON, Index, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lms import tasks
from lms.db import Base, db, utcnow

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
LEASE = timedelta(minutes=2)
DELIVER_TASK = "lms.outbox.deliver"
SWEEP_TASK = "lms.outbox.sweep"
OVERDUE = timedelta(minutes=2)  # a due message still pending after this: its task was lost

Sender = Callable[[dict[str, Any]], None]
_senders: dict[str, Sender] = {}


class Rejected(Exception):  # noqa: N818 - a refusal, not a programming error
    """Raised by a sender when the other system refuses a message for good (do not retry)."""


class OutboxMessage(Base):
    """One message for another system, and where its delivery stands."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    skipped: int = 0
    # With stop_at_failure: the message that failed and those left after it, to try again.
    to_retry: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"delivered {self.delivered}, to retry {self.retrying}, dead {self.dead}, "
            f"claimed elsewhere {self.skipped}"
        )


def register_sender(kind: str, send: Sender) -> None:
    """Name the function that delivers messages of this kind (called once per process)."""
    _senders[kind] = send


def enqueue(kind: str, payload: dict[str, Any]) -> OutboxMessage:
    """Add a message in the current transaction; it is handed to the queue once that transaction
    commits (unless OUTBOX_QUEUE_DELIVERY is off: then only a sweep or a pass by hand sends it)."""
    if kind not in _senders:
        raise ValueError(f"no sender registered for outbox messages of kind {kind!r}")
    message = OutboxMessage(kind=kind, payload=payload)
    session = db.session
    session.add(message)
    if current_app.config["OUTBOX_QUEUE_DELIVERY"]:
        session.flush()  # its id, for the task
        tasks.collect_after_commit(session, DELIVER_TASK, message.id)
    return message


def retry_delay(attempts: int, base: float, cap: float) -> timedelta:
    """The wait before the next try after `attempts` failed ones: doubling from base, capped."""
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def deliver_due(
    now: datetime | None = None,
    limit: int = 100,
    kind: str | None = None,
    only: list[int] | None = None,
    stop_at_failure: bool = False,
) -> DeliveryReport:
    """Deliver up to `limit` messages that are due (or only those of `only`), committing after
    each one; with `stop_at_failure`, stop at the first one that must be retried."""
    session = db.session
    now = now or utcnow()
    report = DeliveryReport()
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if only is not None:
        query = query.where(OutboxMessage.id.in_(only))
    ids = list(session.scalars(query))
    session.commit()
    for position, message_id in enumerate(ids):
        if not _claim(message_id, now):
            report.skipped += 1
            continue
        outcome = _deliver_one(message_id, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome == "retrying" and stop_at_failure:
            report.to_retry = ids[position:]
            break
    return report


def _claim(message_id: int, now: datetime) -> bool:
    # A lease: only one process sends a message at a time; an expired lease (a crashed worker)
    # can be taken over. It runs from the claim itself, not from the start of the pass: a pass
    # slowed down by the other system never hands out leases that have already run out.
    session = db.session
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == PENDING,
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=max(now, utcnow()) + LEASE)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult


def _deliver_one(message_id: int, now: datetime) -> str:
    session = db.session
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    config = current_app.config
    send = _senders.get(message.kind)
    message.attempts += 1
    now = max(now, utcnow())  # the back-off counts from this try
    try:
        if send is None:
            raise RuntimeError(f"no sender registered for {message.kind!r}")
        send(dict(message.payload))
    except Rejected as refusal:
        message.status = DEAD
        message.last_error = _describe(refusal)
        log.warning("outbox message %s (%s) refused: %s", message.id, message.kind, refusal)
        outcome = "dead"
    except Exception as error:  # any other failure is temporary: try again later
        delay = retry_delay(
            message.attempts,
            config["OUTBOX_RETRY_BASE_SECONDS"],
            config["OUTBOX_RETRY_MAX_SECONDS"],
        )
        message.next_attempt_at = now + delay
        message.last_error = _describe(error)
        log.info(
            "outbox message %s (%s) not delivered (attempt %s), retry in %s: %s",
            message.id,
            message.kind,
            message.attempts,
            delay,
            message.last_error,
        )
        outcome = "retrying"
    else:
        message.status = DELIVERED
        message.delivered_at = utcnow()
        message.last_error = None
        outcome = "delivered"
    message.claimed_until = None  # held while it was sent
    session.commit()
    return outcome


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def counts() -> dict[str, int]:
    """How many messages are in each state."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    found = {status: number for status, number in rows}
    return {status: found.get(status, 0) for status in (PENDING, DELIVERED, DEAD)}


@tasks.task(DELIVER_TASK)
def deliver(ids: list[int]) -> None:
    """The task: deliver these messages, stopping at the first that fails; that one and those
    after it are tried again, on the queue, when its back-off says."""
    report = deliver_due(limit=len(ids), only=ids, stop_at_failure=True)
    log.debug("outbox task: %s", report)
    if report.to_retry:
        failed = db.session.get(OutboxMessage, report.to_retry[0])
        if failed is not None and failed.status == PENDING:
            tasks.enqueue_at(DELIVER_TASK, failed.next_attempt_at, report.to_retry)


@tasks.task(SWEEP_TASK)
def sweep() -> str:
    """The periodic safety net: deliver the messages overdue by OVERDUE (their task was lost)."""
    report = deliver_due(now=utcnow() - OVERDUE, limit=1000)
    if report.delivered or report.retrying or report.dead:
        log.info("outbox sweep: %s", report)
    return str(report)


tasks.periodic(SWEEP_TASK, minute="*/5")


outbox_cli = AppGroup(
    "outbox", help="Messages for other systems (xAPI, LTI grades); the task worker delivers them."
)


@outbox_cli.command("deliver")
@click.option("--limit", default=1000, show_default=True)
def deliver_command(limit: int) -> None:
    """Deliver the messages that are due, once."""
    click.echo(str(deliver_due(limit=limit)))


@outbox_cli.command("status")
def status_command() -> None:
    """How many messages are pending, delivered and dead."""
    for status, number in counts().items():
        click.echo(f"{status}: {number}")
