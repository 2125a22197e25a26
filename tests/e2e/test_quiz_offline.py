"""A quiz over a link that drops (headless Chromium with scripts): the trainee keeps answering
offline, the answers wait on the device, go through when the link is back, and all count."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.test_quiz_journey import (
    COURSE,
    _correct_keys,
    _sign_in_with_lessons_done,
    attempt_of,
)


def _counted(live_app, attempt_id):
    from assessments.models import AttemptResult
    from lms.db import db

    with live_app.app_context():
        result = db.session.scalars(
            select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)
        ).one()
        return {int(item_id): keys for item_id, keys in result.counted_answers.items()}, result


def test_answers_given_while_the_link_is_down_are_kept_and_all_count(
    page, live_server, live_app, create_account, screenshot
):
    service_number = f"SAT-{uuid.uuid4().hex[:6].upper()}"
    create_account("trainee", "Grace Nakato", "580319", service_number=service_number)
    _sign_in_with_lessons_done(page, live_server, service_number, "580319")
    page.goto(f"{live_server}/assessments/{COURSE}/quiz")
    page.locator(f"form[action$='/{COURSE}/quiz/start'] button").click()
    attempt_id = attempt_of(page)
    answers = _correct_keys(live_app, attempt_id)
    total = len(answers)
    expect(page.locator("#answer-form[data-ready]")).to_have_count(1)  # every question at hand
    page.wait_for_url(f"**/attempts/{attempt_id}/questions/1")  # its own address, not the start's
    status = page.locator("#save-status")

    def answer(position):
        expect(page.locator(".quiz-meta")).to_contain_text(f"Question {position} of {total}")
        for key in answers[position][0]:
            page.locator(f"#o-{key}").check()
        last = position == total
        page.locator(f"#answer-form button[value={'review' if last else 'next'}]").click()

    for position in (1, 2):
        answer(position)
    expect(status).to_have_text("All your answers are saved.")

    page.context.set_offline(True)  # the link drops
    for position in range(3, 9):
        answer(position)  # the next question comes at once: nothing is waited for
    expect(status).to_have_text("Waiting for the connection. Answers kept on this device: 6")
    expect(page.locator(".question-nav li").nth(7)).to_contain_text("✓")
    screenshot("quiz-offline-answers-kept")
    # Going back a question offline shows the answer kept on the device.
    page.go_back()
    expect(page.locator(".quiz-meta")).to_contain_text(f"Question 8 of {total}")
    for key in answers[8][0]:
        expect(page.locator(f"#o-{key}")).to_be_checked()
    page.go_forward()
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('lms-quiz'))")
    assert len(kept) == 1

    page.context.set_offline(False)  # the link comes back: what was kept goes through
    expect(status).to_have_text("All your answers are saved.", timeout=30_000)
    assert page.evaluate("localStorage.length") == 0
    for position in range(9, total + 1):
        answer(position)
    expect(page.locator("ol.review")).to_be_visible()
    expect(page.locator("#unanswered")).to_be_hidden()
    page.locator("form[action$='/submit'] button").click()
    expect(page.locator(".notice-success")).to_contain_text("Passed")

    counted, result = _counted(live_app, attempt_id)
    assert len(counted) == total and result.passed and result.percent == 100
