"""Extension points: a lower layer asks a question, the domains above it answer.

The shell and the lower domains never import the higher ones. Where they need something only a
higher domain knows (what a role's home page shows, whether a trainer may manage a certificate
through their cohorts, what the course page says about the assessment), they name an extension
point, and each domain's `setup.init_app` registers its answer for the app. Registrations are per
app (several apps may live in one process, as in the tests).

- `home:<role>` (user) -> dict: template variables of that role's home page, merged.
- `course_page` (user, progress) -> dict: more template variables of the course page, merged.
- `quiz_result` (user, course) -> dict: more template variables of a quiz result page, merged.
- `may_manage_trainee` (user, trainee) -> bool: any True lets a trainer act for the trainee.
- `language_chosen` (user, language): the signed-in person chose an interface language.
- `personal_record` (user) -> dict: each domain's sections of a person's own record, merged.
- `trainees_managed_by` (user) -> select of ids; `cohort_members` (user, cohort_id) -> ids or None:
  the cohorts' rule, used by certificates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

_KEY = "lms.hooks"


def register(app: Flask, point: str, answer: Callable[..., Any]) -> None:
    """Register an answer to an extension point for this app."""
    app.extensions.setdefault(_KEY, {}).setdefault(point, []).append(answer)


def answers(point: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Every registered answer to the extension point, in registration order."""
    registered = current_app.extensions.get(_KEY, {}).get(point, [])
    return [answer(*args, **kwargs) for answer in registered]


def merged(point: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The answers of an extension point that answers with dicts, merged in order."""
    result: dict[str, Any] = {}
    for answer in answers(point, *args, **kwargs):
        result.update(answer)
    return result


def any_true(point: str, *args: Any, **kwargs: Any) -> bool:
    """Whether any registered answer says yes (stops at the first)."""
    registered = current_app.extensions.get(_KEY, {}).get(point, [])
    return any(answer(*args, **kwargs) for answer in registered)
