"""LTI 1.3 routes (tool side) and the admin pages that register platforms.

The platform's browser requests (login initiation, launch, the teacher's course choice) come from
another site, often inside the platform's iframe where our session cookie is not sent: they are
exempt from the session's CSRF token, explicitly, and protected otherwise (state cookie, signed
id_token and single-use nonce; single-use launch id). Pages a platform may frame allow framing by
the registered platforms' origins only; everything else keeps frame-ancestors 'none'.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts.login import start_session
from accounts.models import User
from courses.services import all_courses, get_course
from lms.access import public, role_required
from lms.db import utcnow
from lms.errors import render_error
from lms.i18n import current_language
from lms.security import CONTENT_SECURITY_POLICY, csrf, limiter
from lti import platforms, services, storage, tool
from lti.forms import CourseChoiceForm, PlatformForm
from lti.models import LtiPlatform
from lti.tool import LaunchRefused

log = logging.getLogger(__name__)

bp = Blueprint("lti", __name__)
admin_bp = Blueprint("lti_admin", __name__)


def _login_limit() -> str:
    return current_app.config["LTI_LOGIN_RATE_LIMIT"]


# Tool side -----------------------------------------------------------------------------------


# Exempt from the session's CSRF token: the platform starts the login from its own site (GET or
# POST), so no token of ours can be in it. It changes nothing but a nonce and the state cookie.
@csrf.exempt
@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, scope="lti-login")
def login() -> Response | tuple[str, int]:
    """OIDC login initiation: redirect to the platform's authorisation endpoint."""
    try:
        return tool.login_redirect()
    except LaunchRefused as refusal:
        return _refused(refusal)


# Exempt from the session's CSRF token: the platform's form posts the id_token from its own site.
# The launch is protected by the state cookie, the id_token's signature and claims, and its
# single-use nonce (see lti/tool.py).
@csrf.exempt
@bp.post("/launch")
@public
def launch() -> Response | str | tuple[str, int]:
    """Resource-link launch into a course, or a deep-linking request (course picker)."""
    framed = _framed_by_browser()
    try:
        message = tool.validated_launch()
        if message.is_deep_link_launch():
            outcome = services.deep_link_launch(message, framed)
            response = _course_picker(outcome, message.get_launch_id())
        else:
            outcome = services.resource_launch(message, framed)
            response = _enter_course(outcome)
    except LaunchRefused as refusal:
        return _refused(refusal)
    message.forget_state(response)
    return response


def _framed_by_browser() -> bool | None:
    # Fetch metadata: "iframe" when the platform frames the tool, "document" in a window.
    destination = request.headers.get("Sec-Fetch-Dest")
    if not destination:
        return None
    return destination in ("iframe", "frame")


def _enter_course(outcome: services.Launch) -> Response:
    assert outcome.course is not None
    if outcome.is_framed:
        # Our session cookie (SameSite=Lax) does not work inside the platform's frame: the course
        # opens in a window of its own, signed in by a single-use ticket.
        ticket = services.new_ticket(outcome.user, outcome.course)
        response = make_response(
            render_template(
                "lti/framed.html",
                course=outcome.course,
                language=current_language(),
                continue_url=url_for("lti.continue_launch", token=ticket),
            )
        )
        return _framable(response, [outcome.platform])
    _sign_in(outcome.user)
    return redirect(url_for("courses.course", slug=outcome.course.slug))


def _course_picker(outcome: services.Launch, launch_id: str) -> Response:
    if not outcome.is_framed:
        _sign_in(outcome.user)
    form = CourseChoiceForm(formdata=None, launch_id=launch_id)
    return _framable(_picker_page(form, outcome.platform), [outcome.platform])


def _picker_page(form: CourseChoiceForm, platform: LtiPlatform, status: int = 200) -> Response:
    language = current_language()
    courses = all_courses()
    form.course.choices = [(course.slug, course.title_in(language)) for course in courses]
    return make_response(
        render_template(
            "lti/deep_link.html", form=form, courses=courses, language=language, platform=platform
        ),
        status,
    )


# Exempt from the session's CSRF token: the picker is usually framed by the platform, where our
# session cookie is not sent. The single-use launch id, known only to the page of a validated
# deep-linking launch and kept in the database, is the synchronizer token instead.
@csrf.exempt
@bp.post("/deep-link")
@public
def deep_link() -> Response | tuple[str, int]:
    """The teacher's choice: a signed LtiResourceLink content item, posted back to the platform."""
    form = CourseChoiceForm()

    form.course.choices = [(course.slug, course.slug) for course in all_courses()]
    if not form.launch_id.validate(form):
        return _refused(LaunchRefused("deep_link_gone", "malformed launch id"))
    if not form.validate():
        platform = _platform_of_saved_launch(form.launch_id.data)
        if platform is None:
            return _refused(LaunchRefused("deep_link_gone", "launch not found"))
        return _framable(_picker_page(form, platform, 400), [platform])  # choose again
    message = tool.restored_launch(form.launch_id.data)
    if message is None or not message.is_deep_link_launch():
        return _refused(LaunchRefused("deep_link_gone", "launch not found or already used"))
    course = get_course(form.course.data)
    assert course is not None
    try:
        platform = services.platform_of(message)
    except LaunchRefused as refusal:
        return _refused(refusal)
    token, return_url = services.deep_link_response(message, course, current_language())
    response = make_response(
        render_template("lti/deep_link_return.html", return_url=return_url, token=token)
    )
    return _framable(response, [platform], form_action=platforms.origin_of(return_url))


def _platform_of_saved_launch(launch_id: str) -> LtiPlatform | None:
    saved = storage.DatabaseLaunchStorage().get_value(launch_id)
    if not isinstance(saved, dict):
        return None
    aud = saved.get("aud")
    return tool.find_platform(saved.get("iss"), aud[0] if isinstance(aud, list) else aud)


@bp.get("/continue/<token>")
@public
def continue_launch(token: str) -> Response | tuple[str, int]:
    """After a framed launch: sign in with the single-use ticket and open the course."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        # Only our own framed page links here: a link from elsewhere could sign a victim into
        # someone else's account (login CSRF). Browsers without fetch metadata are let through.
        return _refused(LaunchRefused("ticket", "ticket link followed from another site"))
    found = services.redeem_ticket(token)
    if found is None:
        return _refused(LaunchRefused("ticket", "unknown, expired or used ticket"))
    user, slug = found
    _sign_in(user)
    response = redirect(url_for("courses.course", slug=slug))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jwks.json")
@public
def jwks() -> Response:
    """The tool's public key set, for platforms to check what the tool signs."""
    response = jsonify(tool.tool_jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _sign_in(user: User) -> None:
    language = session.get("lang")
    session.clear()  # a fresh session: no fixation
    if language:
        session["lang"] = language
    start_session(user)
    user.last_sign_in_at = utcnow()


def _refused(refusal: LaunchRefused) -> tuple[str, int]:
    status, message = services.REFUSALS[refusal.kind]
    log.warning("LTI %s refused (%s): %s", request.endpoint, refusal.kind, refusal.detail)
    return render_error(status, str(message))


def _framable(
    response: Response, trusted: list[LtiPlatform], form_action: str | None = None
) -> Response:
    """Let the platforms' origins (only) frame this response; optionally allow one more form
    target (the platform's deep-linking return URL)."""
    ancestors = " ".join(platforms.platform_origins(trusted)) or "'none'"
    directives = []
    for directive in CONTENT_SECURITY_POLICY.split("; "):
        name = directive.split(" ", 1)[0]
        if name == "frame-ancestors":
            directive = f"frame-ancestors {ancestors}"
        elif name == "form-action" and form_action:
            directive = f"form-action 'self' {form_action}"
        directives.append(directive)
    response.headers["Content-Security-Policy"] = "; ".join(directives)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_request
def _errors_framable_by_platforms(response: Response) -> Response:
    # A refused launch inside the platform's frame shows its message instead of a blank frame.
    if response.status_code >= 400 and "Content-Security-Policy" not in response.headers:
        _framable(response, platforms.all_platforms())
    return response


# Admin side ----------------------------------------------------------------------------------


@admin_bp.get("/")
@role_required("admin")
def platform_list() -> str:
    """Registered platforms and the addresses to give them."""
    return render_template(
        "lti/platforms.html", platforms=platforms.all_platforms(), urls=_tool_urls()
    )


def _tool_urls() -> dict[str, str]:
    return {
        "login": tool.tool_url("lti.login"),
        "launch": tool.tool_url("lti.launch"),
        "jwks": tool.tool_url("lti.jwks"),
        "kid": tool.tool_jwks()["keys"][0]["kid"],
        "pem": tool.tool_public_pem(),
    }


@admin_bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def new_platform() -> str | Response | tuple[str, int]:
    """Register a platform."""
    form = PlatformForm()
    return _save(form, None)


@admin_bp.route("/<int:platform_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_platform(platform_id: int) -> str | Response | tuple[str, int]:
    """Change a platform's registration (or stop accepting its launches)."""
    platform = platforms.get_platform(platform_id)
    if platform is None:
        abort(404)
    if request.method == "POST":
        form = PlatformForm()
    else:
        form = PlatformForm(obj=platform)
        form.deployment_ids.data = "\n".join(platform.deployment_ids)
        form.key.data = ""
    return _save(form, platform)


def _save(form: PlatformForm, platform: LtiPlatform | None) -> str | Response | tuple[str, int]:
    if request.method == "GET":
        return render_template("lti/platform_form.html", form=form, platform=platform)
    if not form.validate_on_submit():
        return render_template("lti/platform_form.html", form=form, platform=platform), 400
    try:
        saved = platforms.save_platform(platform, form.values(), current_user)
    except platforms.PlatformError as error:
        return render_template(
            "lti/platform_form.html", form=form, platform=platform, error=str(error)
        ), 400
    flash(_("The platform %(name)s is saved.", name=saved.name), "success")
    return redirect(url_for("lti_admin.platform_list"))
