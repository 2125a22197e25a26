"""The LMS extension: `lms.init_app(app, domains)` wires the shell and the given domains into a
Flask app (a standalone one, or a host application under a path)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from flask import Flask, request
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import assets, outbox, tasks  # noqa: F401 - outbox: its tasks are declared on import
from lms.access import public, refuse_undeclared_routes
from lms.assets import Digests
from lms.cli import register_cli
from lms.converters import IdConverter
from lms.db import db as _database
from lms.errors import register_error_pages
from lms.i18n import init_i18n
from lms.job_views import bp as jobs_bp
from lms.logs import init_request_ids
from lms.pdf import warn_if_slow_fonts
from lms.security import init_security
from lms.settings import load_settings
from lms.urls import require_public_base_url
from lms.views import bp as core_bp

log = logging.getLogger(__name__)


class Domain(Protocol):
    """What a domain gives the shell: its `setup` module (e.g. `accounts.setup`)."""

    def init_app(self, app: Flask, prefix: str) -> set[str]:
        """Register the domain's blueprints (under prefix), commands, receivers and extension
        point answers on the app; return the names of its blueprints."""
        ...


class LMS:
    """The extension object; `init_app` may be called on a standalone or a host application.

    The shell knows no domain: `app.py` lists them, lowest layer first, and passes their setup
    modules to `init_app`.
    """

    def init_app(
        self, app: Flask, domains: Sequence[Domain], url_prefix: str | None = None
    ) -> None:
        """Configure the app and register the shell and every domain (under url_prefix when
        mounted)."""
        _apply_default_settings(app)
        require_public_base_url(app)
        init_request_ids(app)
        if app.config["PROXY_FIX_HOPS"]:
            hops = app.config["PROXY_FIX_HOPS"]
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap middleware
        _database.init_app(app)
        tasks.init_app(app)
        init_i18n(app)
        prefix = (url_prefix or "").rstrip("/")
        host_int = app.url_map.converters["int"]
        app.url_map.converters["int"] = IdConverter
        app.register_blueprint(core_bp, url_prefix=prefix or None)
        app.register_blueprint(jobs_bp, url_prefix=f"{prefix}/jobs")
        names = {core_bp.name, jobs_bp.name}
        for domain in domains:
            names |= domain.init_app(app, prefix)
        if url_prefix:  # mounted: the host's own routes keep the host's converter
            app.url_map.converters["int"] = host_int
        init_security(app, names if url_prefix else None)
        _init_compression(app, names if url_prefix else None)
        _declare_static_routes(app, names)
        refuse_undeclared_routes(app, names)
        register_error_pages(app, names if url_prefix else None)
        register_cli(app)
        warn_if_slow_fonts()
        app.extensions["lms"] = self


def _init_compression(app: Flask, ours: set[str] | None) -> None:
    # gzip or brotli: most trainees are on slow, metered connections. Mounted, only our
    # blueprints' responses are compressed; the host's are left as the host made them.
    if ours is None:
        Compress(app)
        return
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress = Compress(app)

    @app.after_request
    def _compress_ours(response: Any) -> Any:
        return compress.after_request(response) if request.blueprint in ours else response


def _apply_default_settings(app: Flask) -> None:
    # A host's own configuration wins; what it leaves unset comes from the environment.
    defaults = load_settings(app.instance_path, {"SECRET_KEY": app.config.get("SECRET_KEY")})
    for key, value in defaults.items():
        if key not in app.config or app.config[key] is None:
            app.config[key] = value


def _declare_static_routes(app: Flask, names: set[str]) -> None:
    # Static files are public, and served under content-hashed URLs (lms/assets.py): url_for
    # gives the hashed name, which browsers cache for a year.
    endpoints: dict[str, Digests] = {}
    for name in names:
        endpoint = f"{name}.static"
        if endpoint in app.view_functions:
            bound = app.view_functions[endpoint]
            folder = app.blueprints[name].static_folder
            assert folder is not None  # it has a static route
            digests = endpoints[endpoint] = Digests(folder)

            def serve_static(
                filename: str, _bound: Callable[..., Any] = bound, _digests: Digests = digests
            ) -> Any:
                response = assets.serve(_digests, _bound, filename)
                # Our assets are small: read the file now, so that the compressor does not
                # replace an open file stream (it would never be closed).
                response.direct_passthrough = False
                response.make_sequence()
                return response

            app.view_functions[endpoint] = public(serve_static)

    @app.url_defaults
    def _hashed_static_names(endpoint: str, values: dict[str, Any]) -> None:
        digests = endpoints.get(endpoint)
        if digests is not None and "filename" in values:
            values["filename"] = digests.hashed(values["filename"])


lms = LMS()
