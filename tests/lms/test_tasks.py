"""The task queue: tasks run in an app context with their own session, through a real consumer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy import func, select

from accounts.models import User
from lms import tasks
from lms.db import db


@tasks.task("tests.note_users")
def note_users(path: str, role: str) -> None:
    """Write how many users have the role, and the app's address, into the file."""
    count = db.session.scalar(select(func.count()).select_from(User).where(User.role == role))
    Path(path).write_text(f"{count} {current_app.config['PUBLIC_BASE_URL']}")


@pytest.fixture(params=["sqlite", "redis"])
def app_config(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """Each test of this module runs on the embedded queue and on a real Redis."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        url = f"sqlite:///{tmp_path / 'q.db'}"
    return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": url}


def test_a_job_goes_through_the_queue_to_a_consumer(
    app: Flask, make_user: Any, tmp_path: Path, app_config: dict[str, Any]
) -> None:
    make_user("trainer")
    make_user("trainer")
    out = tmp_path / "out.txt"
    huey = tasks.huey_of(app)
    expected = RedisHuey if app_config["TASK_QUEUE_URL"].startswith("redis") else SqliteHuey
    assert isinstance(huey, expected) and not huey.immediate
    with app.app_context():
        tasks.enqueue("tests.note_users", str(out), "trainer")
    assert huey.pending_count() == 1 and not out.exists()  # queued, not run

    consumer = Consumer(huey, workers=1, worker_type="thread", initial_delay=0.05, periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    count, base = out.read_text().split()
    assert int(count) >= 2 and base == "http://lms.test"
    assert huey.pending_count() == 0


def test_a_task_enqueued_in_a_transaction_waits_for_its_commit(app: Flask, tmp_path: Path) -> None:
    huey = tasks.huey_of(app)
    with app.app_context():
        tasks.enqueue_after_commit(db.session, "tests.note_users", str(tmp_path / "x"), "trainer")
        assert huey.pending_count() == 0
        db.session.rollback()  # forgotten
        db.session.execute(select(1))
        db.session.commit()
        assert huey.pending_count() == 0
        tasks.enqueue_after_commit(db.session, "tests.note_users", str(tmp_path / "x"), "trainer")
        db.session.execute(select(1))
        db.session.commit()
        assert huey.pending_count() == 1


def test_the_embedded_default_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    huey = tasks.make_huey({}, str(tmp_path))
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(tmp_path / "tasks.sqlite3")


def test_a_redis_address_gives_a_redis_queue(tmp_path: Path) -> None:
    huey = tasks.make_huey({"TASK_QUEUE_URL": "redis://127.0.0.1:6399/3"}, str(tmp_path))
    assert type(huey).__name__ == "RedisHuey"


def test_tasks_run_at_once_in_the_test_configuration(app: Flask, tmp_path: Path) -> None:
    # The conftest's default (this module overrides it): a task runs inside the request.
    huey = tasks.make_huey({"TASK_QUEUE_IMMEDIATE": True}, str(tmp_path))
    assert huey.immediate


def test_the_worker_runs_the_kind_of_workers_the_settings_name(app, monkeypatch):
    import lms.tasks

    started: list[tuple[int, str]] = []

    class Recorder:
        def __init__(self, _huey, workers, worker_type, **_):  # type: ignore[no-untyped-def]
            started.append((workers, worker_type))

        def run(self) -> None:
            pass

    monkeypatch.setattr(lms.tasks, "Consumer", Recorder)
    app.config["TASK_QUEUE_WORKER_TYPE"] = "thread"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tasks", "worker", "--workers", "3"]).exit_code == 0
    app.config["TASK_QUEUE_WORKER_TYPE"] = "process"
    assert runner.invoke(args=["tasks", "worker", "--workers", "2", "--threads"]).exit_code == 0
    assert started == [(3, "thread"), (2, "thread")]
