"""xAPI statements for the product's events, as plain dictionaries (no database access here).

Every statement has a deterministic id: a UUID v5 of the event's identity (an attempt, a
certificate serial, a trainee's course and certification cycle...) in a namespace derived from the
site's base IRI. A repeated event, or a statement sent twice, therefore carries the same id, and the
learning record store keeps it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from flask_babel import force_locale
from flask_babel import gettext as _

ADL = "http://adlnet.gov/expapi"
VERBS = {
    "launched": f"{ADL}/verbs/launched",
    "passed": f"{ADL}/verbs/passed",
    "failed": f"{ADL}/verbs/failed",
    "completed": f"{ADL}/verbs/completed",
    # The Tin Can registry's verb for a badge or certificate awarded to the actor.
    "earned": "http://id.tincanapi.com/verb/earned",
}
COURSE_TYPE = f"{ADL}/activities/course"
ASSESSMENT_TYPE = f"{ADL}/activities/assessment"
OBJECTIVE_TYPE = f"{ADL}/activities/objective"


@dataclass(frozen=True)
class Site:
    """Where the statements come from: the base of every IRI, the platform, what to disclose."""

    base: str
    platform: str
    send_names: bool = True

    @property
    def namespace(self) -> uuid.UUID:
        """The namespace of this site's statement ids."""
        return uuid.uuid5(uuid.NAMESPACE_URL, self.iri("xapi", "statements"))

    def iri(self, *parts: str) -> str:
        """An IRI under the site's base, each part escaped."""
        return "/".join([self.base.rstrip("/"), *(quote(part, safe="") for part in parts)])

    def extension(self, name: str) -> str:
        """The IRI of one of this product's extensions."""
        return self.iri("xapi", "extensions", name)

    def uuid_for(self, *identity: object) -> str:
        """A deterministic UUID for an identity within this site."""
        return str(uuid.uuid5(self.namespace, "/".join(str(part) for part in identity)))


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    """An ISO 8601 duration in seconds (e.g. PT312.5S)."""
    return f"PT{max(seconds, 0):.2f}".rstrip("0").rstrip(".") + "S"


def verb(name: str) -> dict[str, Any]:
    """One of the verbs this product uses, with its English display."""
    return {"id": VERBS[name], "display": {"en-US": name}}


def actor(site: Site, user_id: int, full_name: str) -> dict[str, Any]:
    """The trainee as an account of this site: the user id (opaque outside the LMS), their name."""
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": site.base, "name": str(user_id)},
    }
    if site.send_names:
        agent["name"] = full_name
    return agent


def course_activity(site: Site, course: Any) -> dict[str, Any]:
    """The course as an activity, named in each of its languages."""
    return _activity(site.iri("courses", course.slug), COURSE_TYPE, _titles(course))


def quiz_activity(site: Site, course: Any) -> dict[str, Any]:
    """The course's quiz as an assessment activity."""
    names = _translated(
        course.languages, lambda lang: _("Quiz: %(course)s", course=course.title_in(lang))
    )
    return _activity(site.iri("assessments", course.slug, "quiz"), ASSESSMENT_TYPE, names)


def standard_activity(site: Site, code: str, titles: Mapping[str, str] | None) -> dict[str, Any]:
    """A unified standard as an objective activity (named in the catalog's languages)."""
    return _activity(site.iri("standards", code), OBJECTIVE_TYPE, dict(titles or {"en": code}))


def certificate_activity(site: Site, certificate: Any, course: Any) -> dict[str, Any]:
    """A certificate as an activity; its id is the public verification page of its serial."""
    names = _translated(
        course.languages, lambda lang: _("Certificate: %(course)s", course=course.title_in(lang))
    )
    kind = site.iri("xapi", "activity-types", "certificate")
    return _activity(site.iri("verify", certificate.serial), kind, names)


def _activity(iri: str, kind: str, names: dict[str, str]) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind, "name": names}}


def _titles(course: Any) -> dict[str, str]:
    return {lang: course.title_in(lang) for lang in course.languages}


def _translated(languages: Iterable[str], text: Callable[[str], str]) -> dict[str, str]:
    names = {}
    for lang in languages:
        with force_locale(lang):
            names[lang] = str(text(lang))
    return names


def _context(
    site: Site,
    user_id: int,
    course: Any,
    language: str,
    extensions: dict[str, Any] | None = None,
    version: str | None = None,
    parent: bool = True,
    others: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    # One registration per trainee and course groups everything they did in it.
    context: dict[str, Any] = {
        "registration": site.uuid_for("registration", user_id, course.slug),
        "platform": site.platform,
        "language": language,
        "extensions": {
            site.extension("course-version"): version or course.version,
            **(extensions or {}),
        },
    }
    activities: dict[str, Any] = {}
    if parent:
        activities["parent"] = [course_activity(site, course)]
    if others:
        activities["other"] = others
    if activities:
        context["contextActivities"] = activities
    return context


def launched(site: Site, user: Any, course: Any, via: str, at: datetime) -> dict[str, Any]:
    """The trainee launched a course (once per trainee, course, channel and day)."""
    return {
        "id": site.uuid_for("launched", user.id, course.slug, via, at.astimezone(UTC).date()),
        "actor": actor(site, user.id, user.full_name),
        "verb": verb("launched"),
        "object": course_activity(site, course),
        "context": _context(
            site,
            user.id,
            course,
            user.preferred_language,
            {site.extension("launched-via"): via},
            parent=False,
        ),
        "timestamp": timestamp(at),
    }


def scored(
    site: Site,
    user: Any,
    course: Any,
    attempt: Any,
    result: Any,
    standard_titles: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """A quiz attempt passed or failed, with the score and each standard's result."""
    codes = sorted(result.by_standard)
    return {
        "id": site.uuid_for("attempt", attempt.id),
        "actor": actor(site, user.id, user.full_name),
        "verb": verb("passed" if result.passed else "failed"),
        "object": quiz_activity(site, course),
        "result": {
            "score": {
                "scaled": round(result.percent / 100, 4),
                "raw": result.percent,
                "min": 0,
                "max": 100,
            },
            "success": bool(result.passed),
            "completion": True,
            "duration": duration((result.submitted_at - attempt.started_at).total_seconds()),
            "extensions": {
                site.extension("standards"): standard_results(site, attempt, result),
            },
        },
        "context": _context(
            site,
            user.id,
            course,
            attempt.language,
            {site.extension("attempt"): attempt.number},
            version=attempt.course_version,
            others=[standard_activity(site, code, standard_titles.get(code)) for code in codes],
        ),
        "timestamp": timestamp(result.submitted_at),
    }


def standard_results(site: Site, attempt: Any, result: Any) -> dict[str, dict[str, Any]]:
    """Each standard's result in an attempt: score, the threshold it had then, mastered or not."""
    results = {}
    for code, percent in sorted(result.by_standard.items()):
        threshold = attempt.thresholds.get(code, 100)
        results[code] = {
            "activity": site.iri("standards", code),
            "version": attempt.standard_versions.get(code),
            "scaled": round(percent / 100, 4),
            "raw": percent,
            "threshold": threshold,
            "mastered": percent >= threshold,
        }
    return results


def completed(site: Site, user: Any, course: Any, cycle: int, at: datetime) -> dict[str, Any]:
    """The trainee completed every requirement of a course (once per certification cycle)."""
    return {
        "id": site.uuid_for("completed", user.id, course.slug, cycle),
        "actor": actor(site, user.id, user.full_name),
        "verb": verb("completed"),
        "object": course_activity(site, course),
        "result": {"completion": True, "success": True},
        "context": _context(site, user.id, course, user.preferred_language, parent=False),
        "timestamp": timestamp(at),
    }


def earned(site: Site, user: Any, course: Any, certificate: Any, at: datetime) -> dict[str, Any]:
    """A certificate was issued to the trainee, with the standards it attests."""
    expires: date = certificate.expires_on
    others = [standard_activity(site, s["code"], s.get("title")) for s in certificate.standards]
    return {
        "id": site.uuid_for("certificate", certificate.serial),
        "actor": actor(site, user.id, user.full_name),
        "verb": verb("earned"),
        "object": certificate_activity(site, certificate, course),
        "result": {
            "completion": True,
            "success": True,
            "extensions": {site.extension("expires-on"): expires.isoformat()},
        },
        "context": _context(
            site,
            user.id,
            course,
            certificate.language,
            version=certificate.course_version,
            others=others or None,
        ),
        "timestamp": timestamp(at),
    }
