"""LTI logic: registering platforms, mapping launches to accounts and courses, deep linking and
the one-time tickets of framed launches. Services only flush; the request commits."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any, Final

from flask import current_app
from flask_babel import lazy_gettext as _l
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from accounts.passwords import UNUSABLE_HASH
from courses.models import Course
from courses.services import enrol, enrolment_for, get_course
from lms import audit
from lms.db import db, utcnow
from lms.events import course_launched, sender
from lms.settings import LANGUAGES
from lti.grades import LINE_ITEM_TAG
from lti.models import LtiGradeTarget, LtiPlatform, LtiResourceLink, LtiUserLink
from lti.platforms import origin_of
from lti.roles import local_role
from lti.storage import put_value, take_value
from lti.tool import LaunchRefused, ToolMessageLaunch, find_platform, tool_url

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL_SETTINGS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TICKET_PREFIX = "lti1p3-ticket-"

# Why a launch is refused: HTTP status and what the person is told (nothing is created).
REFUSALS: dict[str, tuple[int, Any]] = {
    "state": (
        400,
        _l(
            "This launch did not start from your learning platform in this browser, or the "
            "browser blocked the cookie it needs. Open the activity again from your learning "
            "platform; if this happens again, ask for the activity to open in a new window."
        ),
    ),
    "format": (
        400,
        _l(
            "The launch request is incomplete or not valid. Open the activity again from your "
            "learning platform."
        ),
    ),
    "registration": (
        403,
        _l(
            "This learning platform is not registered with the training system. Ask an "
            "administrator to register it."
        ),
    ),
    "signature": (
        403,
        _l(
            "The launch could not be verified: its signature, issuer or audience is not valid. "
            "Open the activity again from your learning platform."
        ),
    ),
    "expired": (
        400,
        _l("This launch has expired. Open the activity again from your learning platform."),
    ),
    "replay": (
        400,
        _l("This launch was already used. Open the activity again from your learning platform."),
    ),
    "deployment": (
        403,
        _l(
            "This deployment of the training system in your learning platform is not registered. "
            "Ask an administrator to add its deployment ID."
        ),
    ),
    "message": (400, _l("The training system does not support this kind of launch.")),
    "role": (
        403,
        _l("Your role in the learning platform does not give access to the training system."),
    ),
    "admin_account": (
        403,
        _l(
            "Administrator accounts of the training system cannot be opened from a learning "
            "platform. Sign in to the training system directly."
        ),
    ),
    "disabled": (
        403,
        _l("Your account in the training system is disabled. Ask your training centre."),
    ),
    "course": (
        400,
        _l(
            "This activity is not connected to a course of the training system. Ask your teacher "
            "to choose a course for it."
        ),
    ),
    "deep_link_role": (403, _l("Only teachers can choose a course for an activity.")),
    "deep_link_gone": (
        400,
        _l(
            "This course selection has expired or was already sent. Start again from your "
            "learning platform."
        ),
    ),
    "ticket": (
        400,
        _l(
            "This link has expired or was already used. Open the activity again from your "
            "learning platform."
        ),
    ),
}


# Launches ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """A validated launch, mapped: who, through which platform, into which course (if any)."""

    user: User
    platform: LtiPlatform
    course: Course | None
    claims: dict[str, Any]
    is_framed: bool


def platform_of(launch: ToolMessageLaunch) -> LtiPlatform:
    """The registered platform of a validated launch."""
    registration = launch.registration()
    platform = find_platform(registration.get_issuer(), registration.get_client_id())
    if platform is None:  # disabled between validation and now
        raise LaunchRefused("registration", "platform no longer registered")
    return platform


def _checked_claims(launch: ToolMessageLaunch) -> dict[str, Any]:
    # Identifiers we store must be strings of at most 255 characters (the specification's limit).
    claims = dict(launch.get_launch_data())
    identifiers = [claims.get("sub"), claims.get(CLAIM + "deployment_id")]
    if claims.get(CLAIM + "message_type") == "LtiResourceLinkRequest":
        identifiers.append(_claim(claims, CLAIM + "resource_link").get("id"))
    if not all(isinstance(value, str) and 0 < len(value) <= 255 for value in identifiers):
        raise LaunchRefused("format", "an identifier is not a string of at most 255 characters")
    return claims


def resource_launch(launch: ToolMessageLaunch, framed: bool | None) -> Launch:
    """A resource-link launch: account, course, enrolment, grade target and the launch event."""
    claims = _checked_claims(launch)
    platform = platform_of(launch)
    if not launch.is_resource_launch():
        raise LaunchRefused("message", str(claims.get(CLAIM + "message_type")))
    role = local_role(claims.get(CLAIM + "roles") or [])
    if role is None:
        raise LaunchRefused("role", str(claims.get(CLAIM + "roles")))
    course = _course_of(platform, claims)
    user, user_link = account_for(platform, claims, role)
    resource_link = _record_resource_link(platform, claims, course)
    if user.role == "trainee":
        _enrol(user, course)
        _grade_target(user_link, resource_link)
        course_launched.send(sender(), user=user, course=course, via="lti")
    log.info(
        "LTI launch: user %s (%s) from platform %s into course %s",
        user.id,
        user.role,
        platform.id,
        course.slug,
    )
    return Launch(user, platform, course, claims, _is_framed(framed, claims))


def deep_link_launch(launch: ToolMessageLaunch, framed: bool | None) -> Launch:
    """A deep-linking request: only staff may pick a course for the platform."""
    claims = _checked_claims(launch)
    platform = platform_of(launch)
    role = local_role(claims.get(CLAIM + "roles") or [])
    if role != "trainer":
        raise LaunchRefused("deep_link_role", str(claims.get(CLAIM + "roles")))
    # The answer is posted there: a plain web address (it goes into the form and the page's CSP).
    return_url = _claim(claims, DL_SETTINGS_CLAIM).get("deep_link_return_url")
    if not isinstance(return_url, str) or origin_of(return_url) is None:
        raise LaunchRefused("message", f"deep_link_return_url {return_url!r}")
    user, _link = account_for(platform, claims, role)
    return Launch(user, platform, None, claims, _is_framed(framed, claims))


def _is_framed(framed: bool | None, claims: dict[str, Any]) -> bool:
    # The browser says (Sec-Fetch-Dest); an older one does not, and the platform's claim decides.
    if framed is not None:
        return framed
    presentation = _claim(claims, CLAIM + "launch_presentation")
    return presentation.get("document_target") in ("iframe", "frame")


def _course_of(platform: LtiPlatform, claims: dict[str, Any]) -> Course:
    custom = _claim(claims, CLAIM + "custom")
    slug = custom.get("course")
    if isinstance(slug, str) and slug:
        course = get_course(slug.strip())
        if course is None:
            raise LaunchRefused("course", f"no course {slug!r}")
        return course
    link_id = _claim(claims, CLAIM + "resource_link").get("id")
    link = _resource_link(platform, link_id)
    if link is None:
        raise LaunchRefused("course", f"resource link {link_id!r} has no course")
    course = db.session.get(Course, link.course_id)
    assert course is not None
    return course


def _resource_link(platform: LtiPlatform, link_id: str | None) -> LtiResourceLink | None:
    if not link_id:
        return None
    return db.session.scalars(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == platform.id,
            LtiResourceLink.resource_link_id == link_id,
        )
    ).one_or_none()


def _record_resource_link(
    platform: LtiPlatform, claims: dict[str, Any], course: Course
) -> LtiResourceLink:
    resource = _claim(claims, CLAIM + "resource_link")
    ags = _claim(claims, AGS_CLAIM)
    link = _resource_link(platform, resource["id"])
    if link is None:
        try:
            with db.session.begin_nested():
                link = LtiResourceLink(
                    platform_id=platform.id,
                    resource_link_id=resource["id"],
                    deployment_id=claims[CLAIM + "deployment_id"],
                    course_id=course.id,
                )
                db.session.add(link)
        except IntegrityError:  # created by a launch at the same moment
            link = _resource_link(platform, resource["id"])
            assert link is not None
    link.deployment_id = claims[CLAIM + "deployment_id"]
    link.context_id = _text(_claim(claims, CLAIM + "context").get("id"), 255)
    link.title = _text(resource.get("title"), 255)
    if link.course_id != course.id:
        log.info(
            "LTI resource link %s of platform %s opens %s", resource["id"], platform.id, course.slug
        )
    link.course_id = course.id
    link.lineitem_url = _text(ags.get("lineitem"), 1000)
    link.lineitems_url = _text(ags.get("lineitems"), 1000)
    scopes = ags.get("scope")
    link.ags_scopes = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    link.updated_at = utcnow()
    db.session.flush()
    return link


def _claim(claims: dict[str, Any], name: str) -> dict[str, Any]:
    value = claims.get(name)
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _grade_target(user_link: LtiUserLink, resource_link: LtiResourceLink) -> None:
    exists = db.session.scalar(
        select(LtiGradeTarget.id).where(
            LtiGradeTarget.user_link_id == user_link.id,
            LtiGradeTarget.resource_link_id == resource_link.id,
        )
    )
    if exists is None:
        db.session.add(LtiGradeTarget(user_link_id=user_link.id, resource_link_id=resource_link.id))
        db.session.flush()


def _enrol(user: User, course: Course) -> None:
    if enrolment_for(user, course) is None:
        # The platform placed the link: like a trainer's enrolment, also in a closed course.
        enrol(user, course, by=user)


# Accounts ------------------------------------------------------------------------------------


def account_for(
    platform: LtiPlatform, claims: dict[str, Any], role: str
) -> tuple[User, LtiUserLink]:
    """The local account of the launch's (issuer, subject), created on first launch; its role
    follows the LTI roles; an administrator's account is refused."""
    link = _user_link(platform.issuer, claims["sub"])
    if link is None:
        try:
            with db.session.begin_nested():
                user = _create_account(platform, claims, role)
                link = LtiUserLink(
                    issuer=platform.issuer,
                    subject=claims["sub"],
                    platform_id=platform.id,
                    user_id=user.id,
                )
                db.session.add(link)
            return user, link
        except IntegrityError:
            # Two first launches at once (a double click): the other one created the account.
            link = _user_link(platform.issuer, claims["sub"])
            if link is None:
                raise
    user = db.session.get_one(User, link.user_id)
    if not user.is_enabled:
        raise LaunchRefused("disabled", f"user {user.id} is disabled")
    if user.role == "admin":
        raise LaunchRefused("admin_account", f"user {user.id} is an administrator")
    _follow_role(user, role)
    name = _full_name(claims)
    if name and name != user.full_name:
        user.full_name = name
    link.last_launch_at = utcnow()
    return user, link


def _user_link(issuer: str, subject: str) -> LtiUserLink | None:
    return db.session.scalars(
        select(LtiUserLink).where(LtiUserLink.issuer == issuer, LtiUserLink.subject == subject)
    ).one_or_none()


def _full_name(claims: dict[str, Any]) -> str | None:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return name.strip()[:200] or None


def _language(claims: dict[str, Any]) -> str:
    locale = (_claim(claims, CLAIM + "launch_presentation")).get("locale") or claims.get("locale")
    language = str(locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else "en"


def _create_account(platform: LtiPlatform, claims: dict[str, Any], role: str) -> User:
    token = secrets.token_hex(5).upper()
    user = User(
        role=role,
        full_name=_full_name(claims) or f"{platform.name} #{token}",
        credential_hash=UNUSABLE_HASH,  # they sign in through their platform only
        is_credential_temporary=False,
        preferred_language=_language(claims),
        centre_id=platform.centre_id,  # the platform's centre owns the people it brings
    )
    _give_identifiers(user, token)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "lti.account_created",
        "user",
        user.id,
        None,
        platform=platform.id,
        issuer=platform.issuer,
        role=role,
    )
    return user


def _give_identifiers(user: User, token: str | None = None) -> None:
    # The account needs what its role's rules require; nobody signs in with these.
    token = token or secrets.token_hex(5).upper()
    if user.role == "trainee" and not user.service_number:
        user.service_number = f"LTI-{token}"
    if user.role != "trainee" and not user.email:
        user.email = f"lti-{token.lower()}@lti.invalid"


def _follow_role(user: User, role: str) -> None:
    if user.role == role:
        return
    audit.record("lti.role_changed", "user", user.id, None, old=user.role, new=role)
    user.role = role
    _give_identifiers(user)
    db.session.flush()


# Deep linking --------------------------------------------------------------------------------


def deep_link_response(launch: ToolMessageLaunch, course: Course, language: str) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse JWT for one course, and where to post it."""
    title = course.title_in(language)
    line_item = (
        LineItem()
        .set_score_maximum(100)
        .set_label(title)
        .set_resource_id(course.slug)
        .set_tag(LINE_ITEM_TAG)
    )
    resource = (
        DeepLinkResource()
        .set_url(tool_url("lti.launch"))
        .set_title(title)
        .set_custom_params({"course": course.slug})
        .set_lineitem(line_item)
    )
    deep_link = launch.get_deep_link()
    message = deep_link.get_message_jwt([resource])
    if message.get(DL_DATA_CLAIM) is None:
        message.pop(DL_DATA_CLAIM, None)  # "data" is returned only when the platform sent one
    settings = launch.get_launch_data()[DL_SETTINGS_CLAIM]
    log.info("LTI deep link: course %s sent to %s", course.slug, settings["deep_link_return_url"])
    return deep_link.encode_jwt(message), settings["deep_link_return_url"]


# Tickets (framed launches open the course in a new window) -------------------------------------


def new_ticket(user: User, course: Course) -> str:
    """A single-use, short-lived token that signs this user in and opens the course."""
    token = secrets.token_urlsafe(32)
    put_value(
        TICKET_PREFIX + token,
        {"user_id": user.id, "session_version": user.session_version, "course": course.slug},
        current_app.config["LTI_TICKET_LIFETIME"],
    )
    return token


def redeem_ticket(token: str) -> tuple[User, str] | None:
    """The user and course slug of a ticket, once; None if unknown, expired or used."""
    if not token or len(token) > 100:
        return None
    value = take_value(TICKET_PREFIX + token)
    if not isinstance(value, dict):
        return None
    user = db.session.get(User, value.get("user_id"))
    if user is None or not user.is_enabled or user.session_version != value.get("session_version"):
        return None
    return user, str(value.get("course"))
