"""Jobs: long work on the task queue, with a row a person can follow (state, progress, result).

A job belongs to the person who started it (and their centre). A request creates the job and hands
its task to the queue after the request commits (`start`); the task reads the job (`begin`), reports
progress in small transactions of its own (`progress`), and ends with a result file kept under
`instance/job-results/` for a while (`finish`) or with a reason (`fail`). Any domain may start
jobs: the shell owns them, so the Jobs page lists every kind.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lms import scope, tasks
from lms.db import Base, db, utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
RESULT_KEPT_HOURS = 24

# Why a job failed, as shown to the person (the row keeps the code; the page translates it).
FAILURE_REASONS = {
    "error": _l(
        "The job stopped because of an error on the server (it has been logged). Try again."
    ),
    "input_changed": _l("What the job was started for has changed meanwhile. Try again."),
    "not_found": _l("What the job was started for no longer exists."),
}


# What each kind of job is called on the Jobs page, declared by the domain that starts it.
_KIND_LABELS: dict[str, Any] = {}


def declare_kind(kind: str, label: Any) -> None:
    """Name a kind of job (a lazy translated string) for the Jobs pages."""
    _KIND_LABELS[kind] = label


def kind_label(kind: str) -> str:
    """The translated name of a kind of job."""
    return str(_KIND_LABELS.get(kind, kind))


class JobFailed(Exception):  # noqa: N818 - a refusal with a reason code, not a programming error
    """Raised by a task to end its job with one of FAILURE_REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Job(scope.CentreOwned, Base):
    """One piece of long work someone started: its progress and its result file."""

    __tablename__ = "jobs"
    CENTRE_OPTIONAL = True  # a platform administrator acts for no centre

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    task: Mapped[str] = mapped_column(String(80))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(40))
    result_path: Mapped[str | None] = mapped_column(String(255))
    result_filename: Mapped[str | None] = mapped_column(String(255))
    result_mimetype: Mapped[str | None] = mapped_column(String(100))
    result_expires_at: Mapped[datetime | None]

    @property
    def is_finished(self) -> bool:
        """Whether the job has ended, well or not."""
        return self.state in (DONE, FAILED)

    def has_result(self, now: datetime) -> bool:
        """Whether its result file can still be downloaded."""
        return bool(
            self.state == DONE
            and self.result_path
            and self.result_expires_at
            and self.result_expires_at > now
        )

    @property
    def label(self) -> str:
        """What the job is, translated."""
        return kind_label(self.kind)

    def failure_reason(self) -> str:
        """The translated reason of a failed job."""
        return str(FAILURE_REASONS.get(self.error or "", FAILURE_REASONS["error"]))


def start(kind: str, task: str, started_by_id: int, arguments: dict[str, Any], total: int) -> Job:
    """Create a queued job in the current transaction; its task runs once that commits."""
    job = Job(kind=kind, task=task, started_by_id=started_by_id, arguments=arguments, total=total)
    db.session.add(job)
    db.session.flush()
    tasks.enqueue_after_commit(db.session, task, job.id)
    log.info("job %s (%s) queued by user %s", job.id, kind, started_by_id)
    return job


def retry(job: Job) -> None:
    """Queue a failed job again (the caller has checked that it failed)."""
    job.state, job.done, job.error = QUEUED, 0, None
    job.started_at = job.finished_at = None
    db.session.flush()
    tasks.enqueue_after_commit(db.session, job.task, job.id)
    log.info("job %s retried", job.id)


def begin(job_id: int) -> Job | None:
    """In a task: the job, marked running, with the session acting for its centre (committed)."""
    session = db.session
    with scope.unscoped(session):
        job = session.get(Job, job_id)
    if job is None or job.state != QUEUED:
        return None  # gone, or already run (a task delivered twice does nothing)
    scope.enter(session, job.centre_id)
    job.state, job.started_at, job.done = RUNNING, utcnow(), 0
    session.commit()
    return job


def progress(job: Job, done: int, total: int | None = None) -> None:
    """In a task: record progress in a small transaction of its own."""
    job.done = done
    if total is not None:
        job.total = total
    db.session.commit()


def finish(job: Job, content: bytes, filename: str, mimetype: str) -> None:
    """In a task: store the result file and mark the job done (the task's commit keeps both)."""
    folder = results_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.id}-{secrets.token_hex(8)}"
    path.write_bytes(content)
    now = utcnow()
    job.result_path, job.result_filename, job.result_mimetype = path.name, filename, mimetype
    job.result_expires_at = now + timedelta(hours=RESULT_KEPT_HOURS)
    job.state, job.finished_at, job.done = DONE, now, job.total
    log.info("job %s done: %s", job.id, filename)


def fail(job_id: int, reason: str) -> None:
    """Mark the job failed with a reason code, in a transaction of its own."""
    session = db.session
    session.rollback()
    with scope.unscoped(session):
        job = session.get(Job, job_id)
        if job is not None:
            job.state, job.error, job.finished_at = FAILED, reason, utcnow()
            session.commit()
    log.warning("job %s failed: %s", job_id, reason)


def run(job_id: int, work: Any) -> None:
    """In a task: begin the job, call work(job), and record a failure if it raises."""
    job = begin(job_id)
    if job is None:
        return
    try:
        work(job)
    except JobFailed as refusal:
        fail(job_id, refusal.reason)
    except Exception:
        log.exception("job %s failed", job_id)
        fail(job_id, "error")


def results_folder() -> Path:
    """Where result files are kept: instance/job-results/ (JOB_RESULTS_FOLDER to change it)."""
    configured = current_app.config.get("JOB_RESULTS_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "job-results"


def result_file(job: Job) -> Path:
    """The path of a job's result file."""
    return results_folder() / (job.result_path or "")


def jobs_of(user_id: int, limit: int = 50) -> list[Job]:
    """The person's recent jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.started_by_id == user_id)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def job_of(user_id: int, job_id: int) -> Job | None:
    """One of the person's jobs (None for anyone else's)."""
    job = db.session.get(Job, job_id)
    return job if job is not None and job.started_by_id == user_id else None
