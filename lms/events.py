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
"""

from __future__ import annotations

from typing import cast

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
