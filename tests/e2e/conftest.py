"""Browser tests: a live server on its own database, and headless Debian Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from lms import migrate
from tests.conftest import base_config
from tests.helpers import scratch_database

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own (committed data is visible to the server's threads)."""
    with scratch_database(tmp_path_factory.mktemp("e2e"), "e2e") as url:
        yield url


@pytest.fixture(scope="session")
def live_app(live_database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The app on its own migrated database, with the bundled courses loaded."""
    from lms.db import db
    from studio.sync import load_catalog

    migrate.upgrade(live_database_url)
    results = str(tmp_path_factory.mktemp("job-results"))
    app = create_app({**base_config(live_database_url), "JOB_RESULTS_FOLDER": results})
    with app.app_context():
        load_catalog()
        db.session.commit()
    yield app
    app.extensions["lms.db"]["engine"].dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The app served on a free loopback port by a threaded server; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_BASE_URL"] = base  # QR codes lead the browser back to this server
    yield base
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed (make test installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) sized like a cheap phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def create_account(live_app):
    """Create an account in the live server's database and commit it."""
    from accounts import services
    from accounts.models import Centre
    from lms.db import db
    from tests.conftest import DEFAULT_CENTRE_ID

    def _create(role: str, full_name: str, secret: str, temporary: bool = False, **fields):
        with live_app.app_context():
            if role != "platform_admin":
                fields.setdefault("centre", db.session.get(Centre, DEFAULT_CENTRE_ID))
            user, _ = services.create_user(role, full_name, actor=None, secret=secret, **fields)
            user.is_credential_temporary = temporary
            db.session.commit()
            return user.id

    return _create
