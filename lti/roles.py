"""LTI roles -> local role: a pure function of the launch's roles claim.

Context roles (membership) decide; institution roles count only when the launch gives no context
role (a teacher elsewhere in the institution is a learner in a course where they learn); system
roles never count. Instructor, TeachingAssistant, ContentDeveloper and Administrator make a
trainer; Learner (or an institution's Student) makes a trainee; staff wins when both are present.
Nobody becomes a local administrator through LTI. Anything else (Mentor, Guest, Observer, no role)
gives no access.
"""

from __future__ import annotations

from collections.abc import Iterable

VOCABULARY = "http://purl.imsglobal.org/vocab/lis/v2/"
STAFF = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})
LEARNERS = frozenset({"Learner", "Student"})
COUNTED_KINDS = frozenset({"membership", "institution/person"})


def parse_role(uri: str) -> tuple[str, str] | None:
    """(kind, name) of a role URI; a short name such as "Learner" is a context role.

    A sub-role (".../membership/Instructor#TeachingAssistant") is its principal role: a learner's
    sub-role ".../membership/Learner#Instructor" is a learner, not a teacher.
    """
    if not uri.startswith(VOCABULARY):
        if "#" in uri or "/" in uri or ":" in uri:
            return None  # some other vocabulary
        return "membership", uri
    path, _, name = uri[len(VOCABULARY) :].partition("#")
    if not name:
        return None
    if path.startswith("membership/"):  # a sub-role of a principal context role
        return "membership", path[len("membership/") :]
    return path, name


def local_role(roles: Iterable[str]) -> str | None:
    """The local role ("trainer" or "trainee") the LTI roles give, or None for no access."""
    kinds: dict[str, set[str]] = {kind: set() for kind in COUNTED_KINDS}
    for uri in roles:
        parsed = parse_role(uri) if isinstance(uri, str) else None
        if parsed and parsed[0] in COUNTED_KINDS:
            kinds[parsed[0]].add(parsed[1])
    names = kinds["membership"] or kinds["institution/person"]
    if names & STAFF:
        return "trainer"
    if names & LEARNERS:
        return "trainee"
    return None
