"""Fixtures of the shell's tests."""

from __future__ import annotations

import logging

import pytest

from lms.logs import LOG_FORMAT, RequestIdFilter


@pytest.fixture
def our_log_lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog, its lines formatted as lms/logs.py formats them in production."""
    caplog.handler.setFormatter(logging.Formatter(LOG_FORMAT))
    caplog.handler.addFilter(RequestIdFilter())
    return caplog
