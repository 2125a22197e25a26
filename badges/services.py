"""Open Badges 3.0 for certificates: the credential, its signature, the issuer and the status.

A badge is not stored: it is built on demand from the stored certificate record (never from the
holder's current account) and signed with the issuer's Ed25519 key. The same certificate therefore
always gives the same credential and, Ed25519 being deterministic, the same token. Revocation is not
written into the badge: its `credentialStatus` points at a public document that reads the
certificate's revocation when it is asked.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from badges import signing
from badges.credential import OB_CONTEXT, VC_CONTEXT, BadgeValues, build_credential, jwt_claims
from certificates.models import Certificate
from courses.models import Course
from lms.db import db, utcnow
from lms.urls import public_url


def issuer_id() -> str:
    """The issuer's identifier: the address of its public Profile document."""
    return public_url("badges.issuer")


def key_id() -> str:
    """The `kid` of the signing key: the address of its public JWK."""
    return public_url("badges.key", key_id=signing.key_thumbprint())


def holder_id(trainee_id: int) -> str:
    """An opaque, stable identifier of a holder: reveals nothing, not even the account number."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, f"badge-holder:{trainee_id}".encode(), hashlib.sha256).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}"


def badge_values(certificate: Certificate) -> BadgeValues:
    """The plain values of a certificate's badge, all from the stored certificate record."""
    course = db.session.get(Course, certificate.course_id)
    slug = course.slug if course is not None else str(certificate.course_id)
    description, criteria = _texts(certificate)
    return BadgeValues(
        credential_id=public_url(
            "badges.credential_json", _owner=certificate, serial=certificate.serial
        ),
        issuer_id=issuer_id(),
        issuer_name=certificate.centre,
        issuer_url=public_url("core.index"),
        status_id=public_url("badges.status", _owner=certificate, serial=certificate.serial),
        subject_id=holder_id(certificate.trainee_id),
        holder_name=certificate.holder_name,
        achievement_id=public_url(
            "courses.course", _owner=certificate, slug=slug, version=certificate.course_version
        ),
        course_title=certificate.course_title,
        course_version=certificate.course_version,
        language=certificate.language,
        description=description,
        criteria=criteria,
        standards=_standards(certificate),
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
    )


def _texts(certificate: Certificate) -> tuple[str, str]:
    """The description and the criteria, in the certificate's language (as its PDF)."""

    with force_locale(certificate.language):
        description = _(
            "Certificate of completion of the course “%(course)s”, version %(version)s.",
            course=certificate.course_title,
            version=certificate.course_version,
        )
        criteria = _(
            "Completed every lesson of the course, passed its quiz with every standard at or "
            "above its mastery threshold, and passed every observed practical evaluation the "
            "course requires."
        )
    return description, criteria


def _standards(certificate: Certificate) -> list[dict[str, str]]:
    catalog = public_url("assessments.standards")
    return [
        {
            "code": standard["code"],
            "title": standard["title"].get(certificate.language) or standard["title"]["en"],
            "url": f"{catalog}#{standard['code']}",
        }
        for standard in certificate.standards
    ]


def credential_for(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an unsigned OpenBadgeCredential."""
    return build_credential(badge_values(certificate))


def signed_credential(certificate: Certificate) -> str:
    """The certificate as a VC-JWT signed with the issuer's Ed25519 key."""
    return signing.sign(jwt_claims(credential_for(certificate)), key_id())


def issuer_profile() -> dict[str, Any]:
    """The issuer's public Profile, with the key that verifies its badges."""
    profile_id, kid = issuer_id(), key_id()
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": profile_id,
        "type": ["Profile"],
        "name": current_app.config["TRAINING_CENTRE_NAME"],
        "url": public_url("core.index"),
        "verificationMethod": [
            {
                "id": kid,
                "type": "JsonWebKey",
                "controller": profile_id,
                "publicKeyJwk": signing.public_jwk(kid),
            }
        ],
        "assertionMethod": [kid],
    }


def key_set() -> dict[str, Any]:
    """The issuer's public keys as a JWK Set."""
    return {"keys": [signing.public_jwk(key_id())]}


def public_key(thumbprint: str) -> dict[str, Any] | None:
    """The public JWK named by its thumbprint; None for any other key."""
    if thumbprint != signing.key_thumbprint():  # a public value: no need for a constant time
        return None
    return signing.public_jwk(key_id())


def status_document(certificate: Certificate) -> dict[str, Any]:
    """The live status of a badge (1EdTech Revocation List shape): revoked, expired or valid."""
    credential_id = public_url(
        "badges.credential_json", _owner=certificate, serial=certificate.serial
    )
    revocation = certificate.revocation
    revoked = (
        [
            # The date, never the reason: a revocation for misconduct is sensitive.
            {"id": credential_id, "revokedOn": revocation.revoked_at.date().isoformat()}
        ]
        if revocation is not None
        else []
    )
    return {
        "id": public_url("badges.status", _owner=certificate, serial=certificate.serial),
        "issuer": issuer_id(),
        "credential": credential_id,
        "status": certificate.status_on(utcnow().date()),
        "revokedCredentials": revoked,
    }
