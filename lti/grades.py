"""Grade passback (LTI Assignment and Grade Services): results become scores in the platform's
gradebook, queued in the request's transaction (lms.outbox) and sent afterwards.

- A scored quiz attempt: scoreGiven = the attempt's percentage, activityProgress "Submitted",
  gradingProgress "Pending" (the course result is not final yet).
- A completed course: scoreGiven = the best passed attempt's percentage (none when the quiz was
  passed on paper), activityProgress "Completed", gradingProgress "FullyGraded".
scoreMaximum is 100; userId is the learner's LTI subject; the timestamp is when it happened.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from pylti1p3.assignments_grades import AssignmentsGradesService, TAssignmentsGradersData
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from assessments.models import AttemptResult, QuizAttempt
from courses.models import Course
from lms import outbox
from lms.db import db, utcnow
from lti.models import LtiGradeTarget, LtiPlatform, LtiResourceLink, LtiUserLink
from lti.tool import http_session, registration_for

log = logging.getLogger(__name__)

KIND = "lti-score"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINE_ITEM_TAG = "course-result"
# Statuses of a score POST worth trying again later; any other 4xx is a refusal for good.
TEMPORARY_STATUSES = frozenset({401, 408, 425, 429})


def targets_for(user_id: int, course_id: int) -> list[LtiGradeTarget]:
    """Where this learner's results in this course go: each resource link they launched it from
    whose platform lets the tool post scores."""
    rows = db.session.scalars(
        select(LtiGradeTarget)
        .join(LtiUserLink, LtiGradeTarget.user_link_id == LtiUserLink.id)
        .join(LtiResourceLink, LtiGradeTarget.resource_link_id == LtiResourceLink.id)
        # The joined rows fill the relationships: no query per target afterwards.
        .options(
            contains_eager(LtiGradeTarget.user_link), contains_eager(LtiGradeTarget.resource_link)
        )
        .where(LtiUserLink.user_id == user_id, LtiResourceLink.course_id == course_id)
        .order_by(LtiGradeTarget.id)
    ).all()
    return [row for row in rows if _can_post(row.resource_link)]


def _can_post(link: LtiResourceLink) -> bool:
    return SCORE_SCOPE in (link.ags_scopes or []) and bool(link.lineitem_url or link.lineitems_url)


def queue_attempt_score(attempt: Any, result: Any) -> int:
    """Queue the score of a scored quiz attempt for every grade target; returns how many."""
    score = {
        "scoreGiven": round(float(result.percent), 2),
        "activityProgress": "Submitted",
        "gradingProgress": "Pending",
    }

    course = db.session.get(Course, attempt.course_id)
    if course is None:
        return 0
    return _queue(targets_for(attempt.user_id, course.id), course, score)


def queue_completion(trainee: Any, course: Any) -> int:
    """Queue the final course result for every grade target; returns how many."""
    targets = targets_for(trainee.id, course.id)
    if not targets:  # most trainees never came through a platform: nothing more to read
        return 0
    best = db.session.scalar(
        select(func.max(AttemptResult.percent))
        .join(QuizAttempt, AttemptResult.attempt_id == QuizAttempt.id)
        .where(
            QuizAttempt.user_id == trainee.id,
            QuizAttempt.course_id == course.id,
            AttemptResult.passed,
        )
    )
    score: dict[str, Any] = {
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    if best is not None:
        score["scoreGiven"] = round(float(best), 2)
    return _queue(targets, course, score)


def _queue(targets: list[LtiGradeTarget], course: Any, score: dict[str, Any]) -> int:
    queued = 0
    for target in targets:
        if target.last_score == score:
            continue  # the same result again (a repeated event): nothing new for the platform
        target.last_score = score
        link = target.resource_link
        outbox.enqueue(
            KIND,
            {
                "platform_id": link.platform_id,
                "lineitem": link.lineitem_url,
                "lineitems": link.lineitems_url,
                "scopes": link.ags_scopes,
                "resource_link_id": link.resource_link_id,
                "label": link.title,
                "course": course.slug,
                "score": {
                    **score,
                    "scoreMaximum": 100,
                    "userId": target.user_link.subject,
                    "timestamp": utcnow().isoformat(),
                },
            },
        )
        queued += 1
    if queued:
        db.session.flush()
        user_id = targets[0].user_link.user_id
        log.info("LTI: %s score(s) queued for user %s in %s", queued, user_id, course.slug)
    return queued


def send_score(payload: dict[str, Any]) -> None:
    """Outbox sender: an access token from the platform, then the score to its line item."""
    platform = db.session.get(LtiPlatform, payload["platform_id"])
    if platform is None or not platform.is_enabled:
        raise outbox.Rejected(f"platform {payload['platform_id']} is no longer registered")
    scopes = [scope for scope in payload.get("scopes") or [] if isinstance(scope, str)]
    if SCORE_SCOPE not in scopes:
        raise outbox.Rejected("the platform did not grant the score scope")
    with http_session() as session:
        _post_score(payload, ServiceConnector(registration_for(platform), session), scopes)
    log.info(
        "LTI: score sent to platform %s for resource link %s",
        platform.id,
        payload.get("resource_link_id"),
    )


def _post_score(payload: dict[str, Any], connector: ServiceConnector, scopes: list[str]) -> None:
    # Any failure to get an access token (platform down, our key not yet configured there) is
    # worth trying again later; the token is then reused for the calls below.
    connector.get_access_token(scopes)
    service_data = {
        "scope": scopes,
        "lineitem": payload.get("lineitem"),
        "lineitems": payload.get("lineitems"),
    }  # the launch's AGS claim as kept in the message (absent entries are None)
    service = AssignmentsGradesService(connector, cast(TAssignmentsGradersData, service_data))
    try:
        lineitem = None
        if not payload.get("lineitem"):
            lineitem = service.find_or_create_lineitem(
                _course_line_item(payload), find_by="resource_link_id"
            )
        service.put_grade(_grade(payload["score"]), lineitem)
    except LtiServiceException as error:
        status = error.response.status_code
        if 400 <= status < 500 and status not in TEMPORARY_STATUSES:
            raise outbox.Rejected(f"HTTP {status}: {error.response.text[:300]}") from error
        raise


def _course_line_item(payload: dict[str, Any]) -> LineItem:
    # No line item in the launch: find the tool's own column in the context, or create it.
    if not payload.get("lineitems") or LINEITEM_SCOPE not in (payload.get("scopes") or []):
        raise outbox.Rejected("the platform gave no line item and does not let the tool make one")
    return (
        LineItem()
        .set_tag(LINE_ITEM_TAG)
        .set_score_maximum(100)
        .set_label(payload.get("label") or "Course result")
        .set_resource_id(payload.get("course") or "")
        .set_resource_link_id(payload["resource_link_id"])
    )


def _grade(score: dict[str, Any]) -> Grade:
    grade = (
        Grade()
        .set_score_maximum(score["scoreMaximum"])
        .set_activity_progress(score["activityProgress"])
        .set_grading_progress(score["gradingProgress"])
        .set_timestamp(score["timestamp"])
        .set_user_id(score["userId"])
    )
    if score.get("scoreGiven") is not None:
        grade.set_score_given(score["scoreGiven"])
    return grade
