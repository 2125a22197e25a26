"""An author reads the learning-outcome coverage of a course copied from the bundled SEA course,
on a phone and a desktop, in English and Arabic, without JavaScript-dependent controls."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms.db import db


def test_the_coverage_page_on_a_phone_and_a_desktop(
    page, live_server, live_app, create_account, screenshot
):
    user_id = create_account(
        "trainer", "Omar Outcomes", "outcome-pass-2026", email="omar@outcomes.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", "omar@outcomes.test")
    page.fill("#secret", "outcome-pass-2026")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='sea-zero-tolerance']"))
    form.locator("input[name=slug]").fill("sea-outcomes")
    form.locator("button[type=submit]").click()
    page.click("text=Learning outcome coverage")
    assert page.url.endswith("/studio/courses/sea-outcomes/coverage")
    content = page.content()
    assert "Sexual exploitation and abuse" in content and "Conduct and discipline" in content
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("a[href='#lesson-what-sea-is']")
    assert page.url.endswith("#lesson-what-sea-is")
    screenshot("studio-coverage-phone-en")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-coverage-desktop-en")
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content() and "تغطية نواتج التعلم" in page.content()
    screenshot("studio-coverage-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("studio-coverage-phone-ar")
