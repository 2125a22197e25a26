"""An author edits a lesson in the browser: previews it, adds an image and a minimum duration,
saves, and the lesson list shows it (phone and desktop, English and Arabic)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import update

from accounts.models import User
from lms.db import db
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.test_studio_journey import _sign_in


def _axe_on(browser, page, paths, language):
    """axe-core's violations on studio pages, in a context that lets its script in (the test's own
    page keeps the content security policy, under which the live preview must work)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        bypass_csp=True,
        storage_state=page.context.storage_state(),
    )
    checker = context.new_page()
    found = {}
    base = page.url.split("/studio/", 1)[0]
    for path in paths:
        checker.goto(base + path)
        if path.endswith(f"/{language}") and "/lessons/" in path:
            with checker.expect_navigation():
                checker.click("button[name=preview]")
        found[path] = axe_violations(checker)
    context.close()
    return {path: violations for path, violations in found.items() if violations}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 160), "steelblue").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_author_edits_and_previews_a_lesson(
    browser, page, live_server, live_app, create_account, screenshot
):
    user_id = create_account(
        "trainer", "Edith Editor", "editor-pass-2026", email="edith@studio.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "edith@studio.test", "editor-pass-2026")
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='safety-security']"))
    form.locator("input[name=slug]").fill("safety-edit")
    form.locator("button[type=submit]").click()
    page.click("text=Images")
    page.set_input_files(
        "input[name=image]",
        files=[{"name": "Route map.png", "mimeType": "image/png", "buffer": _png()}],
    )
    page.locator("main form button[type=submit]").click()
    assert "![description](media/route-map.png)" in page.content()
    page.click("nav.editor-nav >> text=Lessons")
    screenshot("studio-lessons-phone-en")
    page.locator("ol.lesson-list > li").first.locator("a").first.click()
    text = page.locator("textarea[name=text]")
    text.fill(text.input_value() + "\n![The route from the camp](media/route-map.png)\n")
    page.fill("input[name=minutes]", "45")
    # with scripts, the preview follows the typing (static/js/lesson-preview.js)...
    page.wait_for_selector("#preview img[alt='The route from the camp']")
    text.press("End")
    text.type("\nA <b>bold</b> try.")
    page.wait_for_selector("#preview >> text=raw HTML is not allowed")
    text.fill(text.input_value().replace("\nA <b>bold</b> try.", ""))
    # ...and the button re-renders the page with it (the way without scripts)
    with page.expect_navigation():  # not the page the live preview changed: the button's answer
        page.click("button[name=preview]")
    assert "Preview (not saved)" in page.content() and "raw HTML" not in page.content()
    page.wait_for_function("document.querySelector('.preview img').naturalWidth === 320")
    page.locator(".preview").scroll_into_view_if_needed()
    screenshot("studio-lesson-preview-phone-en")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-lesson-preview-desktop-en")
    with page.expect_navigation():
        page.locator("form.editor button[name=save]").first.click()
    assert "The lesson is saved in the draft." in page.content()
    page.goto(page.url.rsplit("/", 1)[0] + "/ar")
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content()
    page.click("button[name=preview]")
    screenshot("studio-lesson-preview-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-lesson-preview-phone-ar")
    page.goto(f"{live_server}/studio/courses/safety-edit/lessons")
    assert "المدة الدنيا: 45 دقيقة" in page.content()
    screenshot("studio-lessons-phone-ar")
    page.goto(f"{live_server}/studio/courses/safety-edit/details")
    screenshot("studio-details-phone-ar")
    page.goto(f"{live_server}/studio/courses/safety-edit/images")
    course = "/studio/courses/safety-edit"
    pages = [f"{course}/{name}" for name in ("details", "lessons", "images")]
    for language in ("en", "ar"):
        lesson = f"{course}/lessons/threat-awareness/{language}"
        assert _axe_on(browser, page, [*pages, lesson], language) == {}
