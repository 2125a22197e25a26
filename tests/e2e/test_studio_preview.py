"""An author previews a draft as a French-speaking trainee would: the course, a lesson and the
quiz, answered and submitted, with nothing recorded."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms.db import db
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_accessibility import axe_violations, small_targets
from tests.helpers import table_counts


def _sign_in(page, live_server, email, secret):
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", email)
    page.fill("#secret", secret)
    page.locator("main form button[type=submit]").click()


def test_an_author_previews_the_quiz_in_french(browser, live_server, live_app, create_account):
    # axe-core is added to the page as a script: the context lets it past the CSP.
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-GB", bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    ARTIFACTS.mkdir(exist_ok=True)

    def screenshot(name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def accessible():
        assert axe_violations(page) == []
        if page.viewport_size["width"] == 360:
            assert small_targets(page) == []

    user_id = create_account(
        "trainer", "Paul Preview", "preview-pass-2026", email="paul@preview.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "paul@preview.test", "preview-pass-2026")
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='sea-zero-tolerance']"))
    form.locator("input[name=slug]").fill("sea-preview")
    form.locator("button[type=submit]").click()
    with live_app.app_context():
        counts = table_counts(db.session)

    page.click("text=Preview as a trainee")
    assert page.locator(".preview-banner").inner_text().startswith("Preview - nothing is recorded")
    screenshot("studio-preview-course-phone-en")
    accessible()
    page.locator(".preview-languages a[lang=fr]").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Tolérance zéro" in page.locator("h1").inner_text()
    # The banner stays in the author's language while the page is in French.
    assert "Preview - nothing is recorded" in page.locator(".preview-banner").inner_text()
    page.locator("ol.lessons a").first.click()
    assert page.locator("article.lesson h1").count() == 1
    page.click("text=Toutes les leçons")
    page.click("text=Aller au quiz")
    questions = page.locator(".preview-quiz section.question")
    total = questions.count()
    assert total > 0 and "Question 1 sur" in page.content()
    for index in range(total):
        questions.nth(index).locator("input").first.check()
    screenshot("studio-preview-quiz-phone-fr")
    accessible()
    page.click("text=Envoyer mes réponses")
    assert page.locator("h1").inner_text() == "Votre résultat"
    assert page.locator("ol.results > li").count() == total
    assert page.locator(".explanation").count() == total
    assert page.locator(".preview-banner").count() == 1
    screenshot("studio-preview-result-phone-fr")
    accessible()

    # Arabic: the page right to left, the banner still in English.
    page.locator(".preview-languages a[lang=ar]").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".preview-banner").get_attribute("dir") == "ltr"
    screenshot("studio-preview-quiz-phone-ar")
    page.goto(page.url.replace("/quiz", ""))
    screenshot("studio-preview-course-phone-ar")
    page.locator("ol.lessons a").first.click()
    screenshot("studio-preview-lesson-phone-ar")
    accessible()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-preview-lesson-desktop-ar")
    page.goto(page.url.replace("lang=ar", "lang=en"))
    screenshot("studio-preview-lesson-desktop-en")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-preview-lesson-phone-en")
    with live_app.app_context():
        assert table_counts(db.session) == counts  # nothing of the preview was recorded
    context.close()
