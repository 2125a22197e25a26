"""A job's page in the browser: with JavaScript it polls the job's status (no page refresh) and
shows the result when the job ends (headless Chromium, a 360 px phone)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_the_job_page_follows_its_job_to_the_end(page, live_app, live_server, create_account):
    from lms.db import db
    from lms.jobs import Job
    from tests.conftest import DEFAULT_CENTRE_ID

    tag = uuid.uuid4().hex[:6]
    trainer_id = create_account(
        "trainer", "Trainer J", "trainer-secret-2026", email=f"trainer-j-{tag}@example.org"
    )
    with live_app.app_context():
        job = Job(
            kind="course_completions",
            task="lms.jobs.plan",
            started_by_id=trainer_id,
            centre_id=DEFAULT_CENTRE_ID,
            state="running",
            done=40,
            total=200,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id

    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(f"trainer-j-{tag}@example.org")
    page.locator("#secret").fill("trainer-secret-2026")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/jobs/{job_id}")
    expect(page.locator("#job-progress")).to_have_attribute("value", "40")
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    with live_app.app_context():
        running = db.session.get(Job, job_id)
        running.done = 120
        db.session.commit()
    expect(page.locator("#job-progress")).to_have_attribute("value", "120")  # polled
    page.wait_for_timeout(3500)  # longer than the refresh a page without scripts does
    assert loads == []  # no refresh while scripts run (the meta refresh is for pages without)

    with live_app.app_context():
        finished = db.session.get(Job, job_id)
        finished.state, finished.done = "done", 200
        finished.outcome = {"trainees": 200, "completed": 180, "issued": 180}
        db.session.commit()
    expect(page.locator("main")).to_contain_text(
        "200 trainees checked: 180 course completions, 180 certificates issued."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
