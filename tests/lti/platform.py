"""A real LTI 1.3 platform for the tests, built on the `lti1p3platform` package.

It has its own RSA key and signs real RS256 id_tokens; a real HTTP server (werkzeug, 127.0.0.1,
a free port, in a thread) serves its public key set, its OIDC authorisation endpoint (which answers
with the auto-submitting launch form, as a platform does), its OAuth2 token endpoint (client
credentials with a JWT assertion checked against the tool's published key set), its AGS line items
and score endpoints, and its deep-linking return endpoint. What the tool sent is recorded.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PlatformRequest
from lti1p3platform.service_connector import AssignmentsGradesService
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def new_private_pem() -> str:
    """A fresh RSA private key, PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Intent:
    """What the platform will launch for a login hint: who, which message, which claims."""

    user_id: str
    roles: list[str]
    name: str | None = "Amina Diallo"
    email: str | None = None
    resource_link_id: str = "link-1"
    custom: dict[str, str] | None = None
    deep_linking: bool = False
    ags: bool = True
    lineitem: str | None = "1"
    document_target: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)
    expires_in: int = 300


class _Request(PlatformRequest):
    def build_metadata(self, request: Request) -> dict[str, Any]:  # type: ignore[override]
        return {
            "method": request.method,
            "form_data": dict(request.form),
            "get_data": dict(request.args),
            "headers": dict(request.headers),
            "content_type": request.content_type,
            "path": request.path,
            "json": request.get_json(silent=True),
        }


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        # The auto-submitting form of the specification (a browser would submit it).
        return (
            f'<form method="POST" action="{html.escape(launch_data["launch_url"])}" id="f">'
            f'<input type="hidden" name="id_token" value="{html.escape(launch_data["id_token"])}">'
            f'<input type="hidden" name="state" value="{html.escape(launch_data["state"])}">'
            "</form><script>document.getElementById('f').submit()</script>"
        )


class _Gradebook(AssignmentsGradesService):
    def __init__(self, platform: Platform, request: PlatformRequest, config: _Config) -> None:
        super().__init__(request, config, f"{platform.base}/lineitems")
        self.platform = platform

    def update_score(self, line_item_id: str, score: Any) -> Any:
        from lti1p3platform.exceptions import LineItemNotFoundException
        from lti1p3platform.score import UpdateScoreStatus

        if line_item_id not in self.platform.lineitems:
            raise LineItemNotFoundException(line_item_id)
        self.platform.scores.append({"lineitem": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def find_lineitems(self, page: int = 1, limit: int | None = None, **filters: Any) -> Any:
        items = list(self.platform.lineitems.values())
        wanted = {"resourceLinkId": filters.get("resource_link_id"), "tag": filters.get("tag")}
        items = [i for i in items if all(not v or i.get(k) == v for k, v in wanted.items())]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> Any:
        return self.platform.lineitems[line_item_id]

    def create_lineitem(self, creation_data: Any) -> Any:
        number = str(len(self.platform.lineitems) + 1)
        item = {**creation_data, "id": f"{self.platform.base}/lineitems/{number}"}
        self.platform.lineitems[number] = item
        return item

    def update_lineitem(self, update_data: Any) -> Any:  # pragma: no cover - not used
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:  # pragma: no cover - not used
        raise NotImplementedError

    def get_results(self, line_item_id: str, page: int = 1, **kwargs: Any) -> Any:
        return {"content": [], "has_next": False, "next": None}  # pragma: no cover


class Platform:
    """The platform: configure it, start it, make it launch, read what it received."""

    def __init__(self, tool_base: str = "http://localhost") -> None:
        self.private_pem = new_private_pem()
        self.public_pem = public_pem_of(self.private_pem)
        self.tool_base = tool_base
        self.client_id = "lms-tool-client"
        self.deployment_id = "deployment-1"
        self.tool_jwks: dict[str, Any] | None = None
        self.intents: dict[str, Intent] = {}
        self.scores: list[dict[str, Any]] = []
        self.score_requests: list[dict[str, Any]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.deep_link_items: list[dict[str, Any]] = []
        self.assertion_ids: set[str] = set()
        self.refuse_tokens = False
        self.lineitems: dict[str, dict[str, Any]] = {}
        self._hints = itertools.count(1)
        self._rules = Map(
            [
                Rule("/jwks", endpoint="jwks"),
                Rule("/auth", endpoint="auth"),
                Rule("/token", endpoint="token", methods=["POST"]),
                Rule("/lineitems", endpoint="lineitems", methods=["GET", "POST"]),
                Rule("/lineitems/<item>/scores", endpoint="scores", methods=["POST"]),
                Rule("/deep-link-return", endpoint="deep_link_return", methods=["POST"]),
            ]
        )
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self.issuer = self.base
        self.lineitems["1"] = {"id": f"{self.base}/lineitems/1", "scoreMaximum": 100}
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # Life cycle ----------------------------------------------------------------------------

    def start(self) -> Platform:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    # What an administrator types into the tool ------------------------------------------------

    def registration_values(self, **changes: Any) -> dict[str, Any]:
        values = {
            "name": "Test platform",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "auth_login_url": f"{self.base}/auth",
            "auth_token_url": f"{self.base}/token",
            "key_set_url": f"{self.base}/jwks",
            "deployment_ids": self.deployment_id,
        }
        values.update(changes)
        return values

    # Launching ----------------------------------------------------------------------------

    def registration(self, deployment_id: str | None = None) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(deployment_id or self.deployment_id)
            .set_oidc_login_url(f"{self.tool_base}/lti/login")
            .set_launch_url(f"{self.tool_base}/lti/launch")
            .set_deeplink_launch_url(f"{self.tool_base}/lti/launch")
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.private_pem)
            .set_tool_key_set(self.tool_jwks or {"keys": []})  # type: ignore[arg-type]
        )

    def login_url(self, intent: Intent, deployment_id: str | None = None) -> str:
        """The third-party initiated login URL the platform sends the browser to."""
        hint = f"hint-{next(self._hints)}"
        self.intents[hint] = intent
        config = _Config(registration=self.registration(deployment_id))
        login = _Login(None, config)
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(intent.user_id)

    def _auth(self, request: Request) -> Response:
        params = dict(request.args)
        intent = self.intents.get(params.get("lti_message_hint", ""))
        if intent is None or params.get("login_hint") != intent.user_id:
            return Response("unknown login", status=400)
        if (params.get("scope"), params.get("response_type")) != ("openid", "id_token"):
            return Response("bad OIDC request", status=400)
        if params.get("response_mode") != "form_post" or params.get("prompt") != "none":
            return Response("bad OIDC request", status=400)
        if params.get("redirect_uri") != f"{self.tool_base}/lti/launch":
            return Response("redirect_uri not registered", status=400)
        config = _Config(registration=self.registration())
        launch = _Launch(_Request(request), config)
        launch.set_id_token_expiration(intent.expires_in)
        launch.set_user_data(intent.user_id, intent.roles, intent.name, intent.email)
        launch.set_launch_context_claim("context-1", context_title="Pre-deployment 2027")
        if intent.document_target:
            launch.set_launch_presentation_claim(document_target=intent.document_target)
        if intent.deep_linking:
            launch.set_dl(f"{self.base}/deep-link-return", accept_types={"ltiResourceLink"})
        else:
            launch.set_resource_link_claim(intent.resource_link_id, title="Training activity")
        if intent.custom is not None:
            launch.set_custom_parameters_claim(intent.custom)
        if intent.ags and not intent.deep_linking:
            lineitem = f"{self.base}/lineitems/{intent.lineitem}" if intent.lineitem else None
            launch.set_ags(f"{self.base}/lineitems", lineitem)
        if intent.extra_claims:
            launch.set_extra_claims(intent.extra_claims)
        try:
            form = launch.lti_launch()
        except Exception as error:  # noqa: BLE001 - the platform refuses a bad preflight
            return Response(f"refused: {error!r}", status=400)
        return Response(form, mimetype="text/html")

    # Services -----------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        self.token_requests.append(dict(request.form))
        if self.refuse_tokens:
            return Response(json.dumps({"error": "temporarily_unavailable"}), status=503)
        config = _Config(registration=self.registration())
        try:
            claims = config.tool_validate_and_decode(request.form["client_assertion"])
            # What lti1p3platform leaves out: the assertion is the tool's, for this endpoint, fresh.
            assert claims["iss"] == claims["sub"] == self.client_id, "assertion issuer"
            assert claims["aud"] in (f"{self.base}/token", [f"{self.base}/token"]), "audience"
            assert claims["exp"] > time.time(), "expired assertion"
            assert claims["jti"] not in self.assertion_ids, "replayed assertion"
            self.assertion_ids.add(claims["jti"])
            token = config.get_access_token(dict(request.form))
        except Exception as error:  # noqa: BLE001 - any invalid request is refused
            return Response(
                json.dumps({"error": "invalid_client", "detail": repr(error)}),
                status=401,
                mimetype="application/json",
            )
        return Response(json.dumps(token), mimetype="application/json")

    def _gradebook(self, request: Request) -> _Gradebook:
        config = _Config(registration=self.registration())
        return _Gradebook(self, _Request(request), config)

    def _scores(self, request: Request, item: str) -> Response:
        self.score_requests.append(
            {"authorization": request.headers.get("Authorization"), "type": request.content_type}
        )
        if request.content_type != "application/vnd.ims.lis.v1.score+json":
            return Response("wrong media type", status=415)
        service = self._gradebook(request)
        result = service.handle_resp(service.handle_update_score, line_item_id=item)
        return Response(json.dumps(result.result), status=result.code, mimetype=result.media_type)

    def _lineitems(self, request: Request) -> Response:
        service = self._gradebook(request)
        if request.method == "POST":
            result = service.handle_resp(service.handle_create_lineitem)
            body, status = result.result, result.code
        else:
            # lti1p3platform answers with a page object; the specification wants the list.
            if not self._authorised(request):
                return Response("unauthorised", status=401)
            page = service.find_lineitems(resource_link_id=request.args.get("resource_link_id"))
            body, status = page["content"], 200
        return Response(
            json.dumps(body), status=status, mimetype="application/vnd.ims.lis.v2.lineitem+json"
        )

    def _authorised(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        config = _Config(registration=self.registration())
        try:
            return scheme.lower() == "bearer" and config.validate_token(token)
        except Exception:  # noqa: BLE001 - any bad token is refused
            return False

    def _deep_link_return(self, request: Request) -> Response:
        config = _Config(registration=self.registration())
        token = request.form["JWT"]
        try:
            items = config.validate_deeplinking_resp({"JWT": token})
            claims = jwt.decode(
                token,
                options={"verify_signature": False},  # verified just above, with the tool's keys
            )
            assert claims["iss"] == self.client_id and claims["aud"] in (self.issuer, [self.issuer])
            assert claims[CLAIM + "deployment_id"] == self.deployment_id
        except Exception as error:  # noqa: BLE001 - a bad response is refused
            return Response(f"refused: {error!r}", status=400)
        self.deep_link_items.extend(items)
        return Response("content items saved", status=200)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, values = self._rules.bind_to_environ(environ).match()
            if endpoint == "jwks":
                response = Response(
                    json.dumps(
                        {"keys": Registration().set_platform_public_key(self.public_pem).get_jwks()}
                    ),
                    mimetype="application/json",
                )
            else:
                response = getattr(self, f"_{endpoint}")(request, **values)
        except NotFound as error:
            response = error.get_response()
        except HTTPException as error:  # pragma: no cover
            response = error.get_response()
        return response(environ, start_response)


FORM_FIELD = re.compile(r'name="(id_token|state)" value="([^"]*)"')
FORM_ACTION = re.compile(r'<form method="POST" action="([^"]+)"')


def parse_launch_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the platform's auto-submitting launch form."""
    action = FORM_ACTION.search(page)
    assert action, page
    return html.unescape(action.group(1)), {
        name: html.unescape(value) for name, value in FORM_FIELD.findall(page)
    }


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def forged(id_token: str, private_pem: str, kid: str | None = None, **changes: Any) -> str:
    """The same claims (changed as asked) signed with another key, under the given kid."""
    header = jwt.get_unverified_header(id_token)
    claims = jwt.decode(id_token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(
        claims, private_pem, algorithm="RS256", headers={"kid": kid or header.get("kid")}
    )


def random_id() -> str:
    return uuid.uuid4().hex
