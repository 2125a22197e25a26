"""The Jobs pages: a person's recent jobs, one job's progress, its result, a retry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from lms import jobs
from lms.access import signed_in
from lms.db import utcnow

bp = Blueprint("jobs", __name__)


def _job_or_404(job_id: int) -> jobs.Job:
    job = jobs.job_of(current_user.id, job_id)
    if job is None:
        abort(404)  # someone else's job is not revealed
    return job


@bp.get("/")
@signed_in
def index() -> str:
    """The signed-in person's recent jobs, with their results while they are kept."""
    return render_template("jobs/index.html", jobs=jobs.jobs_of(current_user.id), now=utcnow())


@bp.get("/<int:job_id>")
@signed_in
def show(job_id: int) -> str:
    """One job: a progress bar while it runs (the page refreshes itself), then its result."""
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, now=utcnow(), form=FlaskForm())


@bp.get("/<int:job_id>/status.json")
@signed_in
def status(job_id: int) -> dict[str, object]:
    """The job's state and progress, for the page's optional polling script."""
    job = _job_or_404(job_id)
    return {"state": job.state, "done": job.done, "total": job.total}


@bp.get("/<int:job_id>/result")
@signed_in
def result(job_id: int) -> Response:
    """The job's result file, to the person who started it only, while it is kept."""
    job = _job_or_404(job_id)
    if not job.has_result(utcnow()) or not jobs.result_file(job).is_file():
        abort(404)
    response = Response(jobs.result_file(job).read_bytes(), mimetype=job.result_mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{job.result_filename}"'
    response.headers["Cache-Control"] = "no-store"  # login slips carry PINs
    return response


@bp.post("/<int:job_id>/retry")
@signed_in
def retry(job_id: int) -> Response:
    """Run a failed job again; a job that succeeded or is still running is not retried."""
    job = _job_or_404(job_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if job.state != jobs.FAILED:
        flash(_("Only a job that failed can be tried again."), "error")
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    jobs.retry(job)
    return redirect(url_for("jobs.show", job_id=job.id), 303)
