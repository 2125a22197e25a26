"""An author copies a bundled course into the centre, publishes it, and sees its history."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms.db import db


def _sign_in(page, live_server, email, secret):
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", email)
    page.fill("#secret", secret)
    page.locator("main form button[type=submit]").click()


def test_an_author_copies_and_publishes_a_course(
    page, live_server, live_app, create_account, screenshot
):
    user_id = create_account(
        "trainer", "Amina Author", "studio-pass-2026", email="amina@studio.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "amina@studio.test", "studio-pass-2026")
    page.click("text=Course studio")
    screenshot("studio-home-phone-en")
    form = page.locator("form", has=page.locator("input[value='sea-zero-tolerance']"))
    form.locator("input[name=slug]").fill("sea-journey")
    form.locator("button[type=submit]").click()
    assert page.url.endswith("/studio/courses/sea-journey")
    page.click("text=Check and publish")
    assert "Version 2.2 is published." in page.content()
    screenshot("studio-course-phone-en")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-course-desktop-en")
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content()
    screenshot("studio-course-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-course-phone-ar")
    page.goto(f"{live_server}/courses/sea-journey")
    assert page.locator("h1").count() == 1
