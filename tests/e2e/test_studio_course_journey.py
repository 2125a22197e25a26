"""Issue 19 point 8 in a real browser: an author creates a course from nothing in English and French,
tags its lessons and questions with CPTM 2017 outcomes, publishes it; a trainee of the centre takes
it and gets a certificate; the author changes one lesson and publishes the next version; the
trainee's other lesson still counts.

Six questions cannot make a publishable course: the publisher's pass rule (studio/pass_rule.py)
needs at least 15 questions drawn per attempt for a trainee at 90% to pass 9 times in 10 and one at
60% to fail 9 times in 10, and the pool rule needs questions_per_standard x min(3, max_attempts)
questions per standard. The author therefore writes 15 questions (one standard, 15 per attempt, one
attempt before the cool-down), six of them first, and the test checks that publication refuses the
six-question bank."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import update

from accounts.models import User
from lms.db import db
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_quiz_journey import _correct_keys, attempt_of
from tests.e2e.test_studio_editor_journey import _axe_on
from tests.e2e.test_studio_journey import _sign_in

SLUG = "radio-procedure-journey"
STANDARD = "SEA-1"
LESSON_OUTCOMES = {"reporting-channels": "CPTM-2017 3.4 LO1", "what-to-report": "CPTM-2017 3.4 LO2"}
QUESTION_OUTCOMES = ("CPTM-2017 3.4 LO1", "CPTM-2017 3.4 LO2")
LESSONS = {
    "reporting-channels": (
        "Reporting channels",
        "# Reporting channels\n\nReport misconduct through the **conduct and discipline** focal"
        " point of your mission.\n\n## Scenario\n\nA colleague tells you about an incident.\n",
        "# Canaux de signalement\n\nSignalez toute faute au **point focal déontologie et"
        " discipline** de votre mission.\n\n## Scénario\n\nUn collègue vous parle d'un incident.\n",
    ),
    "what-to-report": (
        "What to report",
        "# What to report\n\nWho, what, where and when: write down the facts you saw.\n\n"
        "## Scenario\n\nYou see a vehicle stop at night near a camp.\n",
        "# Que signaler\n\nQui, quoi, où et quand : notez les faits que vous avez vus.\n\n"
        "## Scénario\n\nVous voyez un véhicule s'arrêter la nuit près d'un camp.\n",
    ),
}


def _unfold_outcomes(page, lesson: str) -> None:
    """Open a framework lesson's group of outcome ticks unless it is open already (groups the course
    already uses elsewhere open unfolded)."""
    group = page.locator(
        "fieldset.outcome-fields details", has=page.locator("summary", has_text=lesson)
    )
    if group.get_attribute("open") is None:
        group.locator("summary").click()


def _question(page, course, n):
    """Question n, single answer, in English and French, its correct option at a varying place
    (all options of the same length: the bank checks refuse a correct option always longest)."""
    page.goto(f"{course}/questions/new?kind=single")
    page.fill("#text-en", f"Which point of contact handles case number {n:02d}?")
    page.fill("#text-fr", f"Quel point de contact traite le cas numéro {n:02d} ?")
    words = [("north", "nord"), ("south", "sud"), ("east", "est")]
    for row, (english, french) in enumerate(words):
        page.fill(f"#option-{row}-en", f"The {english} office, desk {n:02d}")
        page.fill(f"#option-{row}-fr", f"Le bureau {french}, guichet {n:02d}")
    page.check(f"#correct-{n % 3}")
    page.fill("#explanation-en", f"Case {n:02d} goes to the {words[n % 3][0]} office.")
    page.fill("#explanation-fr", f"Le cas {n:02d} va au bureau {words[n % 3][1]}.")
    reference = QUESTION_OUTCOMES[n % 2]
    _unfold_outcomes(page, "CPTM-2017 3.4")
    page.check(f"input[name=outcomes][value='{reference}']")
    page.click("text=Save the question")
    expect(page.locator("main")).to_contain_text("is added to the draft")


def _publish(page, course):
    page.goto(course)
    page.click("text=Check and publish")


def _read_lessons_and_pass(page, live_server, live_app):
    page.goto(f"{live_server}/courses/{SLUG}")
    page.locator("main a.button").first.click()
    while page.locator("form[action$='/complete'] button").count():
        page.locator("form[action$='/complete'] button").click()
    page.goto(f"{live_server}/assessments/{SLUG}/quiz")
    page.locator(f"form[action$='/{SLUG}/quiz/start'] button").click()
    answers = _correct_keys(live_app, attempt_of(page))
    assert len(answers) == 15
    for position in sorted(answers):
        for key in answers[position][0]:
            page.locator(f"#o-{key}").check()
        last = position == len(answers)
        page.locator(f"button[name=go][value={'review' if last else 'next'}]").click()
    page.locator("form[action$='/submit'] button").click()
    expect(page.locator(".notice-success")).to_contain_text("Passed")


def test_a_course_from_nothing_to_a_certificate_and_a_second_version(
    browser, page, live_server, live_app, create_account, screenshot, tmp_path
):
    author_id = create_account(
        "trainer", "Journey Author", "journey-pass-2026", email="journey@studio.test"
    )
    with live_app.app_context():
        db.session.execute(update(User).where(User.id == author_id).values(is_course_author=True))
        db.session.commit()
    _sign_in(page, live_server, "journey@studio.test", "journey-pass-2026")
    course = f"{live_server}/studio/courses/{SLUG}"

    # a new course from nothing: a refused try, then the draft
    page.goto(f"{live_server}/studio/")
    page.click("text=New course")
    page.fill("#slug", SLUG)
    page.fill("#title", "Reporting misconduct")
    page.click("text=Create the course")
    expect(page.locator("#standards-error")).to_contain_text("Choose at least one standard.")
    screenshot("journey-new-course-refused-phone-en")
    page.check(f"input[name=standards][value='{STANDARD}']")
    page.click("text=Create the course")
    assert page.url == course
    expect(page.locator("main")).to_contain_text("is created as a draft")

    # details: English and French, a quiz rule a 15-question bank satisfies
    page.goto(f"{course}/details")
    page.check("input[name=languages][value=fr]")
    page.fill("#title_fr", "Signaler les fautes")
    page.fill("#summary_en", "Where and how to report misconduct.")
    page.fill("#summary_fr", "Où et comment signaler une faute.")
    for name, value in {
        "pass_mark": "75",
        "validity_months": "24",
        "questions_per_standard": "15",
        "standard_threshold": "75",
        "time_limit_minutes": "30",
        "max_attempts": "1",
        "cooldown_hours": "24",
    }.items():
        page.fill(f"#{name}", value)
    page.locator("button[name=save]").click()
    expect(page.locator("main")).to_contain_text("The course details are saved in the draft.")

    # two lessons, written in the editor in both languages, ticked with CPTM outcomes
    for slug, (title, english, french) in LESSONS.items():
        page.goto(f"{course}/lessons")
        page.fill("input[name=slug]", slug)
        page.fill("input[name=title]", title)
        page.locator("form", has=page.locator("input[name=title]")).locator("button").click()
        page.fill("textarea[name=text]", english)
        page.check(f"input[name=standards][value='{STANDARD}']")
        page.fill("input[name=minutes]", "30")
        _unfold_outcomes(page, "CPTM-2017 3.4")
        page.check(f"input[name=outcomes][value='{LESSON_OUTCOMES[slug]}']")
        if slug == "what-to-report":
            screenshot("journey-lesson-outcomes-phone-en")
        with page.expect_navigation():
            page.locator("form.editor button[name=save]").first.click()
        expect(page.locator("main")).to_contain_text("The lesson is saved in the draft.")
        page.goto(f"{course}/lessons/{slug}/fr")
        page.fill("textarea[name=text]", french)
        with page.expect_navigation():
            page.locator("form.editor button[name=save]").first.click()
        expect(page.locator("main")).to_contain_text("The lesson is saved in the draft.")
        page.goto(f"{course}/lessons/{slug}/en")  # the French save kept the ticks
        expect(page.locator(f"input[value='{LESSON_OUTCOMES[slug]}']")).to_be_checked()

    # six questions: publication says why six cannot be enough
    for n in range(1, 7):
        _question(page, course, n)
    _publish(page, course)
    report = page.locator("main")
    expect(report).to_contain_text(f"standard {STANDARD} has 6 questions; the quiz draws 15")
    screenshot("journey-six-questions-refused-phone-en")
    for n in range(7, 16):
        _question(page, course, n)

    # coverage: both outcomes taught and assessed
    page.goto(f"{course}/coverage")
    for outcome in ("LO1", "LO2"):
        row = page.locator(f"[id='outcome-CPTM-2017-3.4-{outcome}']")
        expect(row).to_contain_text("Taught and assessed")
    screenshot("journey-coverage-phone-en")

    _publish(page, course)
    expect(page.locator("main")).to_contain_text("Version 1.0 is published.")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("journey-published-desktop-en")
    page.set_viewport_size({"width": 360, "height": 740})

    # a trainee of the centre finds it, reads both lessons, passes the quiz, gets a certificate
    trainee = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    learner = trainee.new_page()
    learner.set_default_timeout(15_000)
    service_number = f"JR-{uuid.uuid4().hex[:6].upper()}"
    create_account("trainee", "Journey Trainee", "604917", service_number=service_number)
    learner.goto(f"{live_server}/sign-in")
    learner.fill("#identifier", service_number)
    learner.fill("#secret", "604917")
    learner.locator("main form button[type=submit]").click()
    learner.goto(f"{live_server}/courses/")
    learner.locator("main a", has_text="Reporting misconduct").first.click()
    learner.locator(f"form[action$='/{SLUG}/enrol'] button").click()
    _read_lessons_and_pass(learner, live_server, live_app)
    learner.goto(f"{live_server}/certificates/")
    expect(learner.locator("main table")).to_contain_text("Reporting misconduct")
    with learner.expect_download() as download:
        learner.locator("a[href$='.pdf']").first.click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    learner.screenshot(path=str(ARTIFACTS / "journey-certificates-phone-en.png"))

    # the author changes one lesson's English text, raises the version, publishes version 2
    page.goto(f"{course}/lessons/what-to-report/en")
    text = page.locator("textarea[name=text]")
    text.fill(text.input_value().replace("write down the facts", "write down at once the facts"))
    with page.expect_navigation():
        page.locator("form.editor button[name=save]").first.click()
    expect(page.locator("main")).to_contain_text("The lesson is saved in the draft.")
    page.goto(f"{course}/details")
    page.locator("button[name=save_and_raise]").click()
    expect(page.locator("#version")).to_have_value("1.1")
    _publish(page, course)
    expect(page.locator("main")).to_contain_text("Version 1.1 is published.")
    expect(page.locator("main")).to_contain_text("what-to-report")
    screenshot("journey-version-2-phone-en")

    # the trainee's other lesson still counts; the changed one is to be read again
    learner.goto(f"{live_server}/courses/{SLUG}")
    expect(learner.locator("main")).to_contain_text("Version 1.1")
    lessons = learner.locator("ol.lessons > li")
    expect(lessons.nth(0)).to_contain_text("Reporting channels")
    expect(lessons.nth(0).locator(".status-done")).to_have_count(1)
    expect(lessons.nth(1)).to_contain_text("What to report")
    expect(lessons.nth(1).locator(".status-done")).to_have_count(0)
    expect(lessons.nth(1)).to_contain_text("Not complete")
    learner.screenshot(
        path=str(ARTIFACTS / "journey-trainee-after-v2-phone-en.png"),
        full_page=True,
    )
    trainee.close()

    # the new pages in Arabic, on a phone and a desktop, and axe-core's checks
    page.goto(f"{live_server}/studio/new")
    assert _axe_on(browser, page, ["/studio/new"], "en") == {}
    page.locator("details.languages summary").click()
    page.click("button[lang=ar]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    screenshot("journey-new-course-phone-ar")
    assert _axe_on(browser, page, ["/studio/new"], "ar") == {}
    page.goto(f"{course}/lessons/what-to-report/en")
    screenshot("journey-lesson-outcomes-phone-ar")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("journey-lesson-outcomes-desktop-ar")
    page.goto(f"{live_server}/studio/new")
    screenshot("journey-new-course-desktop-ar")
