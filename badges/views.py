"""Open Badges 3.0 routes: credentials, the issuer profile and its public key, status."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app
from flask_login import current_user

from badges import services
from certificates import services as certificates
from certificates.models import Certificate
from certificates.serials import read_serial
from lms.access import public, signed_in
from lms.security import limiter

bp = Blueprint("badges", __name__)


def _public_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _certificate_or_404(serial: str) -> Certificate:
    certificate = certificates.find_by_serial(serial)
    if certificate is None or not certificates.may_download(current_user, certificate):
        abort(404)  # a guessed serial of someone else's certificate is not revealed
    if certificate.holder_removed_at is not None:
        abort(410)  # the holder was removed under the retention policy; its status still answers
    return certificate


def _json(document: dict[str, Any], mimetype: str, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(body, status=status, mimetype=mimetype)


def _shared(response: Response, max_age: int) -> Response:
    # Public documents that verifiers (also in-browser ones on other sites) fetch without cookies.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-store"
    return response


def _download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/<serial>.jwt")
@signed_in
def credential_jwt(serial: str) -> Response:
    """The certificate as an Open Badges 3.0 credential signed as a VC-JWT (EdDSA)."""
    certificate = _certificate_or_404(serial)
    token = services.signed_credential(certificate)
    return _download(Response(token, mimetype="application/jwt"), f"badge-{serial}.jwt")


@bp.get("/<serial>.json")
@signed_in
def credential_json(serial: str) -> Response:
    """The same credential, unsigned, as JSON-LD (to read; the signed one is the .jwt)."""
    certificate = _certificate_or_404(serial)
    response = _json(services.credential_for(certificate), "application/ld+json")
    return _download(response, f"badge-{serial}.json")


@bp.get("/status/<serial>")
@public
@limiter.limit(_public_limit)
def status(serial: str) -> Response:
    """The live status of a badge: revoked, expired or valid (public, like /verify)."""
    checked = read_serial(serial)
    certificate = certificates.find_by_serial(checked.serial) if checked.serial else None
    if certificate is None:
        unknown = {"status": "unknown" if checked.serial else "invalid"}
        return _shared(_json(unknown, "application/json", 404), 0)
    return _shared(_json(services.status_document(certificate), "application/json"), 0)


@bp.get("/issuer")
@public
@limiter.limit(_public_limit)
def issuer() -> Response:
    """The issuer's public Profile, with the public key of its badges."""
    return _shared(_json(services.issuer_profile(), "application/ld+json"), 3600)


@bp.get("/issuer/jwks.json")
@public
@limiter.limit(_public_limit)
def jwks() -> Response:
    """The issuer's public keys as a JWK Set."""
    return _shared(_json(services.key_set(), "application/jwk-set+json"), 3600)


@bp.get("/issuer/keys/<key_id>")
@public
@limiter.limit(_public_limit)
def key(key_id: str) -> Response:
    """One public key (the `kid` of every badge signed with it) as a JWK."""
    document = services.public_key(key_id)
    if document is None:
        abort(404)
    return _shared(_json(document, "application/jwk+json"), 86400)
