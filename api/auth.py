"""The audience of API routes: `@api_token_required` (a valid access token, no browser session)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from api.models import ApiToken
from api.problems import unauthorized
from api.tokens import authenticate
from lms import scope
from lms.access import declare_audience
from lms.db import db

F = TypeVar("F", bound=Callable[..., Any])
AUDIENCE = "api_token"


def api_token_required(view: F) -> F:
    """Only requests bearing a valid access token may use this route (others get 401).

    Browser sessions are ignored: a signed-in administrator without a token is refused too.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = authenticate(request.headers.get("Authorization"))
        if result.token is None:
            return unauthorized(result.problem or "invalid")
        g.api_token = result.token
        scope.enter(db.session, result.token.centre_id)  # a token reads only its centre
        return view(*args, **kwargs)

    declare_audience(wrapper, frozenset({AUDIENCE}))
    return cast(F, wrapper)


def current_token() -> ApiToken:
    """The token of the current API request."""
    return g.api_token
