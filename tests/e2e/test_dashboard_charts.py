"""The dashboard's charts are readable: every label shown whole, in four scripts and directions, on a
360 px phone and on a desktop, with a table a screen reader reads (headless Chromium)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS

SECRET = "Trainer-charts-2026"
SIZES = {"phone": (360, 740), "desktop": (1280, 900)}


@pytest.fixture(scope="module")
def cohort_url(live_app, live_server):
    """A cohort of the three bundled courses, trainees of every gender and a few ranks."""
    from accounts.models import User
    from cohorts.models import Cohort
    from courses.models import Course
    from lms.db import db
    from tests.conftest import DEFAULT_CENTRE_ID
    from tests.helpers import add_certificate

    tag = uuid.uuid4().hex[:6].upper()
    with live_app.app_context():
        # "Sgt" and "Sergeant" are one bar; "Havildar" is shown as entered.
        ranks = ("Lieutenant-Colonel", "Sergeant", "Sgt", "Corporal", "Havildar", "")
        members = [
            User(
                role="trainee",
                centre_id=DEFAULT_CENTRE_ID,
                service_number=f"CH-{tag}-{n}",
                full_name=f"Trainee {n}",
                gender=("F", "M", "X", None)[n % 4],
                rank=ranks[n % len(ranks)] or None,
                credential_hash="!unusable",
            )
            for n in range(12)
        ]
        cohort = Cohort(name=f"Charts {tag}", country="NPL", centre_id=DEFAULT_CENTRE_ID)
        cohort.members = members
        cohort.courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
        db.session.add(cohort)
        db.session.flush()
        for n, member in enumerate(
            members
        ):  # bars of different lengths: some certified, some ready
            for course in cohort.courses[: n % 4]:
                add_certificate(db.session, member, course, date.today() + timedelta(days=400))
        db.session.commit()
        return cohort.id


def _trainer(create_account, language: str) -> str:
    email = f"charts-{language}-{uuid.uuid4().hex[:6]}@example.org"
    create_account("trainer", "Trainer Charts", SECRET, email=email, preferred_language=language)
    return email


def _add_trainer(live_app, cohort_id: int, email: str) -> None:
    from accounts.models import User
    from cohorts.models import Cohort
    from lms.db import db

    with live_app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.trainers.append(db.session.scalars(select(User).where(User.email == email)).one())
        db.session.commit()


# What is wrong with a label as the reader sees it: nothing drawn, cut by its box, or outside the
# chart or the screen.
LABEL_PROBLEMS = """
(label) => {
  const box = label.getBoundingClientRect();
  const chart = label.closest("table").getBoundingClientRect();
  const problems = [];
  if (box.width < 1 || box.height < 1) problems.push("zero-sized");
  if (label.scrollWidth > label.clientWidth + 1) problems.push("cut");
  if (box.left < chart.left - 1 || box.right > chart.right + 1) problems.push("outside its chart");
  if (box.left < 0 || box.right > document.documentElement.clientWidth) problems.push("off screen");
  const style = getComputedStyle(label);
  if (style.visibility !== "visible" || style.opacity === "0" || style.color === style.backgroundColor)
    problems.push("invisible");
  return problems;
}
"""


@pytest.mark.parametrize("language", ["en", "ar", "zh", "ru"])
def test_every_chart_label_is_shown_whole(
    browser, live_server, live_app, create_account, cohort_url, language
):
    from courses.models import Course
    from lms.db import db

    email = _trainer(create_account, language)
    _add_trainer(live_app, cohort_url, email)
    with live_app.app_context():
        titles = [c.title_in(language) for c in db.session.scalars(select(Course))]
    for size, (width, height) in SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            page.goto(f"{live_server}/sign-in")
            page.locator("#identifier").fill(email)
            page.locator("#secret").fill(SECRET)
            page.locator("main form button[type=submit]").click()
            page.goto(f"{live_server}/cohorts/{cohort_url}/dashboard")
            charts = page.locator("table.chart")
            expect(charts).to_have_count(3)
            labels = page.locator("table.chart tbody th")
            assert labels.count() >= 3 + 4 + 3  # genders, ranks, courses
            for index in range(labels.count()):
                label = labels.nth(index)
                problems = label.evaluate(LABEL_PROBLEMS)
                assert problems == [], (language, size, label.text_content(), problems)
            shown = page.locator("table.chart").nth(2).locator("tbody th").all_text_contents()
            assert sorted(shown) == sorted(titles)  # course names whole, in the reader's language
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # What a screen reader is given: the caption names the table, each row its label and value.
            first = charts.first
            expect(first.locator("caption")).not_to_be_empty()
            expect(first.locator("tbody td .chart-value").first).to_be_visible()
            assert (
                first.locator("svg[aria-hidden=true]").count() == first.locator("tbody tr").count()
            )
            ARTIFACTS.mkdir(exist_ok=True)
            page.locator(".charts").screenshot(
                path=str(ARTIFACTS / f"dashboard-charts-{language}-{size}.png")
            )
        finally:
            context.close()
