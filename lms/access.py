"""Who may use a route: every view declares its audience with exactly one decorator."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, request
from flask_login import current_user

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
ROLES = ("trainee", "trainer", "admin", "platform_admin")
# Permissions granted on top of a role (a trainer may also author courses): the user object says
# whether it holds one with a boolean attribute `is_<permission>`.
PERMISSIONS = ("course_author",)
AUDIENCE_ATTR = "lms_audience"


def declare_audience(view: Callable[..., Any], audience: frozenset[str]) -> None:
    """Record who may use a view (for decorators of other packages, such as the read API's)."""
    if hasattr(view, AUDIENCE_ATTR):
        raise RuntimeError(f"{view.__name__} declares its audience twice")
    setattr(view, AUDIENCE_ATTR, audience)


def public(view: F) -> F:
    """Anyone, signed in or not, may use this route."""
    declare_audience(view, frozenset({"public"}))
    return view


def signed_in(view: F) -> F:
    """Any signed-in user may use this route."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
        return view(*args, **kwargs)

    declare_audience(wrapper, frozenset({"signed_in"}))
    return cast(F, wrapper)


def role_required(*roles: str) -> Callable[[F], F]:
    """Only signed-in users holding one of the roles may use this route (others get 403)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"unknown roles: {sorted(unknown) or 'none given'}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
            if current_user.role not in roles:
                log.info(
                    "403 for user %s (%s) on %s", current_user.id, current_user.role, request.path
                )
                abort(403)
            return view(*args, **kwargs)

        declare_audience(wrapper, frozenset(roles))
        return cast(F, wrapper)

    return decorator


def permission_required(permission: str) -> Callable[[F], F]:
    """Only signed-in users granted the permission may use this route (others get 403)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission: {permission!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
            if not getattr(current_user, f"is_{permission}", False):
                log.info("403 for user %s (no %s) on %s", current_user.id, permission, request.path)
                abort(403)
            return view(*args, **kwargs)

        declare_audience(wrapper, frozenset({permission}))
        return cast(F, wrapper)

    return decorator


def audience_of(view: Callable[..., Any]) -> frozenset[str] | None:
    """The audience a view declared, or None when it declared nothing."""
    return getattr(view, AUDIENCE_ATTR, None)


def refuse_undeclared_routes(app: Flask, blueprint_names: set[str]) -> None:
    """Fail closed: a route of ours that declares no audience is never served."""

    @app.before_request
    def _check_declared() -> None:
        if request.blueprint not in blueprint_names or request.endpoint is None:
            return
        view = app.view_functions.get(request.endpoint)
        if view is not None and audience_of(view) is None:
            log.error("route %s declares no audience; refusing it", request.endpoint)
            abort(500)
