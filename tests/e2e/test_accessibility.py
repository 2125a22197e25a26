"""Every page, in the six UN languages, through axe-core's rules (installed from npm by make test);
trainee pages on a phone with tap targets of at least 44 px."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lms.settings import LANGUAGES
from tests.e2e.test_course_journey import LESSONS  # of the same course

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
COURSE = "sea-zero-tolerance"
# What a trainee taps: buttons, fields, menus and the links that act as buttons or navigation.
TAP_TARGETS = (
    "main button:visible, main a.button:visible, main input:not([type=hidden]):visible, "
    "main select:visible, header summary:visible, header nav a:visible, header button:visible"
)


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now: "rule (impact): first targets"."""
    assert AXE.is_file(), "axe-core is not installed (make test runs npm ci in tests/e2e)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in results]


def small_targets(page: Page) -> list[str]:
    found = []
    for element in page.locator(TAP_TARGETS).all():
        if element.get_attribute("type") in ("radio", "checkbox"):  # the label is the target
            element = page.locator(f"label[for='{element.get_attribute('id')}']")
        box = element.bounding_box()
        if box and (box["height"] < 44 or box["width"] < 44):
            found.append(f"{element.evaluate('e => e.outerHTML.slice(0, 80)')} {box}")
    return found


def _sign_in(page: Page, base: str, identifier: str, secret: str) -> None:
    page.goto(f"{base}/sign-in")
    page.locator("#identifier").fill(identifier)
    page.locator("#secret").fill(secret)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_be_visible()


# Rendered HTML does not depend on the database: this walk (about 2.5 minutes) runs in the SQLite
# run of `make test` only, which keeps the suite within its time budget.
@pytest.mark.skipif(
    (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="pages are the same on PostgreSQL; the SQLite run checks them",
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_in_each_language(browser, live_server, create_account, language):
    found: dict[str, list[str]] = {}
    small: dict[str, list[str]] = {}

    def check(page: Page, name: str, phone: bool = False) -> None:
        expect(page.locator("main h1").first).to_be_visible()
        if problems := axe_violations(page):
            found[name] = problems
        if phone and (tiny := small_targets(page)):
            small[name] = tiny

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-GB", bypass_csp=True
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/")
    page.locator(".languages summary").click()
    page.locator(f".languages button[value={language}]").click()
    for path in ("/", "/sign-in", "/verify/", "/verify/NO-SUCH-SERIAL"):
        page.goto(f"{live_server}{path}")
        check(page, f"public {path}", phone=True)

    number = f"AX-{uuid.uuid4().hex[:6].upper()}"
    create_account(
        "trainee", "Amara Okafor", "480215", service_number=number, preferred_language=language
    )
    _sign_in(page, live_server, number, "480215")
    for path in (
        "/home",
        "/courses/",
        f"/courses/{COURSE}",
        "/certificates/",
        "/account/credential",
    ):
        page.goto(f"{live_server}{path}")
        check(page, f"trainee {path}", phone=True)
    page.goto(f"{live_server}/courses/{COURSE}")
    page.locator(f"form[action$='/{COURSE}/enrol'] button").click()
    page.locator("main a.button").first.click()
    check(page, "trainee lesson", phone=True)
    for done in range(1, LESSONS + 1):  # each click loads the next lesson, then the course page
        page.locator("form[action$='/complete'] button").click()
        expect(page.locator("progress").first).to_have_attribute("value", str(done))
    page.goto(f"{live_server}/assessments/{COURSE}/quiz")
    check(page, "trainee quiz", phone=True)
    page.locator("form[action$='/quiz/start'] button").click()
    check(page, "trainee question", phone=True)
    page.locator("main form input[name=answer]").first.check()
    page.locator("button[name=go][value=review]").click()
    check(page, "trainee review", phone=True)
    page.locator("form[action$='/submit'] button").click()
    check(page, "trainee result", phone=True)
    phone.close()

    desktop = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", bypass_csp=True
    )
    page = desktop.new_page()
    page.set_default_timeout(15_000)
    email = f"ax-{uuid.uuid4().hex[:6]}@example.org"
    create_account(
        "trainer", "Tomás Ruiz", "trainer-secret-2026", email=email, preferred_language=language
    )
    _sign_in(page, live_server, email, "trainer-secret-2026")
    for path in ("/home", "/cohorts/", "/evaluations/", "/jobs/", "/assessments/standards"):
        page.goto(f"{live_server}{path}")
        check(page, f"trainer {path}")
    page.goto(f"{live_server}/cohorts/new")
    check(page, "trainer new cohort")
    page.locator("#name").fill(f"Cohort {language}")
    page.locator("#deployment_date").fill("2027-03-01")
    page.locator("input[name=courses]").first.check()
    page.locator("main form button[type=submit]").click()
    check(page, "trainer cohort")
    cohort = page.url
    page.goto(f"{cohort}/dashboard")
    check(page, "trainer dashboard")
    page.goto(f"{live_server}/evaluations/cohorts/{cohort.rsplit('/', 1)[1]}/practical/SAF-P1")
    check(page, "trainer practical form")
    page.context.clear_cookies()
    admin_email = f"ax-admin-{uuid.uuid4().hex[:6]}@example.org"
    create_account(
        "admin", "Ada Mensah", "admin-secret-2026", email=admin_email, preferred_language=language
    )
    _sign_in(page, live_server, admin_email, "admin-secret-2026")
    for path in ("/home", "/admin/users", "/admin/users/new"):
        page.goto(f"{live_server}{path}")
        check(page, f"admin {path}")
    desktop.close()

    report = [f"{name}: {problem}" for name, problems in found.items() for problem in problems]
    assert not report, "axe-core:\n" + "\n".join(report)
    report = [f"{name}: {target}" for name, targets in small.items() for target in targets]
    assert not report, "tap targets under 44 px:\n" + "\n".join(report)
