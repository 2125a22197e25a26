"""A small learning record store over real HTTP, for the tests: started on 127.0.0.1 (a free port)
in a thread, it checks Basic auth, the version header and the statement's shape, keeps statements
by id (PUT of a known id: 204 if it matches, 409 if not, as the xAPI spec says), and can be taken
down: answering 503, answering too slowly, or stopped altogether (connection refused)."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import datetime
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

USERNAME, PASSWORD = "lms-key", "lms-secret-Ω"
IRI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$")
# Properties the spec leaves out when it compares a statement with the one already stored.
NOT_COMPARED = ("timestamp", "stored", "authority", "version")


def shape_errors(statement: dict[str, Any], statement_id: str) -> list[str]:
    """What makes a statement unacceptable (a minimal check of the xAPI 1.0.3 data model)."""
    errors = []
    if statement.get("id") != statement_id:
        errors.append("id differs from statementId")
    try:
        uuid.UUID(statement_id)
    except ValueError:
        errors.append("statementId is not a UUID")
    account = statement.get("actor", {}).get("account", {})
    if not (IRI.match(account.get("homePage", "")) and account.get("name")):
        errors.append("actor needs an account with homePage and name")
    verb = statement.get("verb", {})
    if not (IRI.match(verb.get("id", "")) and verb.get("display")):
        errors.append("verb needs an IRI id and a display")
    activity = statement.get("object", {})
    if activity.get("objectType", "Activity") != "Activity" or not IRI.match(
        activity.get("id", "")
    ):
        errors.append("object must be an activity with an IRI id")
    score = statement.get("result", {}).get("score")
    if score is not None and not (
        -1 <= score.get("scaled", 0) <= 1 and score["min"] <= score["raw"] <= score["max"]
    ):
        errors.append("score out of range")
    try:
        moment = datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
        assert moment.tzinfo is not None
    except (KeyError, ValueError, AssertionError):
        errors.append("timestamp must be ISO 8601 with a time zone")
    return errors


class LearningRecordStore:
    """The store: `url` is its xAPI endpoint; `mode` is "up", "503" or "slow"."""

    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int]] = []  # (method, statementId, status answered)
        self.mode = "up"
        self.forced: Response | None = None  # an answer given to every request, whatever it is
        self.slow_seconds = 2.0
        self.port = 0
        self._server: BaseWSGIServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xapi/"

    def start(self) -> None:
        """Listen (on the same port as before when restarted)."""
        self._server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def puts_of(self, statement_id: str) -> int:
        """How many times a statement was accepted (stored or found identical)."""
        return sum(
            1 for method, sid, status in self.requests if sid == statement_id and status == 204
        )

    def by_verb(self, verb: str) -> list[dict[str, Any]]:
        """The stored statements with this verb (by its English display), in the order stored."""
        return [s for s in self.statements.values() if s["verb"]["display"]["en-US"] == verb]

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.answer(request)
        with self._lock:
            sid = request.args.get("statementId", "")
            self.requests.append((request.method, sid, response.status_code))
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        if self.forced is not None:
            return self.forced
        if self.mode == "503":
            return Response("down for maintenance", 503)
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (USERNAME, PASSWORD):
            return Response("bad credentials", 401, {"WWW-Authenticate": 'Basic realm="LRS"'})
        if not request.headers.get("X-Experience-API-Version", "").startswith("1.0."):
            return Response("X-Experience-API-Version header missing", 400)
        if request.path != "/xapi/statements" or request.method != "PUT":
            return Response("not found", 404)
        if request.mimetype != "application/json":
            return Response("JSON expected", 400)
        return self.store(request.args.get("statementId", ""), json.loads(request.get_data()))

    def store(self, statement_id: str, statement: dict[str, Any]) -> Response:
        errors = shape_errors(statement, statement_id)
        if errors:
            return Response("; ".join(errors), 400)
        with self._lock:
            known = self.statements.get(statement_id)
            if known is None:
                self.statements[statement_id] = statement
            elif _compared(known) != _compared(statement):
                return Response("a different statement has this id", 409)
        return Response(status=204, headers={"X-Experience-API-Version": "1.0.3"})


def _compared(statement: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in statement.items() if key not in NOT_COMPARED}
