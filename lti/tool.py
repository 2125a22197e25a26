"""PyLTI1p3 over the database: the tool's key, the platforms' registrations, the launch values that
every app server shares, and a launch validation that checks everything the specification asks.

PyLTI1p3 leaves a few checks to the tool, which this module adds:
- the id_token's audience, issuer, expiry and issue time (the library only checks the signature
  and the first audience), the authorised party when there are several audiences;
- the nonce is single-use (the library only checks it exists): it is deleted from the database
  when a launch uses it, so a replayed id_token is refused on every app server;
- the state must come from the browser's state cookie (the library also accepts a state it
  validated before, which would let a replay through);
- the target_link_uri is one of ours, at login and at launch.

pylti1p3's internals are used here and by the storage classes of lti/storage.py, nowhere else.
pylti1p3 2.0.0, the newest release (checked 2026-12-02), has no public accessor for the launch's
registration or for whether a launch was restored: ToolMessageLaunch reads `_registration` and
`_restored`, and its validate() repeats the library's steps with the checks above added.
tests/lti/test_pylti1p3_internals.py fails on a release that changes those steps or any private
name the two modules use.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from flask import current_app
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import (
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration, TKeySet
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from lms.db import db
from lms.keys import load_private_key
from lms.urls import public_url
from lti.models import LtiPlatform
from lti.storage import (
    DatabaseLaunchStorage,
    ToolCookieService,
    ToolSessionService,
    purge_expired_values,
)

log = logging.getLogger(__name__)

KEY_NAME = "lti_tool_key"
KEY_ENV_VAR = "LTI_PRIVATE_KEY_FILE"
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512")
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "nonce"]


class LaunchRefused(Exception):  # noqa: N818 - a refusal the user sees, not a programming error
    """A login or launch refused; `kind` names why (see lti.services.REFUSALS)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


# The tool's key ------------------------------------------------------------------------------


def _keys() -> dict[str, str]:
    cache = current_app.extensions.setdefault("lti.keys", {})
    if not cache:
        key = load_private_key(current_app.instance_path, KEY_NAME, "rsa", KEY_ENV_VAR)
        cache["private"] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        cache["public"] = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
    return cache


def tool_private_pem() -> str:
    """The tool's RSA private key (PEM), for signing deep-linking responses and client assertions."""
    return _keys()["private"]


def tool_public_pem() -> str:
    """The public half of the tool's key (PEM)."""
    return _keys()["public"]


def tool_jwks() -> dict[str, Any]:
    """The tool's public key set; the kid is the key's RFC 7638 thumbprint."""
    return {"keys": [dict(Registration.get_jwk(tool_public_pem()))]}


def tool_url(endpoint: str, **values: Any) -> str:
    """An absolute address of the tool (see lms.urls.public_url)."""
    return public_url(endpoint, **values)


def is_our_url(url: str | None) -> bool:
    """Whether an address points at this tool (same scheme and host as its launch URL)."""
    if not url:
        return False
    ours, theirs = urlsplit(tool_url("lti.launch")), urlsplit(url)
    return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)


class _TimeoutSession(requests.Session):
    """A requests session whose calls never wait for ever on a platform."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", current_app.config["LTI_HTTP_TIMEOUT"])
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    """A session for calls to platforms, with the configured timeout."""
    session = _TimeoutSession()
    session.headers["User-Agent"] = "peacekeeping-lms-lti"
    return session


# Registrations -------------------------------------------------------------------------------


def find_platform(issuer: str | None, client_id: str | None) -> LtiPlatform | None:
    """The enabled platform of this issuer and client id (the only one when no client id is given)."""
    if not issuer:
        return None
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.is_enabled)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = db.session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def registration_for(platform: LtiPlatform) -> Registration:
    """The PyLTI1p3 registration of a platform, with the tool's keys."""
    registration = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_key_set(cast("TKeySet | None", platform.key_set))  # a JWKS, checked when saved
        .set_tool_private_key(tool_private_pem())
        .set_tool_public_key(tool_public_pem())
    )
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    return registration


class DatabaseToolConf(ToolConfAbstract[FlaskRequest]):
    """The tool configuration read from the registered platforms (one issuer, many client ids)."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(iss, client_id)
        return registration_for(platform) if platform else None  # type: ignore[return-value]  # pylti1p3 says Registration but handles None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(iss, client_id)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)


# Login and launch ----------------------------------------------------------------------------


def _services() -> dict[str, Any]:
    request = FlaskRequest()
    return {
        "request": request,
        "tool_config": DatabaseToolConf(),
        "session_service": ToolSessionService(request),
        "cookie_service": ToolCookieService(request),
        "launch_data_storage": DatabaseLaunchStorage(),
    }


class ToolOIDCLogin(FlaskOIDCLogin):
    """OIDC login initiation: the platform must be registered, and so must the deployment and the
    target link when the platform names them."""

    def validate_oidc_login(self) -> Registration:
        try:
            registration = super().validate_oidc_login()
        except OIDCException as error:
            kind = "registration" if "registration" in str(error) else "format"
            raise LaunchRefused(kind, str(error)) from error
        self._session_service.login_for = (
            registration.get_issuer(),
            registration.get_client_id(),
        )
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id and not self._tool_config.find_deployment_by_params(
            registration.get_issuer(), deployment_id, registration.get_client_id()
        ):
            raise LaunchRefused("deployment", f"unknown deployment {deployment_id!r}")
        if not is_our_url(self._get_request_param("target_link_uri")):
            raise LaunchRefused("format", "target_link_uri is not an address of this tool")
        return registration


def login_redirect() -> Any:
    """The redirect to the platform's authorisation endpoint, with a new state and nonce."""
    services = _services()
    purge_expired_values()
    login = ToolOIDCLogin(
        services["request"],
        services["tool_config"],
        services["session_service"],
        services["cookie_service"],
        services["launch_data_storage"],
    )
    return login.redirect(tool_url("lti.launch"))


class ToolMessageLaunch(FlaskMessageLaunch):
    """A launch validated step by step; each failure is refused with the reason's kind."""

    def validate(self) -> ToolMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("state", self.validate_state),
            ("format", self.validate_jwt_format),
            ("registration", self.validate_registration),
            ("signature", self.validate_jwt_signature),
            ("replay", self.validate_nonce),
            ("deployment", self.validate_deployment),
            ("message", self.validate_message),
            ("message", self.validate_target_link),
        ]
        try:
            for kind, step in steps:
                try:
                    step()
                except (LtiException, AttributeError, KeyError, TypeError, ValueError) as error:
                    # The library reads the untrusted token: a claim of the wrong shape is a
                    # refusal too, not a crash.
                    raise LaunchRefused(kind, repr(error)) from error
        except Exception:
            self._validated = False
            raise
        if self.is_deep_link_launch():
            self.save_launch_data()  # the teacher's choice comes back in a second request
        return self

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        """Signature, issuer, audience, authorised party, expiry, issue time, required claims."""
        assert self._registration is not None
        public_key, key_alg = self.get_public_key()
        if key_alg not in SIGNING_ALGORITHMS:
            raise LtiException(f"signing algorithm {key_alg} not accepted")
        client_id = self._registration.get_client_id()
        try:
            claims = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                audience=client_id,
                issuer=self._registration.get_issuer(),
                leeway=current_app.config["LTI_CLOCK_SKEW"],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused("expired", str(error)) from error
        except jwt.InvalidTokenError as error:
            raise LtiException(f"id_token refused: {error}") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
            raise LtiException("the authorised party (azp) is not this tool")
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        """The nonce is used up, and must come from a login for this very registration."""
        assert self._registration is not None
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LtiException('"nonce" is empty')
        login = self._session_service.take_nonce(nonce)
        if login is None:
            raise LtiException("nonce unknown, expired or already used")
        wanted = {"iss": self._registration.get_issuer(), "client_id": self.get_client_id()}
        if login != wanted:
            raise LaunchRefused("state", f"nonce of a login for {login}, token for {wanted}")
        return self

    def get_public_key(self) -> tuple[str, str]:
        """The platform key that signed the token; a single key given without a kid also counts."""
        assert self._registration is not None
        key_set = self._registration.get_key_set()
        if key_set and len(key_set.get("keys", [])) == 1 and "kid" not in key_set["keys"][0]:
            jwk = JWK.from_json(json.dumps(key_set["keys"][0]))
            alg = self._jwt.get("header", {}).get("alg", "RS256")
            return jwk.export_to_pem().decode(), alg
        public_key, alg = super().get_public_key()
        return public_key.decode() if isinstance(public_key, bytes) else public_key, alg

    def validate_target_link(self) -> ToolMessageLaunch:
        target = self._get_jwt_body().get(
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
        )
        if self.is_resource_launch() and not is_our_url(target):
            raise LtiException("target_link_uri is not an address of this tool")
        return self

    def registration(self) -> Registration:
        """The registration the launch was validated against."""
        assert self._registration is not None
        return self._registration

    def forget_state(self, response: Any) -> None:
        """Delete the state cookie: a state serves one launch."""
        state = self._get_request_param("state")
        if state:
            self._cookie_service.forget(response, state)


def validated_launch() -> ToolMessageLaunch:
    """The current request's launch, fully validated (raises LaunchRefused)."""
    services = _services()
    launch = ToolMessageLaunch(
        services["request"],
        services["tool_config"],
        session_service=services["session_service"],
        cookie_service=services["cookie_service"],
        launch_data_storage=services["launch_data_storage"],
        requests_session=http_session(),
    )
    try:
        launch.validate()  # the only call to the platform: its key set
    finally:
        launch._requests_session.close()
    return launch


def restored_launch(launch_id: str) -> ToolMessageLaunch | None:
    """A deep-linking launch saved by `validated_launch`, taken for one use (None if gone)."""
    services = _services()
    try:
        launch = ToolMessageLaunch.from_cache(
            launch_id,
            services["request"],
            services["tool_config"],
            session_service=services["session_service"],
            cookie_service=services["cookie_service"],
            launch_data_storage=services["launch_data_storage"],
            requests_session=http_session(),
        )
    except LtiException:
        return None
    if not services["launch_data_storage"].consume(launch_id):
        return None  # used by a concurrent request
    return cast(ToolMessageLaunch, launch)  # from_cache builds an instance of its class
