"""The standalone application: `flask --app app run` or `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask

from lms import lms
from lms.settings import load_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the LMS as a standalone Flask application."""
    app = Flask(__name__, static_folder=None, template_folder=None, instance_relative_config=True)
    app.config.update(load_settings(app.instance_path, config))
    lms.init_app(app)
    # Everything created so far lives as long as the process: keep it out of the cyclic garbage
    # collector's scans (each scan walks every tracked object; see lms/perf.py).
    gc.collect()
    gc.freeze()
    return app
