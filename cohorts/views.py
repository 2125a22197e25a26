"""Cohort pages: list, create and edit, roster import with preview, login slips."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts.centres import centre_choices_for
from accounts.models import Centre, User
from accounts.ranks import rank_key, rank_label
from cohorts import exports, reports, services
from cohorts import transfers as transfer_service
from cohorts.dashboard import STATUSES, build_dashboard
from cohorts.forms import (
    CentreTransferForm,
    CohortForm,
    RosterForm,
    TransferDecisionForm,
    TransferRequestForm,
)
from cohorts.models import Cohort, RosterImport, TransferRequest
from cohorts.roster import RosterFileError, clean_filename, estimated_rows, parse_roster
from cohorts.tasks import start_login_slips, start_report, start_roster_check
from courses.forms import EmptyForm
from courses.services import all_courses
from lms import audit
from lms.access import role_required
from lms.converters import page_number
from lms.db import db, utcnow
from lms.i18n import current_language

bp = Blueprint("cohorts", __name__)


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = services.cohort_for(current_user, cohort_id)
    if cohort is None:
        abort(404)  # another trainer's cohort is not revealed
    return cohort


def _form(cohort: Cohort | None = None) -> CohortForm:
    language = current_language()
    return CohortForm(
        obj=cohort if request.method == "GET" else None,
        course_choices=[(c.id, c.title_in(language)) for c in all_courses()],
        trainer_choices=services.trainer_choices(),
        data={
            "courses": [c.id for c in cohort.courses],
            "trainers": [t.id for t in cohort.trainers],
        }
        if cohort is not None and request.method == "GET"
        else None,
    )


@bp.get("/")
@role_required("trainer", "admin")
def index() -> str:
    """The trainer's cohorts (every cohort for an admin)."""
    return render_template("cohorts/index.html", cohorts=services.cohorts_for_trainer(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required("trainer", "admin")
def new() -> str | Response | tuple[str, int]:
    """Create a cohort."""
    form = _form()
    if request.method == "POST" and form.validate_on_submit():
        cohort = services.save_cohort(None, form.data, current_user)
        flash(_("The cohort is created. Now import its roster."), "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template(
        "cohorts/edit.html", form=form, cohort=None
    ), 400 if request.method == "POST" else 200


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required("trainer", "admin")
def edit(cohort_id: int) -> str | Response | tuple[str, int]:
    """Edit a cohort."""
    cohort = _cohort_or_404(cohort_id)
    form = _form(cohort)
    if request.method == "POST" and form.validate_on_submit():
        services.save_cohort(cohort, form.data, current_user)
        flash(_("The cohort is saved."), "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template(
        "cohorts/edit.html", form=form, cohort=cohort
    ), 400 if request.method == "POST" else 200


@bp.get("/<int:cohort_id>")
@role_required("trainer", "admin")
def show(cohort_id: int) -> str:
    """A cohort: its details, members and actions."""
    cohort = _cohort_or_404(cohort_id)
    return render_template(
        "cohorts/show.html", cohort=cohort, roster_form=RosterForm(), form=EmptyForm()
    )


@bp.post("/<int:cohort_id>/roster")
@role_required("trainer", "admin")
def upload_roster(cohort_id: int) -> str | Response | tuple[str, int]:
    """Upload a roster: it is validated and shown for review; nothing is imported yet."""
    cohort = _cohort_or_404(cohort_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return render_template(
            "cohorts/show.html", cohort=cohort, roster_form=form, form=EmptyForm()
        ), 400
    upload = form.roster.data
    filename = clean_filename(upload.filename)
    content = upload.read()
    try:
        size = estimated_rows(content, filename)
        if size > current_app.config["JOB_THRESHOLD_ROSTER_ROWS"]:
            language = current_language()
            job = start_roster_check(cohort, content, filename, current_user, language, size)
            return redirect(url_for("jobs.show", job_id=job.id), 303)
        rows = parse_roster(content, filename)
    except RosterFileError as error:
        form.roster.errors = [str(error)]
        return render_template(
            "cohorts/show.html", cohort=cohort, roster_form=form, form=EmptyForm()
        ), 400
    staged = services.stage_roster(cohort, rows, filename, current_user)
    return redirect(url_for("cohorts.roster_preview", cohort_id=cohort.id, import_id=staged.id))


def _staged_or_404(cohort: Cohort, import_id: int) -> RosterImport:
    staged = db.session.get(RosterImport, import_id)
    if staged is None or staged.cohort_id != cohort.id:
        abort(404)
    return staged


@bp.get("/<int:cohort_id>/roster/<int:import_id>")
@role_required("trainer", "admin")
def roster_preview(cohort_id: int, import_id: int) -> str:
    """Every row of an uploaded roster, validated, before anything is imported."""
    cohort = _cohort_or_404(cohort_id)
    return _preview_page(cohort, _staged_or_404(cohort, import_id))


def _preview_page(cohort: Cohort, staged: RosterImport, error: str | None = None) -> str:
    return render_template(
        "cohorts/preview.html",
        cohort=cohort,
        staged=staged,
        form=EmptyForm(),
        roster_form=RosterForm(),
        transfer_form=TransferRequestForm(),
        error=error,
    )


@bp.post("/<int:cohort_id>/roster/<int:import_id>/confirm")
@role_required("trainer", "admin")
def roster_confirm(cohort_id: int, import_id: int) -> str | Response | tuple[str, int]:
    """Import a reviewed roster, all or nothing."""
    cohort = _cohort_or_404(cohort_id)
    staged = _staged_or_404(cohort, import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        created, updated = services.apply_roster(staged, cohort, current_user)
    except services.CohortError as error:
        return _preview_page(cohort, staged, str(error)), 409
    flash(
        _(
            "Roster imported: %(created)d new trainees, %(updated)d updated. Print the login slips next.",
            created=created,
            updated=updated,
        ),
        "success",
    )
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/slips.pdf")
@role_required("trainer", "admin")
def slips(cohort_id: int) -> Response:
    """Login slips for the whole cohort, as a job: trainees who have not signed in yet get new
    initial PINs; the PDF is the job's result, for the person who asked only."""
    cohort = _cohort_or_404(cohort_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = start_login_slips(cohort, current_user, current_language())
    return redirect(url_for("jobs.show", job_id=job.id), 303)


PER_PAGE = 50


@bp.get("/<int:cohort_id>/dashboard")
@role_required("trainer", "admin")
def dashboard(cohort_id: int) -> str:
    """Progress matrix, mastery heat map, readiness for the deployment date, breakdowns."""

    cohort = _cohort_or_404(cohort_id)
    audit.record_view(current_user, "cohort", cohort.id, "dashboard")
    board = build_dashboard(cohort, utcnow().date())
    rows = board.filtered(
        request.args.get("status", ""),
        request.args.get("gender", ""),
        request.args.get("unit", ""),
        request.args.get("q", ""),
    )
    page = request.args.get("page", 1, type=page_number)
    shown = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    units = sorted({r.unit for r in board.rows if r.unit})
    filters = {key: request.args.get(key, "") for key in ("status", "gender", "unit", "q")}
    counts = board.status_counts()
    language = current_language()
    course_chart = [
        (c.title_in(language), len(board.rows), counts[c.slug]["certified"]) for c in board.courses
    ]
    # The breakdowns name a missing value "—": the charts say so in words.
    gender_chart = [
        (exports.gender_label("" if g == "—" else g), total, ready)
        for g, total, ready in board.breakdown("gender")
    ]
    # Spellings of one rank ("Sgt", "Sergeant") are one bar, labelled in the reader's language.
    rank_chart = [
        (_("Not recorded") if r == "—" else rank_label(r, language), total, ready)
        for r, total, ready in board.breakdown("rank", rank_key)[:8]
    ]
    return render_template(
        "cohorts/dashboard.html",
        cohort=cohort,
        gender_labels=exports.gender_labels(),
        board=board,
        rows=shown,
        total=len(rows),
        page=page,
        per_page=PER_PAGE,
        units=units,
        statuses=STATUSES,
        filters=filters,
        course_chart=course_chart,
        gender_chart=gender_chart,
        rank_chart=rank_chart,
        large=reports.is_large(len(board.rows)),
        form=EmptyForm(),
    )


@bp.route("/<int:cohort_id>/export/<what>.<fmt>", methods=["GET", "POST"])
@role_required("trainer", "admin")
def export(cohort_id: int, what: str, fmt: str) -> str | Response:
    """The matrix or the readiness list as CSV or XLSX (cells guarded against formulas); a
    large cohort's as a job."""
    cohort = _cohort_or_404(cohort_id)
    if what not in {"matrix", "readiness"} or fmt not in {"csv", "xlsx"}:
        abort(404)
    return _report(cohort, f"{what}.{fmt}")


@bp.route("/<int:cohort_id>/readiness.pdf", methods=["GET", "POST"])
@role_required("trainer", "admin")
def readiness_report(cohort_id: int) -> str | Response:
    """The one-page readiness report for the unit commander; a large cohort's as a job."""
    return _report(_cohort_or_404(cohort_id), reports.READINESS_REPORT)


def _report(cohort: Cohort, report: str) -> str | Response:
    """A small cohort's report at once; a large cohort's from a job (started by the form that
    a GET shows, so that no link or prefetch starts one)."""
    if request.method == "POST" and not EmptyForm().validate_on_submit():
        abort(400)
    size = reports.member_count(cohort)
    if reports.is_large(size) and request.method == "GET":
        return render_template(
            "cohorts/prepare_report.html", cohort=cohort, size=size, form=EmptyForm()
        )
    audit.record_view(current_user, "cohort", cohort.id, reports.audit_note(report))
    if reports.is_large(size):
        job = start_report(cohort, report, current_user, current_language(), size)
        return redirect(url_for("jobs.show", job_id=job.id), 303)
    prepared = reports.prepare(cohort, report, current_language(), utcnow().date())
    response = make_response(prepared.render())
    response.mimetype = prepared.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    return response


@bp.post("/<int:cohort_id>/transfers")
@role_required("trainer", "admin")
def request_transfer(cohort_id: int) -> Response:
    """Ask a centre administrator to move another cohort's trainee into this one."""
    cohort = _cohort_or_404(cohort_id)
    form = TransferRequestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        transfer_service.request_transfer(
            cohort, form.service_number.data, form.nationality.data, form.reason.data, current_user
        )
    except services.CohortError as error:
        flash(str(error), "error")
    else:
        flash(
            _(
                "Transfer requested. A centre administrator will decide; the trainee joins the cohort if it is approved."
            ),
            "success",
        )
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.get("/transfers")
@role_required("admin")
def transfers() -> str:
    """The centre's transfer requests to decide (between its cohorts, and from other centres),
    those it sent to other centres, and the latest decisions."""
    pending = transfer_service.transfers_to_decide()
    leaving = transfer_service.source_cohorts(pending)
    return render_template(
        "cohorts/transfers.html",
        pending=[(transfer, leaving[transfer.id]) for transfer in pending],
        incoming=transfer_service.incoming_transfers(current_user.centre_id),
        outgoing=transfer_service.outgoing_transfers(),
        decided=transfer_service.recent_decisions(),
        form=TransferDecisionForm(),
    )


@bp.post("/transfers/<int:transfer_id>")
@role_required("admin")
def decide_transfer(transfer_id: int) -> Response:
    """Approve or refuse a transfer request."""
    transfer = transfer_service.decidable_transfer(transfer_id, current_user)
    if transfer is None:
        abort(404)
    form = TransferDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    approve = form.decision.data == "approve"
    try:
        transfer_service.decide(transfer, approve, current_user)
    except services.CohortError as error:
        flash(str(error), "error")
    else:
        flash(_decision_message(transfer), "success")
    return redirect(url_for("cohorts.transfers"))


def _decision_message(transfer: TransferRequest) -> str:
    if transfer.state != "approved":
        return _("Transfer refused.")
    if transfer.to_cohort is not None:
        return _(
            "Transfer approved: the trainee is now in %(cohort)s.", cohort=transfer.to_cohort.name
        )
    return _("Transfer approved: the trainee now belongs to this centre. Add them to a cohort.")


@bp.post("/transfers/trainees/<int:trainee_id>")
@role_required("admin")
def request_centre_transfer(trainee_id: int) -> Response:
    """Ask another centre to take one of this centre's trainees."""
    trainee = db.session.get(User, trainee_id)
    form = CentreTransferForm(centre_choices=centre_choices_for(current_user))
    if trainee is None or trainee.role != "trainee":
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    to_centre = db.session.get(Centre, form.to_centre.data)
    try:
        if to_centre is None:
            raise services.CohortError(_("Choose another training centre."))
        transfer_service.request_centre_transfer(trainee, to_centre, form.reason.data, current_user)
    except services.CohortError as error:
        flash(str(error), "error")
    else:
        flash(
            _(
                "Transfer requested. The administrator of %(centre)s will decide.",
                centre=to_centre.name,
            ),
            "success",
        )
    return redirect(url_for("admin.user_detail", user_id=trainee.id))
