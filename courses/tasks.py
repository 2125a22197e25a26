"""The courses' background jobs: an offline course pack rendered on its first request."""

from __future__ import annotations

import logging
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import User
from courses import services
from courses.models import Course
from courses.pack import render_course_pack
from lms import jobs, tasks
from lms.db import db

log = logging.getLogger(__name__)

PACK_KIND = "course_pack"
PACK_TASK = "courses.course_pack"


def _pack_follow_up(outcome: dict[str, Any]) -> tuple[str, str]:
    address = url_for("courses.pack", slug=outcome["slug"], lang=outcome["language"])
    return address, _("Download the course pack")


jobs.declare_kind(PACK_KIND, _l("Offline course pack"), follow_up=_pack_follow_up)


def _key(course: Course, language: str) -> dict[str, Any]:
    return {"course_id": course.id, "package_hash": course.package_hash, "language": language}


def pack_job(course: Course, language: str) -> jobs.Job | None:
    """The job already rendering this pack (queued or running, anyone's in the centre), if any."""
    key = _key(course, language)
    waiting = db.session.scalars(
        select(jobs.Job).where(
            jobs.Job.kind == PACK_KIND, jobs.Job.state.in_((jobs.QUEUED, jobs.RUNNING))
        )
    )
    return next((job for job in waiting if _key_of(job) == key), None)


def _key_of(job: jobs.Job) -> dict[str, Any]:
    return {name: job.arguments.get(name) for name in ("course_id", "package_hash", "language")}


def start_pack(course: Course, language: str, actor: User) -> jobs.Job:
    """Queue the render of a course pack that is not stored yet."""
    arguments = {**_key(course, language), "slug": course.slug}
    return jobs.start(PACK_KIND, PACK_TASK, actor.id, arguments, total=1)


@tasks.task(PACK_TASK)
def render_pack(job_id: int) -> None:
    """The task: render the pack (unless another job has stored it meanwhile) and store it."""
    jobs.run(job_id, _render_pack)


def _render_pack(job: jobs.Job) -> None:
    course = db.session.get(Course, job.arguments["course_id"])
    if course is None:
        raise jobs.JobFailed("not_found")
    language, package_hash = job.arguments["language"], course.package_hash
    outcome = {"slug": course.slug, "language": language}
    if services.stored_pack(course, language) is None:
        context = services.course_pack_context(course, language)
        db.session.commit()  # nothing written: end the read before the long render
        pdf = render_course_pack(context)
        services.store_pack(course, package_hash, language, pdf)
    jobs.complete(job, outcome)
