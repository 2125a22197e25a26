"""An Open Badges 3.0 credential (a W3C Verifiable Credential 2.0) from plain values: a pure module.

Nothing here reads the database, the clock or the configuration: the same values always give the
same credential, byte for byte once serialised with `canonical_json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STATUS_TYPE = "1EdTechRevocationList"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


@dataclass(frozen=True)
class BadgeValues:
    """Everything a credential says, as plain values (built from the stored certificate)."""

    credential_id: str
    issuer_id: str
    issuer_name: str
    issuer_url: str
    status_id: str
    subject_id: str
    holder_name: str
    achievement_id: str
    course_title: str
    course_version: str
    language: str
    description: str
    criteria: str
    standards: list[dict[str, str]]  # [{"code", "title", "url"}]
    issued_on: date
    expires_on: date


def start_of(day: date) -> datetime:
    """The first second of a day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The last second of a day, in UTC (a certificate is valid through its expiry date)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC, e.g. 2026-11-22T00:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(values: BadgeValues) -> dict[str, Any]:
    """The OpenBadgeCredential (unsigned) for a certificate."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": values.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": values.course_title,
        "description": values.description,
        "issuer": {
            "id": values.issuer_id,
            "type": ["Profile"],
            "name": values.issuer_name,
            "url": values.issuer_url,
        },
        "validFrom": timestamp(start_of(values.issued_on)),
        "validUntil": timestamp(end_of(values.expires_on)),
        "credentialSubject": _subject(values),
        "credentialStatus": {"id": values.status_id, "type": STATUS_TYPE},
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _subject(values: BadgeValues) -> dict[str, Any]:
    # The holder's name only: the public verification page shows it too, and nothing more.
    return {
        "id": values.subject_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": values.holder_name,
            }
        ],
        "achievement": _achievement(values),
    }


def _achievement(values: BadgeValues) -> dict[str, Any]:
    return {
        "id": values.achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": values.course_title,
        "description": values.description,
        "criteria": {"narrative": values.criteria},
        "version": values.course_version,
        "inLanguage": values.language,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": standard["title"],
                "targetCode": standard["code"],
                "targetUrl": standard["url"],
            }
            for standard in values.standards
        ],
    }


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The VC-JWT payload: the credential itself plus the registered claims that mirror it."""
    return {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": _epoch(credential["validFrom"]),
        "exp": _epoch(credential["validUntil"]),
    }


def _epoch(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def canonical_json(document: dict[str, Any]) -> str:
    """Compact JSON with sorted keys: one serialisation for one document."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
