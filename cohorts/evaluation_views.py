"""Trainers record observed practical evaluations and paper quizzes, for a cohort or one trainee."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from accounts.models import User
from assessments import practicals
from assessments.completion import notify_enrolled_courses
from assessments.forms import CorrectionForm, ObservationForm
from assessments.models import Evaluation, Rubric
from cohorts import services as cohorts
from cohorts.models import Cohort
from cohorts.tasks import after_new_evidence
from courses import services as courses
from lms import audit
from lms.access import role_required
from lms.converters import whole_number
from lms.db import db, utcnow

bp = Blueprint("evaluations", __name__)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = cohorts.cohort_for(current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _per_trainee(prefix: str) -> dict[str, dict[str, str]]:
    """The form's fields `<prefix>-<trainee id>-<key>`, by trainee id then key (read once)."""
    found: dict[str, dict[str, str]] = {}
    for name, value in request.form.items():
        if name.startswith(prefix):
            trainee, _sep, key = name.removeprefix(prefix).partition("-")
            found.setdefault(trainee, {})[key] = value
    return found


def _rows(cohort: Cohort) -> list[practicals.RowInput]:
    """One row per trainee (or the one of ?trainee=<id>) as the form sent it.

    "All criteria met" for a trainee means observed too; the two boxes for everyone (observed,
    all criteria met) apply to every row, so the form works without JavaScript (which only ticks
    the rows' boxes visibly)."""
    only = request.args.get("trainee", type=whole_number)
    members = sorted(cohort.members, key=lambda m: m.full_name)
    if only is not None:
        members = [m for m in members if m.id == only]
        if not members:
            abort(404)
    form = request.form
    met, percents = _per_trainee("met-"), _per_trainee("pct-")
    everyone = _everyone()
    rows = []
    for m in members:
        all_met = form.get(f"allmet-{m.id}") == "1"
        included = (
            form.get(f"include-{m.id}") == "1" or all_met or everyone["observed"]
            if request.method == "POST"
            else only is not None
        )
        rows.append(
            practicals.RowInput(
                trainee=m,
                included=included,
                met=dict.fromkeys(met.get(str(m.id), {}), True),
                seconds=form.get(f"seconds-{m.id}", "")[:10],
                notes=form.get(f"notes-{m.id}", ""),
                percents=percents.get(str(m.id), {}),
                all_met=all_met or (included and everyone["met"]),
            )
        )
    return rows


def _everyone() -> dict[str, bool]:
    """The boxes ticked for the whole cohort: every trainee observed, every criterion met."""
    return {
        "observed": request.form.get("include-all") == "1",
        "met": request.form.get("allmet-all") == "1",
    }


@bp.get("/")
@role_required("trainer", "admin")
def index() -> str:
    """Choose a cohort and what to record."""
    return render_template(
        "assessments/evaluations_index.html",
        cohorts=cohorts.cohorts_for_trainer(current_user),
        rubrics=db.session.scalars(
            select(Rubric).where(Rubric.is_current).order_by(Rubric.code)
        ).all(),
    )


def _grid(
    cohort: Cohort,
    template: str,
    subject: dict[str, Any],
    available_since: datetime,
    validate: Callable[..., bool],
    record: Callable[..., list[Evaluation]],
    success: Callable[[list[Evaluation]], str],
) -> str | Response | tuple[str, int]:
    """The flow shared by every per-trainee grid: show it, check every row, record all or nothing."""
    rows = _rows(cohort)
    form = ObservationForm(
        data={"observed_on": utcnow().date()} if request.method == "GET" else None,
        available_since=available_since,
    )
    page = {"cohort": cohort, "rows": rows, "form": form, "everyone": _everyone(), **subject}
    if request.method == "GET":
        return render_template(template, **page)
    if not (form.validate_on_submit() and validate(rows, form.observed_on.data)):
        error = _(
            "Nothing was recorded. Correct the rows marked below, tick at least one trainee, and try again."
        )
        return render_template(template, **page, error=error), 400
    records = record(rows, form.observed_on.data)
    job = after_new_evidence(sorted({r.trainee_id for r in records}), current_user, cohort)
    flash(success(records), "success")
    if job is not None:  # completions and certificates of many trainees: followed on its page
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    return redirect(url_for("evaluations.index"))


@bp.route("/cohorts/<int:cohort_id>/practical/<code>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def practical(cohort_id: int, code: str) -> str | Response | tuple[str, int]:
    """Record an observed practical for the whole cohort (or ?trainee=<id>) in one form."""
    cohort = _cohort_or_404(cohort_id)
    rubric = practicals.rubric_by_code(code)
    if rubric is None:
        abort(404)
    return _grid(
        cohort,
        "assessments/practical_form.html",
        {"rubric": rubric},
        practicals.rubric_first_loaded(rubric),
        lambda rows, day: practicals.validate_practical_rows(rubric, rows, day),
        lambda rows, day: practicals.record_practicals(rubric, rows, day, current_user),
        lambda records: _("%(n)d evaluations recorded.", n=len(records)),
    )


@bp.route("/cohorts/<int:cohort_id>/paper/<slug>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def paper(cohort_id: int, slug: str) -> str | Response | tuple[str, int]:
    """Enter the results of a paper quiz taken in a classroom, per standard."""
    cohort = _cohort_or_404(cohort_id)
    course = courses.get_course(slug)
    if course is None:
        abort(404)
    return _grid(
        cohort,
        "assessments/paper_form.html",
        {"course": course},
        practicals.course_first_loaded(course),
        lambda rows, day: practicals.validate_paper_rows(course, rows, day),
        lambda rows, day: practicals.record_paper_quiz(course, rows, day, current_user),
        lambda records: _("Paper quiz results recorded."),
    )


def _trainee_or_404(trainee_id: int) -> User:
    trainee = db.session.get(User, trainee_id)
    if (
        trainee is None
        or trainee.role != "trainee"
        or not cohorts.may_assess(current_user, trainee)
    ):
        abort(404)
    return trainee


@bp.get("/trainees/<int:trainee_id>")
@role_required("trainer", "admin")
def history(trainee_id: int) -> str:
    """Every evaluation of a trainee, corrections included."""
    trainee = _trainee_or_404(trainee_id)
    audit.record_view(current_user, "user", trainee.id, "evaluations")
    records = db.session.scalars(
        select(Evaluation)
        .where(Evaluation.trainee_id == trainee.id)
        .order_by(Evaluation.recorded_at.desc())
    ).all()
    corrected = {r.corrects_id for r in records if r.corrects_id}
    rubrics = {r.id: r for r in db.session.scalars(select(Rubric))}
    return render_template(
        "assessments/history.html",
        trainee=trainee,
        records=records,
        corrected=corrected,
        rubrics=rubrics,
        form=CorrectionForm(),
    )


@bp.route("/<int:evaluation_id>/correct", methods=["GET", "POST"])
@role_required("trainer", "admin")
def correct(evaluation_id: int) -> str | Response | tuple[str, int]:
    """Correct an evaluation: a new record that points at the original, which is kept."""
    original = db.session.get(Evaluation, evaluation_id)
    if original is None:
        abort(404)
    trainee = _trainee_or_404(original.trainee_id)
    rubric = db.session.get(Rubric, original.rubric_id) if original.rubric_id else None
    form = CorrectionForm()
    if request.method == "GET":
        return render_template(
            "assessments/correct.html", original=original, trainee=trainee, rubric=rubric, form=form
        )
    changes, error = _correction_changes(original, rubric)
    if error is None and form.validate_on_submit():
        try:
            practicals.correct_evaluation(original, changes, form.reason.data, current_user)
            notify_enrolled_courses([trainee.id])
        except ValueError as problem:
            error = str(problem)
        else:
            flash(_("The correction is recorded; the original record is kept."), "success")
            return redirect(url_for("evaluations.history", trainee_id=trainee.id))
    return render_template(
        "assessments/correct.html",
        original=original,
        trainee=trainee,
        rubric=rubric,
        form=form,
        error=error,
    ), 400


def _correction_changes(
    original: Evaluation, rubric: Rubric | None
) -> tuple[dict[str, Any], str | None]:
    form = request.form
    if original.kind == "paper_quiz":
        value = form.get("percent", "").strip()
        if practicals.whole_number_up_to(value, 100) is None:
            return {}, _(
                "Enter a whole percentage from 0 to 100 for %(code)s.", code=original.standard_code
            )
        percent = float(value)
        threshold = practicals._standard_threshold(original.standard_code)
        return {"percent": percent, "passed": percent >= threshold}, None
    assert rubric is not None
    seconds_text = form.get("seconds", "").strip()
    if seconds_text and practicals.whole_number_up_to(seconds_text, practicals.MAX_SECONDS) is None:
        return {}, _("Enter the measured time as a whole number of seconds.")
    seconds = int(seconds_text) if seconds_text else None
    met = {c["id"]: form.get(f"met-{c['id']}") == "1" for c in rubric.criteria}
    return {
        "criteria_results": {cid: {"met": value} for cid, value in met.items()},
        "measured_seconds": seconds,
        "passed": practicals.practical_passed(rubric, met, seconds),
    }, None
