"""The standalone application: `flask --app app run` or `gunicorn 'app:create_app()'`.

The one place that lists the domains, lowest layer first (the order docs/architecture.md gives and
import-linter enforces): each may import only the ones before it.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask

import accounts.setup
import api.setup
import assessments.setup
import badges.setup
import certificates.setup
import cohorts.setup
import courses.setup
import lti.setup
import studio.setup
import xapi.setup
from demo import demo_cli
from lms import LMS, lms
from lms.cli import add_commands
from lms.logs import configure_logging
from lms.settings import load_settings

DOMAINS = (
    accounts.setup,
    courses.setup,
    assessments.setup,
    studio.setup,
    certificates.setup,
    cohorts.setup,
    lti.setup,
    xapi.setup,
    badges.setup,
    api.setup,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the LMS as a standalone Flask application."""
    app = Flask(__name__, static_folder=None, template_folder=None, instance_relative_config=True)
    app.config.update(load_settings(app.instance_path, config))
    configure_logging(app.config["LOG_LEVEL"])
    lms.init_app(app, DOMAINS)
    add_commands(app, demo_cli)
    # Everything created so far lives as long as the process: keep it out of the cyclic garbage
    # collector's scans (each scan walks every tracked object; see lms/perf.py).
    gc.collect()
    gc.freeze()
    return app


def mount(host: Flask, url_prefix: str) -> LMS:
    """Mount the LMS into a host Flask application under url_prefix (see docs/mounting.md)."""
    extension = LMS()
    extension.init_app(host, DOMAINS, url_prefix=url_prefix)
    return extension
