"""Spanish and Russian on a phone: the interface and the course in the reader's language, no
fallback notice, and a header that leaves a phone its screen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_course_journey import _sign_in


@pytest.mark.parametrize(
    ("language", "enrol_word", "title"),
    [
        ("es", "Inscribirse", "Tolerancia cero"),
        ("ru", "Записаться", "Нулевая терпимость"),
    ],
)
def test_a_trainee_in_spanish_or_russian_on_a_phone(
    page, live_server, create_account, screenshot, language, enrol_word, title
):
    service_number = f"SR-{uuid.uuid4().hex[:6].upper()}"
    create_account(
        "trainee",
        "Lucía Fernández",
        "580999",
        service_number=service_number,
        preferred_language=language,
    )
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, live_server, service_number, "580999")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.goto(f"{live_server}/courses/sea-zero-tolerance")
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 740 / 5, f"the header takes {header['height']} of 740 px"
    expect(page.locator("main form button[type=submit]").first).to_have_text(enrol_word)
    expect(page.locator("main h1")).to_contain_text(title)
    assert page.locator("main h1").get_attribute("lang") is None  # the page's own language
    expect(page.locator("main .notice-warning")).to_have_count(0)  # no fallback to English
    screenshot(f"six-languages-{language}-course")
    page.locator(".languages summary").click()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("main .notice-warning")).to_have_count(0)
