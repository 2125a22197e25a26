"""An author sees what is left to translate, translates a stale text into Arabic side by side, and
goes on to the next one."""

from __future__ import annotations

from sqlalchemy import update

from accounts.models import User
from lms import scope
from lms.db import db
from tests.conftest import DEFAULT_CENTRE_ID


def _sign_in(page, live_server, email, secret):
    page.goto(f"{live_server}/sign-in")
    page.fill("#identifier", email)
    page.fill("#secret", secret)
    page.locator("main form button[type=submit]").click()


def _reword_english(live_app, slug: str, user_id: int) -> None:
    """Another author's change: one question's English reworded (its translations go stale) and
    the Russian lesson files removed, Russian marked partial."""
    import yaml

    from studio import drafts
    from studio.translations import Change, apply_translations

    with live_app.test_request_context():
        scope.enter(db.session, DEFAULT_CENTRE_ID)
        draft = drafts.get_draft(slug)
        author = db.session.get(User, user_id)
        files = drafts.draft_files(draft)
        bank = yaml.safe_load(files["questions.yaml"])
        question = bank["questions"][0]
        english = question["text"]["en"]
        # the translations as they stand were made from today's English...
        files = apply_translations(
            files,
            [
                Change(f"question/{question['id']}/text", code, None, english)
                for code in ("fr", "ar", "zh", "es", "ru")
            ],
        )
        # ...which is reworded afterwards
        text = files["questions.yaml"].decode()
        files["questions.yaml"] = text.replace(english, english.rstrip("?") + " today?", 1).encode()
        manifest = yaml.safe_load(files["course.yaml"])
        manifest["languages"] = [code for code in manifest["languages"] if code != "ru"]
        manifest["partial_languages"] = ["ru"]
        files["course.yaml"] = yaml.safe_dump(manifest, allow_unicode=True).encode()
        for name in [n for n in files if n.endswith(".ru.md")][:3]:
            del files[name]
        drafts.save_draft(draft, files, draft.revision, author, "e2e")
        db.session.commit()


def test_an_author_translates_a_stale_text_side_by_side(
    page, live_server, live_app, create_account, screenshot
):
    user_id = create_account("trainer", "Tala Translator", "studio-pass-2026", email="tala@t.test")
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "tala@t.test", "studio-pass-2026")
    page.goto(f"{live_server}/studio/")
    form = page.locator("form", has=page.locator("input[value='safety-security']"))
    form.locator("input[name=slug]").fill("safety-translated")
    form.locator("button[type=submit]").click()
    _reword_english(live_app, "safety-translated", user_id)

    page.goto(f"{live_server}/studio/courses/safety-translated")
    page.click("text=Translations")
    body = page.content()
    assert "1 stale" in body and "3 missing" in body
    assert "Partial: English where a text is missing" in body
    screenshot("studio-translations-phone-en")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-translations-desktop-en")

    page.click("a[href$='/translations/ar']")
    page.click("text=Translate the next missing or stale text")
    assert "The English changed since this translation was made" in page.content()
    textarea = page.locator("textarea#text")
    assert textarea.get_attribute("dir") == "rtl" and textarea.get_attribute("lang") == "ar"
    screenshot("studio-translate-item-desktop-en")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-translate-item-phone-en")
    textarea.fill(textarea.input_value() + " اليوم")
    page.click("text=Save and go to the next text to do")
    assert "Every text is translated and up to date in this language." in page.content()

    page.goto(f"{live_server}/studio/courses/safety-translated/translations/ru")
    page.click("text=Translate the next missing or stale text")
    assert page.locator("textarea#text").input_value() == ""
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    assert 'dir="rtl"' in page.content()
    screenshot("studio-translate-item-phone-ar")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("studio-translate-item-desktop-ar")
    page.goto(f"{live_server}/studio/courses/safety-translated/translations")
    screenshot("studio-translations-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("studio-translations-phone-ar")
