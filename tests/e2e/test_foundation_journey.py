"""A trainee's first sign-in, language switch to Arabic and sign-out; a trainer's home page."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_trainee_first_sign_in_changes_pin_switches_to_arabic_and_signs_out(
    page, live_server, create_account, screenshot
):
    service_number = f"NP-{uuid.uuid4().hex[:6].upper()}"
    create_account("trainee", "सीता श्रेष्ठ", "480257", temporary=True, service_number=service_number)

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Service number or e-mail address").fill(service_number.lower())
    page.get_by_label("PIN or password").fill("480257")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Change your PIN or password")
    page.get_by_label("New PIN or password", exact=True).fill("123456")
    page.get_by_label("Repeat the new PIN or password").fill("123456")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice-error")).to_contain_text("too easy to guess")

    page.get_by_label("New PIN or password", exact=True).fill("739164")
    page.get_by_label("Repeat the new PIN or password").fill("739164")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    expect(page.locator("main")).to_contain_text("सीता श्रेष्ठ")
    screenshot("foundation-trainee-home-en")

    page.locator(".languages summary").click()  # the languages sit in a closed list
    page.get_by_role("button", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    header_box = page.locator(".brand").bounding_box()
    assert header_box["x"] > 360 / 2 - header_box["width"], "brand should sit on the right in RTL"
    screenshot("foundation-trainee-home-ar")

    page.get_by_role("button", name="تسجيل الخروج").click()
    expect(page.get_by_role("link", name="تسجيل الدخول").first).to_be_visible()
    page.goto(f"{live_server}/home")
    expect(page).to_have_url(f"{live_server}/sign-in?next=%2Fhome")


def test_trainer_signs_in_and_sees_their_home(page, live_server, create_account, screenshot):
    email = f"trainer-{uuid.uuid4().hex[:6]}@example.org"
    create_account("trainer", "Amina Trainer", "trainer-secret-2026", email=email)
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Service number or e-mail address").fill(email)
    page.get_by_label("PIN or password").fill("trainer-secret-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cohorts")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Cohorts")
    screenshot("foundation-trainer-home")


def test_keyboard_user_can_skip_to_main_content(page, live_server):
    page.goto(f"{live_server}/sign-in")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
