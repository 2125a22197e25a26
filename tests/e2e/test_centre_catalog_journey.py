"""An author adds the centre's own driving standard and practical test to a course, in the browser
and without JavaScript-only controls: a refused form first, then criteria rows, then the list."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms.db import db


def _sign_in(page, live_server, email, secret):
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", email)
    page.fill("#secret", secret)
    page.locator("main form button[type=submit]").click()


def _fill_texts(page, prefix, text):
    for field in page.locator(f"[name^='{prefix}-'][lang]").all():
        name = field.get_attribute("name") or ""
        field.fill(f"{text} ({name.rsplit('-', 1)[1]})")


def test_an_author_adds_a_driving_test_of_the_centre(
    page, live_server, live_app, create_account, screenshot
):
    user_id = create_account(
        "trainer", "Dawit Driver", "catalog-pass-2026", email="dawit@catalog.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "dawit@catalog.test", "catalog-pass-2026")
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='sea-zero-tolerance']"))
    form.locator("input[name=slug]").fill("sea-driving")
    form.locator("button[type=submit]").click()
    page.click("text=Own standards and practicals")
    page.click("text=Add a standard")

    page.fill("#code", "SEA-1")  # the UN catalog's: refused, next to the field
    page.fill("#mastery_threshold", "100")
    _fill_texts(page, "title", "Reversing into two bays")
    page.locator("main form button[type=submit]").click()
    assert "is a code of the UN catalog" in page.content()
    assert page.locator("#code[aria-invalid=true]").count() == 1
    screenshot("studio-standard-refused-phone-en")

    page.fill("#code", "DRV-1")
    _fill_texts(page, "description", "Reverses a vehicle into two marked bays within 5 minutes")
    page.locator("main form button[type=submit]").last.click()
    assert "Saved in the draft" in page.content()

    page.click("text=Add a practical test")
    page.fill("#code", "DRV-P1")
    page.select_option("#standard", "DRV-1")
    page.fill("#time_limit", "300")
    _fill_texts(page, "title", "Reversing into two bays")
    _fill_texts(
        page, "instructions", "Two bays marked with cones; the clock starts with the engine"
    )
    _fill_texts(page, "criterion-0", "Checks mirrors before moving")
    page.click("button[value=add-criterion]")
    _fill_texts(page, "criterion-1", "Stops within the bay lines")
    page.uncheck("[name=criterion-1-required]")
    screenshot("studio-rubric-form-phone-en")
    page.click("button[value=save] >> nth=1")
    assert "Saved in the draft" in page.content()
    assert page.locator("text=DRV-P1").count() == 1
    screenshot("studio-catalog-phone-en")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-catalog-desktop-en")

    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content()
    screenshot("studio-catalog-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-catalog-phone-ar")
    page.click("text=DRV-P1")
    screenshot("studio-rubric-form-phone-ar")
