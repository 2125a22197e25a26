"""Jobs: long work on the task queue, with a row a person can follow (state, progress, result).

A job belongs to the person who started it (and their centre). A request creates the job and hands
its task to the queue after the request commits (`start`); the task reads the job (`begin`), reports
progress in small transactions of its own (`progress`), and ends with a result file kept under
`instance/job-results/` for a while (`finish`) or with a reason (`fail`). Any domain may start
jobs: the shell owns them, so the Jobs page lists every kind.

Work on many items (a cohort's certificates) is a job in parts (`start_in_parts`): each part is a
task of its own, so that every worker (process, machine) takes parts; a part's writes and its
`job_parts` row commit together, so a part run twice (a retry, a task delivered again) does its
work once, and the job is done when every part has its row.

A running job beats (`heartbeat_at`, from a thread while its task runs). `rescue` (a periodic
task, and at every worker's start) queues again what a dead worker was running and what never
reached the queue: a job whose heartbeat stopped, or that has waited too long to start.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, func, select, update
from sqlalchemy.exc import IntegrityError
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
    "invalid_file": _l("The file could not be read. Correct it and upload it again."),
}


# What each kind of job is called on the Jobs page, and how its outcome reads, declared by the
# domain that starts it.
_KIND_LABELS: dict[str, Any] = {}
_KIND_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {}
_KIND_FOLLOW_UPS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {}


def declare_kind(
    kind: str,
    label: Any,
    summary: Callable[[dict[str, Any]], str] | None = None,
    follow_up: Callable[[dict[str, Any]], tuple[str, str]] | None = None,
) -> None:
    """Name a kind of job (a lazy translated string) for the Jobs pages, how to tell its
    outcome (the summed counts of its parts) when it has no result file, and where to go on
    from it once done (outcome -> address, link text)."""
    _KIND_LABELS[kind] = label
    if summary is not None:
        _KIND_SUMMARIES[kind] = summary
    if follow_up is not None:
        _KIND_FOLLOW_UPS[kind] = follow_up


def kind_label(kind: str) -> str:
    """The translated name of a kind of job."""
    return str(_KIND_LABELS.get(kind, kind))


class JobFailed(Exception):  # noqa: N818 - a refusal with a reason code, not a programming error
    """Raised by a task to end its job with one of FAILURE_REASONS."""

    def __init__(self, reason: str, problem: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problem = problem  # what exactly, already in the person's language


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
    heartbeat_at: Mapped[datetime | None]
    parts: Mapped[int] = mapped_column(default=0)  # 0: one task does the whole job
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)

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
        """The translated reason of a failed job (the task's own words when it gave them)."""
        if self.outcome and self.outcome.get("problem"):
            return str(self.outcome["problem"])
        return str(FAILURE_REASONS.get(self.error or "", FAILURE_REASONS["error"]))

    def summary(self) -> str | None:
        """What a finished job did, translated (for jobs without a result file)."""
        tell = _KIND_SUMMARIES.get(self.kind)
        return tell(self.outcome or {}) if tell is not None and self.state == DONE else None

    def follow_up(self) -> tuple[str, str] | None:
        """Where to go on from a finished job, and the link's text (for kinds that say)."""
        make = _KIND_FOLLOW_UPS.get(self.kind)
        return make(self.outcome or {}) if make is not None and self.state == DONE else None


class JobPart(Base):
    """A finished part of a job in parts, committed with the part's own writes."""

    __tablename__ = "job_parts"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int]
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    worker: Mapped[str] = mapped_column(String(120))  # host:process that did it
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


def start(kind: str, task: str, started_by_id: int, arguments: dict[str, Any], total: int) -> Job:
    """Create a queued job in the current transaction; its task runs once that commits."""
    job = Job(kind=kind, task=task, started_by_id=started_by_id, arguments=arguments, total=total)
    db.session.add(job)
    db.session.flush()
    tasks.enqueue_after_commit(db.session, task, job.id)
    log.info("job %s (%s) queued by user %s", job.id, kind, started_by_id)
    return job


PLAN_TASK = "lms.jobs.plan"


def start_in_parts(
    kind: str,
    part_task: str,
    started_by_id: int,
    arguments: dict[str, Any],
    items: list[Any],
    part_size: int,
    final_task: str | None = None,
) -> Job:
    """Create a queued job over `items`, done `part_size` items at a time by `part_task(job_id,
    part)`, each part on whichever worker takes it (see `run_part`); then, if given,
    `final_task(job_id)` once every part is done (see `run_final`)."""
    job = start(
        kind,
        PLAN_TASK,
        started_by_id,
        {
            **arguments,
            "items": items,
            "part_size": part_size,
            "part_task": part_task,
            "final_task": final_task,
        },
        total=len(items),
    )
    job.parts = -(-len(items) // part_size)
    return job


@tasks.task(PLAN_TASK)
def plan(job_id: int) -> None:
    """The first task of a job in parts: queue every part not done yet."""
    job = begin(job_id)
    if job is not None:
        _queue_parts(job)


def _queue_parts(job: Job) -> None:
    done = set(db.session.scalars(select(JobPart.part).where(JobPart.job_id == job.id)))
    db.session.commit()
    for part in range(job.parts):
        if part not in done:
            tasks.enqueue(job.arguments["part_task"], job.id, part)
    _tally(job.id)  # a job whose parts were all done already (a rescue) ends here


def retry(job: Job) -> None:
    """Queue a failed job again (the caller has checked that it failed): parts already done
    stay done."""
    job.state, job.error = QUEUED, None
    job.outcome = None if not job.parts else job.outcome
    job.started_at = job.finished_at = None
    job.done = 0 if not job.parts else job.done
    db.session.flush()
    tasks.enqueue_after_commit(db.session, job.task, job.id)
    log.info("job %s retried", job.id)


def begin(job_id: int) -> Job | None:
    """In a task: the job, marked running, with the session acting for its centre (committed).
    None when it is gone or another delivery of the task has begun it already."""
    session = db.session
    now = utcnow()
    with scope.unscoped(session):
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == QUEUED)
            .values(state=RUNNING, started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
            return None
        job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    scope.enter(session, job.centre_id)
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
    write_private(path, content)
    now = utcnow()
    job.result_path, job.result_filename, job.result_mimetype = path.name, filename, mimetype
    job.result_expires_at = now + timedelta(hours=RESULT_KEPT_HOURS)
    job.state, job.finished_at, job.done = DONE, now, job.total
    log.info("job %s done: %s", job.id, filename)


def complete(job: Job, outcome: dict[str, Any]) -> None:
    """In a task: mark a job without a result file done, with what it did."""
    job.state, job.finished_at, job.done, job.outcome = DONE, utcnow(), job.total, outcome
    log.info("job %s done: %s", job.id, outcome)


def fail(job_id: int, reason: str, problem: str | None = None) -> None:
    """Mark the job failed with a reason code (and the task's own words, translated), in a
    transaction of its own."""
    session = db.session
    session.rollback()
    with scope.unscoped(session):
        job = session.get(Job, job_id)
        if job is not None:
            job.state, job.error, job.finished_at = FAILED, reason, utcnow()
            job.outcome = {"problem": problem} if problem else None
            session.commit()
    log.warning("job %s failed: %s", job_id, reason)


def run(job_id: int, work: Callable[[Job], None]) -> None:
    """In a task: begin the job, call work(job), and record a failure if it raises."""
    job = begin(job_id)
    if job is None:
        return
    with _heartbeat(job_id):
        try:
            work(job)
        except JobFailed as refusal:
            fail(job_id, refusal.reason, refusal.problem)
        except Exception:
            log.exception("job %s failed", job_id)
            fail(job_id, "error")


def run_part(job_id: int, part: int, work: Callable[[Job, list[Any]], dict[str, Any]]) -> None:
    """In a part's task: call work(job, items of the part) -> counts, and commit its writes with
    the part's row; a part already done (or a job no longer running) is left alone."""
    session = db.session
    with scope.unscoped(session):
        job = session.get(Job, job_id)
        already = session.get(JobPart, (job_id, part))
    if job is None or job.state != RUNNING or already is not None:
        session.commit()
        return
    scope.enter(session, job.centre_id)
    size = job.arguments["part_size"]
    items = [] if part == FINAL else job.arguments["items"][part * size : (part + 1) * size]
    with _heartbeat(job_id):
        try:
            outcome = work(job, items)
            session.add(
                JobPart(
                    job_id=job_id, part=part, size=len(items), outcome=outcome, worker=worker_name()
                )
            )
            session.commit()
        except IntegrityError:
            # Another delivery of this part committed first: its writes stand, these are undone.
            session.rollback()
            if session.get(JobPart, (job_id, part)) is None:
                log.exception("job %s part %s failed", job_id, part)
                fail(job_id, "error")
                return
            log.info("job %s part %s was done by another worker", job_id, part)
        except JobFailed as refusal:
            fail(job_id, refusal.reason, refusal.problem)
            return
        except Exception:
            log.exception("job %s part %s failed", job_id, part)
            fail(job_id, "error")
            return
    _tally(job_id)


FINAL = -1  # the job_parts row of a job's final step


def run_final(job_id: int, work: Callable[[Job], dict[str, Any]]) -> None:
    """In the final task of a job in parts (queued once every part is done): call work(job),
    which ends the job (`finish`), and commit its writes with a row of its own, so that it too
    is done once however often it is delivered."""
    run_part(job_id, FINAL, lambda job, _items: work(job))


def worker_name() -> str:
    """Which machine and process is doing the work (kept on each part it finishes)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _tally(job_id: int) -> None:
    """Count the job's finished parts; the last one ends the job, with their summed outcome (the
    whole numbers of their outcomes), or queues its final step."""
    session = db.session
    with scope.unscoped(session):
        rows = session.execute(
            select(JobPart.part, JobPart.size, JobPart.outcome).where(JobPart.job_id == job_id)
        ).all()
        job = session.get(Job, job_id, populate_existing=True)
        if job is None or job.state != RUNNING:
            session.commit()
            return
        job.done, job.heartbeat_at = sum(size for _, size, _ in rows), utcnow()
        parts_done = sum(1 for part, _, _ in rows if part != FINAL)
        final_task = job.arguments.get("final_task")
        if parts_done >= job.parts and final_task:
            session.commit()
            tasks.enqueue(final_task, job_id)  # it ends the job; a second delivery does nothing
            return
        if parts_done >= job.parts:
            total: Counter[str] = Counter()
            for _, _, outcome in rows:
                total.update({k: v for k, v in outcome.items() if isinstance(v, int)})
            job.state, job.finished_at, job.outcome = DONE, utcnow(), dict(total)
            log.info("job %s done: %s", job_id, dict(total))
        session.commit()


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """While the block runs, mark the job alive every JOB_HEARTBEAT_SECONDS (on a connection of
    its own), so that `rescue` can tell a long job from a dead worker's."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    if tasks.huey_of(app).immediate:  # inside a request (the tests): nothing to rescue
        yield
        return
    stop = threading.Event()
    interval = float(app.config["JOB_HEARTBEAT_SECONDS"])

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with db.engine(app).begin() as connection:
                    connection.execute(
                        update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow())
                    )
            except Exception:  # the next beat may succeed; rescue waits for several
                log.warning("job %s: heartbeat not recorded", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


RESCUE_TASK = "lms.jobs.rescue"
tasks.periodic(RESCUE_TASK, minute="*")


@tasks.task(RESCUE_TASK)
def rescue() -> list[int]:
    """Queue again the jobs a dead worker was running (heartbeat older than JOB_STALE_SECONDS)
    and the queued jobs that have waited that long (their task never reached the queue, or was
    lost with it). Their work is idempotent; returns their ids."""
    session = db.session
    now = utcnow()
    stale = now - timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))
    with scope.unscoped(session):
        found = list(
            session.scalars(
                select(Job).where(
                    Job.state.in_((QUEUED, RUNNING)),
                    func.coalesce(Job.heartbeat_at, Job.created_at) < stale,
                )
            )
        )
        for job in found:
            job.heartbeat_at = now  # not again before it has had time to start
            if job.state == RUNNING and not job.parts:
                job.state = QUEUED  # its task begins it again
        session.commit()
    for job in found:
        log.warning("job %s (%s, %s) queued again", job.id, job.kind, job.state)
        if job.state == RUNNING:
            _queue_parts(job)
        else:
            tasks.enqueue(job.task, job.id)
    return [job.id for job in found]


CLEAN_TASK = "lms.jobs.clean_results"
tasks.periodic(CLEAN_TASK, minute="17")


@tasks.task(CLEAN_TASK)
def clean_results() -> int:
    """Delete the result files whose time is up (they may carry PINs); returns how many."""
    session = db.session
    now = utcnow()
    removed = 0
    with scope.unscoped(session):
        expired = list(
            session.scalars(
                select(Job).where(Job.result_path.is_not(None), Job.result_expires_at <= now)
            )
        )
        for job in expired:
            result_file(job).unlink(missing_ok=True)
            job.result_path = None
            removed += 1
        session.commit()
    for leftover in _orphans(now):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def _orphans(now: datetime) -> list[Path]:
    """Result files no job points to, older than the time results are kept (a job whose
    transaction failed after writing its file; the inputs and part files of a job that never
    ended)."""
    folder = results_folder()
    if not folder.is_dir():
        return []
    kept = set(db.session.scalars(select(Job.result_path).where(Job.result_path.is_not(None))))
    cutoff = (now - timedelta(hours=RESULT_KEPT_HOURS)).timestamp()
    return [
        path for path in folder.iterdir() if path.name not in kept and path.stat().st_mtime < cutoff
    ]


def results_folder() -> Path:
    """Where result files are kept: instance/job-results/ (JOB_RESULTS_FOLDER to change it)."""
    configured = current_app.config.get("JOB_RESULTS_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "job-results"


def write_private(path: Path, content: bytes) -> None:
    """Write a new file only the service's user can read (results and inputs may carry PINs and
    personal data)."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)


def keep_input(content: bytes) -> str:
    """Keep a file a job will read (an upload) next to the results, where every worker finds
    it; returns its name. The job deletes it when done with it (`drop_input`); a leftover goes
    with the orphaned results, after RESULT_KEPT_HOURS."""
    folder = results_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"input-{secrets.token_hex(16)}"
    write_private(folder / name, content)
    return name


def input_file(name: str) -> Path:
    """The path of a kept input file (names are ours: "input-" and hex digits)."""
    if not (name.startswith("input-") and name.removeprefix("input-").isalnum()):
        raise ValueError(f"not an input file name: {name!r}")
    return results_folder() / name


def drop_input(name: str) -> None:
    """Delete a kept input file (it may hold personal data)."""
    input_file(name).unlink(missing_ok=True)


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
