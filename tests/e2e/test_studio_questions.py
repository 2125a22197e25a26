"""An author writes a question in the browser: the bank page, a refused save, a saved one."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms.db import db
from tests.e2e.test_studio_journey import _sign_in


def test_an_author_adds_a_question_to_the_bank(
    page, live_server, live_app, create_account, screenshot
):
    user_id = create_account("trainer", "Bank Author", "bank-pass-2026", email="bank@studio.test")
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "bank@studio.test", "bank-pass-2026")
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='sea-zero-tolerance']"))
    form.locator("input[name=slug]").fill("sea-bank")
    form.locator("button[type=submit]").click()
    page.click("text=Question bank")
    assert "The bank passes the checks run at publication." in page.content()
    screenshot("studio-bank-phone-en")
    page.select_option("#kind", "single")
    page.click("text=Write the question")
    page.fill("#text-en", "Who may a peacekeeper pay for sex?")
    for n, text in enumerate(["A local adult who agrees", "Nobody, ever", "A sex worker"]):
        page.fill(f"#option-{n}-en", text)
    page.fill("#explanation-en", "Exchanging money for sex is prohibited in every case.")
    page.click("text=Save the question")
    assert "Mark the correct option." in page.content()  # nothing marked: refused
    screenshot("studio-question-refused-phone-en")
    page.check("#correct-1")
    page.click("text=Save the question")
    assert "is added to the draft" in page.content()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-bank-desktop-en")
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content()
    screenshot("studio-bank-desktop-ar")
    page.goto(page.url.split("#")[0] + "/new?kind=scenario&standard=SEA-2")
    screenshot("studio-question-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-question-phone-ar")
    page.goto(page.url.split("/new")[0])
    screenshot("studio-bank-phone-ar")
