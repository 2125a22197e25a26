"""The store's credentials stay secret: not in dead letters, retry notes or logs, and never sent
to another address by a redirect."""

from __future__ import annotations

import base64
import logging

import pytest
from werkzeug.wrappers import Response

from tests.xapi.lrs import PASSWORD, USERNAME, LearningRecordStore
from tests.xapi.steps import deliver, enrol_and_read, xapi_messages

BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()


@pytest.mark.parametrize("status", [400, 503])
def test_a_store_that_echoes_the_request_leaks_no_credential(
    app, client, db_session, lrs, trainee, caplog, status
):
    # A misbehaving store (or a proxy in front of it) that echoes the request's headers back.
    lrs.forced = Response(
        f"bad request; you sent Authorization: Basic {BASIC} (user {USERNAME}, "
        f"password {PASSWORD})",
        status,
    )
    enrol_and_read(client)
    with caplog.at_level(logging.DEBUG):
        report = deliver(app)
    assert report.dead + report.retrying == 1
    [message] = xapi_messages(db_session)
    assert str(status) in (message.last_error or "")
    for secret in (BASIC, PASSWORD):
        assert secret not in (message.last_error or "")
        assert secret not in caplog.text


def test_a_redirect_is_not_followed_with_the_credentials(app, client, db_session, lrs, trainee):
    elsewhere = LearningRecordStore()
    elsewhere.start()
    try:
        lrs.forced = Response(
            status=307, headers={"Location": f"{elsewhere.url}statements?statementId=x"}
        )
        enrol_and_read(client)
        assert deliver(app).dead == 1
        assert elsewhere.requests == []
        [message] = xapi_messages(db_session)
        assert "307" in (message.last_error or "") and "XAPI_ENDPOINT" in message.last_error
    finally:
        elsewhere.stop()
