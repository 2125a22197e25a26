"""Fixtures of the xAPI tests: a real learning record store over HTTP, and an app that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.xapi.lrs import PASSWORD, USERNAME, LearningRecordStore

BASE = "https://training.example.org"


@pytest.fixture
def lrs() -> Iterator[LearningRecordStore]:
    """The store, listening on a free port of 127.0.0.1 for the length of a test."""
    store = LearningRecordStore()
    store.start()
    yield store
    store.stop()


@pytest.fixture
def app_config(lrs: LearningRecordStore) -> dict[str, Any]:
    # Delivery is driven by the tests (outbox.deliver_due), except where a test turns it back on.
    return {
        "XAPI_ENDPOINT": lrs.url,
        "XAPI_USERNAME": USERNAME,
        "XAPI_PASSWORD": PASSWORD,
        "XAPI_TIMEOUT": 1.0,
        "PUBLIC_BASE_URL": BASE,
        "OUTBOX_QUEUE_DELIVERY": False,
    }


@pytest.fixture
def trainee(client, login_as, load_course):
    """A trainee signed in on `client`, with the mini course loaded."""
    load_course()
    return login_as("trainee", full_name="Sita Gurung")
