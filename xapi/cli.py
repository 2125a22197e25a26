"""Command-line interface of the xapi package: `flask xapi status` and `flask xapi retry-dead`.

Delivery itself is the outbox's, by the task worker (`flask outbox deliver` for a pass by hand).
"""

from __future__ import annotations

import getpass
import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms import audit
from lms.db import db, utcnow
from lms.outbox import DEAD, DELIVERED, PENDING, OutboxMessage
from xapi.receivers import KIND

log = logging.getLogger(__name__)

xapi_cli = AppGroup(
    "xapi", help="xAPI: the statement outbox and its delivery to the learning record store."
)


@xapi_cli.command("status")
@click.option("--errors", default=5, show_default=True, help="Dead statements to list.")
def status_command(errors: int) -> None:
    """Where delivery stands: the store, statements by state, the oldest pending, dead ones."""
    endpoint = current_app.config["XAPI_ENDPOINT"]
    click.echo(f"store: {endpoint or 'none (xAPI is off: no statement is written)'}")
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == KIND)
            .group_by(OutboxMessage.status)
        ).all()
    )
    for state in (PENDING, DELIVERED, DEAD):
        click.echo(f"{state}: {counts.get(state, 0)}")
    oldest = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == KIND, OutboxMessage.status == PENDING)
        .order_by(OutboxMessage.created_at)
        .limit(1)
    ).first()
    if oldest is not None:
        click.echo(
            f"oldest pending: message {oldest.id}, written {oldest.created_at:%Y-%m-%d %H:%M} UTC, "
            f"{oldest.attempts} tries, last error: {oldest.last_error or '-'}"
        )
    for message in _dead(limit=errors):
        click.echo(f"dead {message.id} ({message.attempts} tries): {message.last_error}")


def _dead(limit: int | None = None, ids: tuple[int, ...] = ()) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind == KIND, OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.id)
    )
    if ids:
        query = query.where(OutboxMessage.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@xapi_cli.command("retry-dead")
@click.option(
    "--id", "ids", type=int, multiple=True, help="A dead statement to retry (repeatable)."
)
@click.option("--all", "every", is_flag=True, help="Retry every dead statement.")
@click.option(
    "--reason", required=True, help="Why (e.g. 'credentials fixed'): kept in the audit log."
)
def retry_dead_command(ids: tuple[int, ...], every: bool, reason: str) -> None:
    """Put dead statements back in the queue, once what the store refused them for is fixed."""
    if bool(ids) == every:
        raise click.UsageError("Name the statements with --id, or give --all.")
    messages = _dead(ids=ids)
    missing = set(ids) - {message.id for message in messages}
    if missing:
        raise click.ClickException(f"Not dead xAPI statements: {sorted(missing)}")
    operator = _operator()
    now = utcnow()
    for message in messages:
        audit.record(
            "xapi.requeued",
            "outbox_message",
            message.id,
            None,
            operator=operator,
            reason=reason,
            statement=message.payload.get("id"),
            previous_error=message.last_error,
            attempts=message.attempts,
        )
        message.status = PENDING
        message.next_attempt_at = now
        message.claimed_until = None
    db.session.commit()
    click.echo(
        f"{len(messages)} statement(s) back in the queue; `flask outbox deliver` sends them."
    )


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "unknown"
