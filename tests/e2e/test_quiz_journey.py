"""Read a course, fail the quiz, review the weak standard, pass, see completion (headless Chromium)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import select

COURSE = "strategic-communication"


def _correct_keys(live_app, attempt_id):
    from assessments.models import AttemptItem
    from lms.db import db

    with live_app.app_context():
        items = db.session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
        ).all()
        return {
            item.position: (item.correct_keys, [o["key"] for o in item.served["options"]])
            for item in items
        }


def attempt_of(page):
    """The attempt a question page belongs to (the start shows question 1 without a redirect)."""
    return int(page.locator("#answer-form").get_attribute("data-attempt").split("-")[0])


def _sign_in_with_lessons_done(page, live_server, service_number, secret):
    """Sign in as the trainee, enrol in the course and complete every lesson."""
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(service_number)
    page.locator("#secret").fill(secret)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/courses/{COURSE}")
    page.locator(f"form[action$='/{COURSE}/enrol'] button").click()
    page.locator("main a.button").first.click()
    while page.locator("form[action$='/complete'] button").count():
        page.locator("form[action$='/complete'] button").click()


def _take_quiz(page, live_server, live_app, wrong_standard=None):
    page.goto(f"{live_server}/assessments/{COURSE}/quiz")
    page.locator(f"form[action$='/{COURSE}/quiz/start'] button").click()
    attempt_id = attempt_of(page)
    answers = _correct_keys(live_app, attempt_id)
    for position in sorted(answers):
        correct, keys = answers[position]
        wrong = wrong_standard is not None and position % 2 == 1
        chosen = [k for k in keys if k not in correct][:1] if wrong else correct
        for key in chosen:
            page.locator(f"#o-{key}").check()
        last = position == len(answers)
        page.locator(
            "button[name=go][value=review]" if last else "button[name=go][value=next]"
        ).click()
    expect(page.locator("form[action$='/submit'] button")).to_be_visible()
    page.locator("form[action$='/submit'] button").click()
    return attempt_id


def test_fail_review_the_weak_standard_pass_and_complete(
    page, live_server, live_app, create_account, screenshot
):
    service_number = f"RW-{uuid.uuid4().hex[:6].upper()}"
    create_account("trainee", "Jean-Paul Habimana", "580317", service_number=service_number)
    _sign_in_with_lessons_done(page, live_server, service_number, "580317")

    page.goto(f"{live_server}/assessments/{COURSE}/quiz")
    expect(page.locator("main")).to_contain_text("answers saved before the deadline")
    _take_quiz(page, live_server, live_app, wrong_standard=True)
    expect(page.locator(".notice-error")).to_contain_text("Not passed")
    screenshot("quiz-failed-result")
    weak_links = page.locator("main ul a[href*='/lessons/']")
    expect(weak_links.first).to_be_visible()
    weak_links.first.click()
    expect(page.locator("article.lesson h1")).to_be_visible()

    _take_quiz(page, live_server, live_app)
    expect(page.locator(".notice-success")).to_contain_text("Passed")
    screenshot("quiz-passed-result")
    page.goto(f"{live_server}/courses/{COURSE}")
    checklist = page.locator("ul.checklist")
    expect(checklist).to_contain_text("✓ Every lesson complete")
    expect(checklist).to_contain_text("✓ Quiz passed")
    # The course also requires its observed role-play (SC-P1), which a trainer records.
    expect(checklist).to_contain_text("○ Practical evaluation SC-P1 passed")
    expect(page.locator(".notice-success")).to_have_count(0)
    screenshot("quiz-course-after-quiz")


def test_enter_goes_forward_and_a_question_number_keeps_the_answer(
    page, live_server, live_app, create_account
):
    service_number = f"RK-{uuid.uuid4().hex[:6].upper()}"
    create_account("trainee", "Amina Diallo", "580318", service_number=service_number)
    _sign_in_with_lessons_done(page, live_server, service_number, "580318")
    page.goto(f"{live_server}/assessments/{COURSE}/quiz")
    page.locator(f"form[action$='/{COURSE}/quiz/start'] button").click()
    attempt_id = attempt_of(page)
    answers = _correct_keys(live_app, attempt_id)

    page.locator("button[name=go][value=next]").click()  # question 2 has a "back" button
    assert page.url.endswith("/questions/2")
    page.locator(f"#o-{answers[2][1][0]}").check()
    page.locator(f"#o-{answers[2][1][0]}").press("Enter")  # Enter on an answer goes forward
    page.wait_for_url("**/questions/3")

    page.locator(f"#o-{answers[3][1][0]}").check()
    page.locator(".question-nav button[value='1']").click()  # moving by number saves
    page.wait_for_url("**/questions/1")
    expect(page.locator(".question-nav li").nth(2)).to_contain_text("✓")
    expect(page.locator(".question-nav li").nth(1)).to_contain_text("✓")
    page.locator(".question-nav button[value='3']").click()
    expect(page.locator(f"#o-{answers[3][1][0]}")).to_be_checked()
