"""Web security: CSRF, rate limits, response headers and the session cookie."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# Public pages (the certificate check, badges, LTI logins, the API) keep their limits in each
# process's memory while the storage (Redis) is down, and go back to it once it answers again
# (Flask-Limiter checks it again after 1, 2, 4... 32 seconds).
limiter = Limiter(
    key_func=get_remote_address, strategy="moving-window", in_memory_fallback_enabled=True
)
# Limits that must hold across every worker (failed sign-ins) never fall back: with the storage
# down, the request is refused (503, lms/errors.py) rather than counted in one process's memory,
# and is served again as soon as the storage answers.
strict_limiter = Limiter(key_func=get_remote_address, strategy="moving-window")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        current: Request | None = request if request else None
        return bool(app.config["SESSION_COOKIE_SECURE"] or (current and current.is_secure))


def set_security_headers(response: Any) -> Any:
    """Add the security headers every response carries."""
    headers = response.headers
    policy = headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if "frame-ancestors 'none'" in policy:  # a page that lets some site frame it says so in its CSP
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_security(app: Flask, ours: set[str] | None = None) -> None:
    """Attach CSRF protection, the rate limiter, the cookie interface and the headers.

    Standalone (`ours` is None), they apply to every route. Mounted into a host application,
    `ours` names the product's blueprints: CSRF checks, our headers (CSP) and compression apply
    to those only, so that the host's own routes keep the behaviour the host gave them.
    """
    if ours is not None:
        app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    limiter.init_app(app)
    strict_limiter.init_app(app)
    if type(app.session_interface) is SecureCookieSessionInterface:  # a host's own one stays
        app.session_interface = HttpsAwareSessionInterface()
    if ours is None:
        app.after_request(set_security_headers)
        return

    def _is_ours() -> bool:
        return request.blueprint in ours

    @app.before_request
    def _protect_our_forms() -> None:
        if _is_ours() and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)  # GET/HEAD/OPTIONS pass; exemptions honoured

    @app.after_request
    def _our_headers(response: Any) -> Any:
        return set_security_headers(response) if _is_ours() else response
