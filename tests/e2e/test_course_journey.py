"""A trainee goes through a whole course in French, Arabic (right to left), Spanish and Russian."""

from __future__ import annotations

import uuid

import pytest
import yaml
from playwright.sync_api import expect

from studio.loader import CATALOG_DIR

COURSE = "sea-zero-tolerance"
LESSONS = len(
    yaml.safe_load((CATALOG_DIR / COURSE / "course.yaml").read_text(encoding="utf-8"))["lessons"]
)


def _sign_in(page, live_server, service_number, secret):
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(service_number)
    page.locator("#secret").fill(secret)
    page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(
    ("language", "direction", "enrol_word"),
    [
        ("fr", "ltr", "S’inscrire"),
        ("ar", "rtl", None),
        ("es", "ltr", "Inscribirse"),
        ("ru", "ltr", "Записаться"),
    ],
)
def test_whole_course_in_four_languages(
    page, live_server, create_account, screenshot, language, direction, enrol_word
):
    service_number = f"SN-{uuid.uuid4().hex[:6].upper()}"
    create_account(
        "trainee",
        "Aminata Diop",
        "731846",
        service_number=service_number,
        preferred_language=language,
    )
    _sign_in(page, live_server, service_number, "731846")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", direction)

    page.goto(f"{live_server}/courses/{COURSE}")
    if enrol_word:
        expect(page.locator("main form button[type=submit]").first).to_have_text(enrol_word)
    page.locator(f"form[action$='/{COURSE}/enrol'] button").click()
    screenshot(f"course-{language}-course-page")
    page.locator("main a.button").first.click()  # start the course

    for number in range(1, LESSONS + 1):
        expect(page.locator("article.lesson h1")).to_be_visible()
        assert page.locator("article.lesson").get_attribute("lang") is None, (
            "lesson shown in the user's language"
        )
        expect(page.locator("progress")).to_have_attribute("value", str(number - 1))
        if number == 3:
            screenshot(f"course-{language}-lesson-3")
        page.locator("form[action$='/complete'] button").click()

    expect(page.locator("progress").first).to_have_attribute("value", str(LESSONS))
    expect(page.locator(f"a[href$='/assessments/{COURSE}/quiz']")).to_be_visible()
    screenshot(f"course-{language}-complete")
    page.locator(f"a[href$='/assessments/{COURSE}/quiz']").click()
    expect(page.locator("h1")).to_be_visible()
    assert "403" not in page.title()


def test_untranslated_lesson_shows_english_with_a_notice(page, live_server, create_account):
    service_number = f"CN-{uuid.uuid4().hex[:6].upper()}"
    create_account(
        "trainee", "王芳", "586204", service_number=service_number, preferred_language="ar"
    )
    _sign_in(page, live_server, service_number, "586204")
    page.goto(f"{live_server}/courses/strategic-communication")
    page.locator("form[action$='/strategic-communication/enrol'] button").click()
    page.goto(f"{live_server}/courses/strategic-communication/lessons/why-communication-matters")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # Arabic lesson files exist for this course even though its quiz is not yet in Arabic.
    expect(page.locator("article.lesson")).to_be_visible()
