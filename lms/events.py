"""The product's domain events, as blinker signals.

Senders call them inside the request's transaction, after the records are flushed, so receivers
(certificate issuance, the xAPI outbox, LTI grade passback) write in the same transaction: when the
request fails, the event and everything its receivers wrote are rolled back together. Receivers
must be idempotent and must not commit.

- `course_launched(app, user, course, via)`: a trainee starts a course: self-enrolment (`via="web"`)
  or a launch from a learning platform (`via="lti"`).
- `quiz_scored(app, attempt, result)`: a quiz attempt was closed and scored (once per attempt).
- `course_completed(app, trainee, course)`: every requirement of a course is met (may be sent more
  than once for the same completion).
- `certificate_issued(app, certificate)`: a certificate was issued (once per certificate).
- `certificate_revoked(app, certificate, revocation)`: a certificate was revoked.
- `work_together_ended(app, bucket)`: the end of a `together()` block (see below).

`together()` marks a unit of work that may send many events at once (a cohort's form completing a
course for hundreds of trainees). Receivers may then put what each event asks of them in the
block's `bucket(name)` and do it all at once when `work_together_ended` arrives: certificates are
rendered on every core instead of one after another. The block ends inside the caller's
transaction; if it raises, `work_together_ended` is not sent. A nested block joins the outer one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from blinker import Namespace
from flask import Flask, current_app
from werkzeug.local import LocalProxy

signals = Namespace()
course_launched = signals.signal("course-launched")
quiz_scored = signals.signal("quiz-scored")
course_completed = signals.signal("course-completed")
certificate_issued = signals.signal("certificate-issued")
certificate_revoked = signals.signal("certificate-revoked")


def sender() -> Flask:
    """The application behind `current_app`: the sender of every event (never the proxy)."""
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


work_together_ended = signals.signal("work-together-ended")

# The buckets of the innermost together() block, or None outside any.
_buckets: ContextVar[dict[str, list[Any]] | None] = ContextVar("lms_together", default=None)


@contextmanager
def together() -> Iterator[None]:
    """Group the events sent inside the block (see the module's docstring)."""
    if _buckets.get() is not None:
        yield
        return
    token = _buckets.set({})
    try:
        yield
        buckets = _buckets.get() or {}
    finally:
        _buckets.reset(token)
    work_together_ended.send(sender(), buckets=buckets)


def bucket(name: str) -> list[Any] | None:
    """The current together() block's list called `name` (created on first use), or None
    outside a block."""
    buckets = _buckets.get()
    return None if buckets is None else buckets.setdefault(name, [])
