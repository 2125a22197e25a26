"""The task queue (Huey): long work off the request, embedded on SQLite or on Redis.

Domains declare their background jobs with `@task("name")` in their `tasks.py`; `init_app`
gives each app its own Huey instance (several apps may live in one process, as in the tests) and
registers every declared task on it, wrapped so that it runs inside an app context with its own
database session, committed when the task returns and rolled back when it raises: a job's writes
are its own transactions, never the request's.

- `TASK_QUEUE_URL` unset: `SqliteHuey` in `instance/tasks.sqlite3` (no server to run), or in the
  file of a `sqlite:///path` address; `redis://host:6379/1`: `RedisHuey`, consumed by any number of workers on any machines.
- `TASK_QUEUE_IMMEDIATE`: run each task at once, in the process that enqueues it (the tests).
- `flask tasks worker` is the consumer: TASK_QUEUE_WORKERS worker processes (one per core), so
  that CPU-bound work (PDFs) of several tasks runs on every core; it also runs the periodic tasks
  (`@periodic`), and queues again, at its start, the jobs a dead worker left (`lms.jobs.rescue`).

A request enqueues with `enqueue_after_commit(...)`: the task is handed to the queue only once
the request's transaction has committed, so a worker always finds the rows the request wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.db import db

log = logging.getLogger(__name__)

_KEY = "lms.tasks"
_DECLARED: dict[str, Callable[..., Any]] = {}
_PERIODIC: dict[str, dict[str, str]] = {}


def task(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a background task under a stable name (registered on every app's queue)."""

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        _DECLARED[name] = function
        return function

    return declare


def periodic(name: str, **when: str) -> None:
    """Run the declared task `name` on a schedule (crontab fields: minute="*/5", hour="2"...),
    from every worker's scheduler: periodic tasks must tolerate running twice."""
    _PERIODIC[name] = when


def make_huey(config: dict[str, Any] | Any, instance_path: str) -> Huey:
    """The Huey instance the settings describe: SQLite in the instance folder, or Redis."""
    url = config.get("TASK_QUEUE_URL") or ""
    immediate = bool(config.get("TASK_QUEUE_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("lms", url=url, results=False, immediate=immediate)
    if url and not url.startswith("sqlite:///"):
        raise RuntimeError(f"TASK_QUEUE_URL must be redis://..., sqlite:///... or unset: {url!r}")
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    path = path or Path(instance_path) / "tasks.sqlite3"
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("lms", filename=str(path), results=False, immediate=immediate)


def _in_app(app: Flask, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            session = db.session
            try:
                result = function(*args, **kwargs)
                session.commit()
            except BaseException:
                session.rollback()
                log.exception("task %s failed", name)
                raise
            return result

    run.__name__ = name.replace(".", "_")
    return run


def init_app(app: Flask) -> None:
    """Give the app its queue, with every declared task registered on it."""
    huey = make_huey(app.config, app.instance_path)
    registered = {}
    for name, function in _DECLARED.items():
        wrapped = _in_app(app, name, function)
        if name in _PERIODIC:
            registered[name] = huey.periodic_task(crontab(**_PERIODIC[name]), name=name)(wrapped)
        else:
            registered[name] = huey.task(name=name)(wrapped)

    @huey.on_startup()
    def _own_connections() -> None:
        # A forked worker process must not share the parent's database connections.
        db.engine(app).dispose(close=False)

    app.extensions[_KEY] = {"huey": huey, "tasks": registered}


def huey_of(app: Flask | None = None) -> Huey:
    """The Huey instance of the given (or current) app."""
    return (app or current_app).extensions[_KEY]["huey"]


def _registered(name: str) -> Any:
    state = current_app.extensions[_KEY]
    if name not in state["tasks"]:  # declared after the app was made (a test's own task)
        function = _DECLARED[name]
        state["tasks"][name] = state["huey"].task(name=name)(
            _in_app(current_app._get_current_object(), name, function)  # type: ignore[attr-defined]  # the app behind the proxy
        )
    return state["tasks"][name]


def enqueue(name: str, *args: Any) -> None:
    """Hand the task to the queue now (outside a transaction that the task depends on)."""
    _registered(name)(*args)
    log.info("task %s enqueued %r", name, args)


def enqueue_at(name: str, eta: datetime, *args: Any) -> None:
    """Hand the task to the queue, to run at `eta` (UTC) or soon after."""
    _registered(name).schedule(args=args, eta=eta.replace(tzinfo=None))
    log.info("task %s scheduled for %s %r", name, eta, args)


def enqueue_after_commit(session: Session, name: str, *args: Any) -> None:
    """Hand the task to the queue once `session` commits; a rollback forgets it."""
    task_of_app = _registered(name)
    if not session.in_transaction():
        session.begin()  # so that its commit or rollback decides
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_soft_rollback", _forget_pending)
    session.info[_PENDING].append((name, task_of_app, args))


_PENDING = "lms.tasks.pending"


def collect_after_commit(session: Session, name: str, item: Any) -> None:
    """Add `item` to the list that one task `name` receives once `session` commits: a
    transaction that writes many messages hands the queue one task, not one per message."""
    for pending_name, _task, args in session.info.get(_PENDING, []):
        if pending_name == name and len(args) == 1 and isinstance(args[0], list):
            args[0].append(item)
            return
    enqueue_after_commit(session, name, [item])


def _send_pending(session: Session) -> None:
    pending, session.info[_PENDING] = session.info[_PENDING], []
    for name, task_of_app, args in pending:
        try:
            task_of_app(*args)
        except Exception:
            if task_of_app.huey.immediate:
                raise  # the task itself failed, inside the request (the tests)
            # The broker is down. What the request committed stands; the periodic rescue
            # (jobs) and sweep (outbox) queue the work again once it is back.
            log.exception("task %s not enqueued %r: the queue is unavailable", name, args)
        else:
            log.info("task %s enqueued %r", name, args)


def _forget_pending(session: Session, _transaction: Any) -> None:
    session.info[_PENDING] = []


RESCUE = "lms.jobs.rescue"

tasks_cli = AppGroup("tasks", help="The task queue (long work off the request).")


@tasks_cli.command("worker")
@click.option("--workers", type=int, default=None, help="Processes (default TASK_QUEUE_WORKERS).")
@click.option("--threads", is_flag=True, help="Threads instead of processes (I/O-bound work only).")
def worker_command(workers: int | None, threads: bool) -> None:
    """Consume the queue: run the enqueued tasks until interrupted (run as a service)."""
    huey = huey_of()
    count = workers or int(current_app.config["TASK_QUEUE_WORKERS"])
    kind = "thread" if threads else str(current_app.config["TASK_QUEUE_WORKER_TYPE"])
    if kind not in ("process", "thread"):
        raise click.BadParameter(f"TASK_QUEUE_WORKER_TYPE must be process or thread, not {kind!r}")
    click.echo(f"Task worker: {count} × {kind} on {type(huey.storage).__name__}.")
    if RESCUE in _DECLARED:  # what a worker that died left behind, before anything else
        _DECLARED[RESCUE]()
        db.session.commit()
    db.session.close()
    db.engine().dispose()
    # Huey polls a SQLite queue with a growing delay while idle (10 s by default): at most half a
    # second here, so that a job starts soon after the person asked for it (bench/jobs.py).
    Consumer(huey, workers=count, worker_type=kind, initial_delay=0.05, max_delay=0.5).run()
