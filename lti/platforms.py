"""Platform registration: what an administrator records about a learning platform (admin pages
and `flask lti`). Services only flush; the request or command commits."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from jwcrypto.jwk import JWK, InvalidJWKValue
from sqlalchemy import select

from accounts.models import User
from lms import audit, scope
from lms.db import db, utcnow
from lti.models import LtiDeployment, LtiPlatform

# host[:port] of an origin, nothing more: an origin goes into Content-Security-Policy headers.
_HOST_PORT = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class PlatformError(ValueError):
    """A registration an administrator asked for that cannot be saved (message translated)."""


def all_platforms() -> list[LtiPlatform]:
    """Every registered platform, by name."""
    return list(db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)))


def get_platform(platform_id: int) -> LtiPlatform | None:
    """A platform by id."""
    return db.session.get(LtiPlatform, platform_id)


def parse_key(text: str | None) -> dict[str, Any] | None:
    """A platform's public key given as a PEM or as a JWKS (or one JWK) in JSON; None if empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if text.startswith("-----BEGIN"):
            jwk = json.loads(JWK.from_pem(text.encode()).export_public())
            jwk.pop("kid", None)  # the platform's kid is unknown: the key is used whatever kid
            return {"keys": [jwk]}
        data = json.loads(text)
        keys = data["keys"] if isinstance(data, dict) and "keys" in data else [data]
        public = [json.loads(JWK(**key).export_public()) for key in keys]
        for given, key in zip(keys, public, strict=True):
            for name in ("kid", "alg", "use"):
                if name in given:
                    key[name] = given[name]
        if not public or any(key.get("kty") != "RSA" for key in public):
            raise ValueError("not an RSA key")
        return {"keys": public}
    except (ValueError, TypeError, AttributeError, InvalidJWKValue) as error:
        raise PlatformError(
            _("The platform key is neither a PEM public key nor a JSON key set.")
        ) from error


def _clean_deployments(deployment_ids: list[str]) -> list[str]:
    return sorted({value.strip() for value in deployment_ids if value.strip()})


def save_platform(
    platform: LtiPlatform | None, values: dict[str, Any], actor: User | None
) -> LtiPlatform:
    """Create or update a platform registration from validated values; audited."""
    issuer, client_id = values["issuer"].strip(), values["client_id"].strip()
    with scope.unscoped(db.session):  # a registration is unique on the whole installation
        clash = db.session.scalars(
            select(LtiPlatform).where(
                LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id
            )
        ).first()
    if clash is not None and clash is not platform:
        raise PlatformError(_("A platform with this issuer and client ID is already registered."))
    for name in ("auth_login_url", "auth_token_url", "key_set_url"):
        value = (values.get(name) or "").strip()
        if (value or name != "key_set_url") and not _origin(value):
            raise PlatformError(_("Enter a web address starting with https://."))
    if not values.get("name", "").strip() or not issuer or not client_id:
        raise PlatformError(_("Give the platform's name, issuer and client ID."))
    if not _clean_deployments(values.get("deployment_ids", [])):
        raise PlatformError(_("Give at least one deployment ID."))
    key_set = parse_key(values.get("key"))
    if (
        not values.get("key_set_url")
        and key_set is None
        and (platform is None or not platform.key_set)
    ):
        raise PlatformError(_("Give the platform's key set URL or its public key."))
    created = platform is None
    platform = platform or LtiPlatform()
    platform.name = values["name"].strip()
    platform.issuer, platform.client_id = issuer, client_id
    platform.auth_login_url = values["auth_login_url"].strip()
    platform.auth_token_url = values["auth_token_url"].strip()
    platform.auth_audience = (values.get("auth_audience") or "").strip() or None
    platform.key_set_url = (values.get("key_set_url") or "").strip() or None
    if key_set is not None:
        platform.key_set = key_set
    if "is_enabled" in values:
        platform.is_enabled = bool(values["is_enabled"])
    platform.updated_at = utcnow()
    db.session.add(platform)
    _set_deployments(platform, _clean_deployments(values.get("deployment_ids", [])))
    db.session.flush()
    audit.record(
        "lti.platform_registered" if created else "lti.platform_updated",
        "lti_platform",
        platform.id,
        actor.id if actor else None,
        issuer=issuer,
        client_id=client_id,
        deployments=platform.deployment_ids,
        enabled=platform.is_enabled,
    )
    return platform


def _set_deployments(platform: LtiPlatform, wanted: list[str]) -> None:
    current = {deployment.deployment_id: deployment for deployment in platform.deployments}
    for deployment_id, deployment in current.items():
        if deployment_id not in wanted:
            platform.deployments.remove(deployment)
    for deployment_id in wanted:
        if deployment_id not in current:
            platform.deployments.append(LtiDeployment(deployment_id=deployment_id))


def platform_origins(platforms: list[LtiPlatform] | None = None) -> list[str]:
    """The web origins of the enabled platforms (allowed to frame the tool's LTI pages)."""
    origins = set()
    for platform in platforms if platforms is not None else all_platforms():
        if platform.is_enabled:
            for url in (platform.auth_login_url, platform.issuer):
                origin = _origin(url)
                if origin:
                    origins.add(origin)
    return sorted(origins)


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not _HOST_PORT.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an address, or None."""
    return _origin(url)
