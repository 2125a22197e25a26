"""The read API (token-authenticated JSON) and the admin pages that manage its tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from api import services, tokens
from api.auth import api_token_required, current_token
from api.forms import RevokeTokenForm, TokenForm
from api.problems import api_language, fail, http_error, unexpected_error
from certificates.serials import read_serial
from cohorts.dashboard import build_dashboard
from cohorts.models import Cohort
from lms.access import public, role_required
from lms.db import db, utcnow
from lms.security import csrf, limiter

bp = Blueprint("api", __name__)
admin_bp = Blueprint("api_admin", __name__)

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
ID_RE = re.compile(r"[0-9]{1,10}")
MAX_ID = 2**31 - 1
SERVICE_NUMBER_RE = re.compile(r"[A-Za-z0-9/._-]{1,32}")
LIMIT_RE = re.compile(r"[0-9]{1,4}")

# The API authenticates every request by its bearer token and never reads the session cookie, so a
# forged cross-site request carries no credential: there is nothing for CSRF tokens to protect, and
# API clients could not obtain one anyway. Exempted explicitly rather than by accident.
csrf.exempt(bp)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(Exception, unexpected_error)


def _token_key() -> str:
    return f"api-token:{current_token().id}"


# Counted per token, after authentication (the limiter's wrapper runs inside api_token_required).
per_token_limit = limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=_token_key
)


@bp.after_request
def _api_headers(response: Response) -> Response:
    # Names and service numbers: never kept by a shared cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    response.headers.setdefault("Content-Language", api_language())
    return response


@cache
def _openapi_document() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (public: it holds no data)."""
    document = dict(_openapi_document())
    document["servers"] = [{"url": url_for("api.openapi").rsplit("/", 1)[0]}]
    return jsonify(document)


def _cohort_or_404(cohort_id: str) -> Cohort:
    valid = ID_RE.fullmatch(cohort_id) and 1 <= int(cohort_id) <= MAX_ID
    cohort = services.cohort_in_scope(current_token(), int(cohort_id)) if valid else None
    if cohort is None:
        abort(404)  # a cohort outside the token's scope is not revealed
    return cohort


@bp.get("/cohorts")
@api_token_required
@per_token_limit
def cohorts() -> Response:
    """The cohorts within the token's scope."""
    return jsonify({"cohorts": services.cohort_list(current_token())})


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return min(current_app.config["API_PAGE_SIZE"], services.MAX_PAGE_SIZE)
    if not LIMIT_RE.fullmatch(raw) or not 1 <= int(raw) <= services.MAX_PAGE_SIZE:
        fail(
            400,
            "invalid_parameter",
            _l("“limit” must be a whole number from 1 to %(max)d.", max=services.MAX_PAGE_SIZE),
        )
    return int(raw)


def _ready_filter() -> bool | None:
    raw = request.args.get("ready")
    if raw is None:
        return None
    if raw not in {"true", "false"}:
        fail(400, "invalid_parameter", _l("“ready” must be true or false."))
    return raw == "true"


def _cursor() -> str | None:
    raw = request.args.get("cursor")
    if raw is not None and len(raw) > services.MAX_CURSOR_LENGTH:
        fail(
            400, "invalid_parameter", _l("This paging cursor is not valid: start again without it.")
        )
    return raw or None


@bp.get("/cohorts/<cohort_id>/readiness")
@api_token_required
@per_token_limit
def readiness(cohort_id: str) -> Response:
    """Each trainee of a cohort, ready or not, with their certificates and what blocks them."""
    cohort = _cohort_or_404(cohort_id)
    limit, ready, cursor = _limit(), _ready_filter(), _cursor()
    today = utcnow().date()
    board = build_dashboard(cohort, today)
    page = services.readiness_page(board, limit=limit, cursor=cursor, ready=ready)
    language = api_language()
    return jsonify(
        {
            "cohort": _cohort_json(board),
            "target_date": board.target_date.isoformat(),
            "courses": services.courses_json(board, language),
            "total": page.total,
            "limit": limit,
            "next_cursor": page.next_cursor,
            "trainees": services.trainee_rows_json(board, page.rows, today),
        }
    )


def _cohort_json(board: Any) -> dict[str, Any]:
    return services.cohort_json(board.cohort, len(board.rows), [c.slug for c in board.courses])


@bp.get("/cohorts/<cohort_id>/summary")
@api_token_required
@per_token_limit
def summary(cohort_id: str) -> Response:
    """Counts for a whole cohort: ready or not, by gender, per required course."""
    cohort = _cohort_or_404(cohort_id)
    board = build_dashboard(cohort, utcnow().date())
    return jsonify({"cohort": _cohort_json(board), **services.summary_json(board, api_language())})


@bp.get("/certificates/<serial>")
@api_token_required
@per_token_limit
def certificate(serial: str) -> Response:
    """A certificate's status (valid, expired, revoked), course and dates."""
    checked = read_serial(serial)
    if checked.serial is None:
        # As on the public verification: a mistyped serial names no certificate (404), and says so.
        fail(
            404,
            "invalid_serial",
            _l(
                "This is not a valid certificate serial number: 16 characters such as 7K3M-Q9PX-4RTW-Z2CD. Check it for a typing mistake."
            ),
        )
    found = services.certificate_in_scope(current_token(), checked.serial)
    if found is None:
        abort(404)  # a holder outside the token's scope is not revealed
    today = utcnow().date()
    return jsonify(services.certificate_json(found, services.course_slug(found.course_id), today))


@bp.get("/certificates")
@api_token_required
@per_token_limit
def trainee_certificates() -> Response:
    """Every certificate of a trainee, by service number."""
    number = request.args.get("service_number", "")
    if not SERVICE_NUMBER_RE.fullmatch(number):
        fail(
            400,
            "invalid_parameter",
            _l(
                "Give the trainee's service number in “service_number”: 1 to 32 letters, digits or the characters / . _ -"
            ),
        )
    trainee = services.trainee_in_scope_by_number(current_token(), number)
    if trainee is None:
        abort(404)
    return jsonify(services.trainee_certificates_json(trainee, utcnow().date()))


# Admin pages -------------------------------------------------------------------------------------


@admin_bp.get("/")
@role_required("admin")
def index() -> str:
    """Every token: name, scope, dates, status; revoke buttons."""
    return render_template("api/tokens.html", tokens=tokens.all_tokens(), now=utcnow())


def _cohort_choices() -> list[SelectChoice]:
    rows = db.session.scalars(select(Cohort).order_by(Cohort.country, Cohort.name))
    return [SelectChoice(c.id, f"{c.name} ({c.country})") for c in rows]


@admin_bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new() -> str | tuple[str, int] | Response:
    """Create a token; its secret is shown once."""
    form = TokenForm(cohort_choices=_cohort_choices())
    if request.method == "GET":
        return render_template("api/new.html", form=form)
    if not form.validate_on_submit():
        return render_template("api/new.html", form=form), 400
    expires_at = (
        datetime.combine(form.expires_on.data, time.min, tzinfo=UTC)
        if form.expires_on.data
        else None
    )
    try:
        token, secret = tokens.create_token(
            form.name.data,
            all_cohorts=form.scope.data == "all",
            cohort_ids=(form.cohorts.data or []) if form.scope.data == "cohorts" else [],
            expires_at=expires_at,
            actor=current_user,
        )
    except tokens.TokenError as error:
        return render_template("api/new.html", form=form, error=str(error)), 400
    response = current_app.make_response(
        render_template("api/created.html", token=token, secret=secret)
    )
    response.headers["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@admin_bp.post("/<int:token_id>/revoke")
@role_required("admin")
def revoke(token_id: int) -> BaseResponse:
    """Revoke a token: it stops working at once."""
    token = tokens.find_token(token_id)
    if token is None:
        abort(404)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    try:
        tokens.revoke_token(token, current_user)
    except tokens.TokenError as error:
        flash(str(error), "error")
    else:
        flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("api_admin.index"))
