"""Command-line interface of the lti package."""

from __future__ import annotations

from flask.cli import AppGroup

lti_cli = AppGroup("lti", help="LTI 1.3: platforms registered with this tool.")
