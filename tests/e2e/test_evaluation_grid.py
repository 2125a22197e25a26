"""Recording a practical for a long cohort: "all criteria met" per trainee and for everyone, a
header that stays in view, the keyboard down a column; and without JavaScript, Enter in a field
never sends a half-filled cohort (headless Chromium)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS

SECRET = "Trainer-grid-2026"


def _cohort(live_app, create_account, size: int) -> tuple[str, int, list[int]]:
    """A trainer (e-mail) and a cohort of size trainees; returns (email, cohort id, trainee ids)."""
    from accounts.models import User
    from cohorts.models import Cohort
    from lms.db import db

    tag = uuid.uuid4().hex[:6]
    email = f"grid-{tag}@example.org"
    trainer_id = create_account("trainer", "Trainer Grid", SECRET, email=email)
    ids = [
        create_account(
            "trainee", f"Trainee {n:02d} {tag}", "815293", service_number=f"GR-{tag}-{n}".upper()
        )
        for n in range(size)
    ]
    with live_app.app_context():
        cohort = Cohort(name=f"Grid {tag}", country="NPL", centre_id=1)
        cohort.trainers = [db.session.get(User, trainer_id)]
        cohort.members = [db.session.get(User, i) for i in ids]
        db.session.add(cohort)
        db.session.commit()
        return email, cohort.id, ids


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(email)
    page.locator("#secret").fill(SECRET)
    page.locator("main form button[type=submit]").click()


def _evaluations(live_app, ids):
    from assessments.models import Evaluation
    from lms.db import db

    with live_app.app_context():
        return {
            e.trainee_id: e
            for e in db.session.scalars(select(Evaluation).where(Evaluation.trainee_id.in_(ids)))
        }


def test_all_met_for_everyone_the_keyboard_and_the_header_on_a_long_cohort(
    browser, live_server, live_app, create_account, screenshot, page
):
    email, cohort_id, ids = _cohort(live_app, create_account, 30)
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server, email)
    page.goto(f"{live_server}/evaluations/cohorts/{cohort_id}/practical/SAF-P1")
    grid = page.locator("table[data-evaluation-grid]")

    page.locator("input[name=include-all]").check()
    page.locator("input[name=allmet-all]").check()
    expect(grid.locator("tbody input[name^=met-]:checked")).to_have_count(30 * 12)
    expect(grid.locator("tbody input[name^=allmet-]:checked")).to_have_count(30)
    # One trainee missed criterion 4: unticking it unticks "all met" for them and for everyone.
    failed = grid.locator("tbody tr").nth(2)
    failed.locator("input[name$='-c4']").uncheck()
    expect(failed.locator("input[name^=allmet-]")).not_to_be_checked()
    expect(page.locator("input[name=allmet-all]")).not_to_be_checked()
    # One was absent.
    grid.locator("tbody tr").nth(5).locator("input[name^=include-]").uncheck()
    expect(page.locator("input[name=include-all]")).not_to_be_checked()

    # The measured times, typed down the column: Enter moves to the next trainee.
    first = grid.locator("tbody tr").first.locator("input[name^=seconds-]")
    first.focus()
    for n in range(30):
        page.keyboard.type(str(30 + n))  # all within the 60 s limit
        page.keyboard.press("Enter")
    assert page.url.endswith("/practical/SAF-P1")  # Enter never sent the form
    last = grid.locator("tbody tr").nth(29).locator("input[name^=seconds-]")
    expect(last).to_have_value("59")
    expect(last).to_be_focused()
    # The arrow keys move down and up a column of boxes.
    box = grid.locator("tbody tr").nth(10).locator("input[name$='-c1']")
    box.focus()
    page.keyboard.press("ArrowDown")
    expect(grid.locator("tbody tr").nth(11).locator("input[name$='-c1']")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(grid.locator("tbody tr").nth(9).locator("input[name$='-c1']")).to_be_focused()

    # Scrolled to the last trainee, the column headers are still in view above the rows.
    header = grid.locator("thead th").nth(3)
    last.scroll_into_view_if_needed()
    head_box, row_box = header.bounding_box(), last.bounding_box()
    wrap_box = page.locator(".grid-wrap").bounding_box()
    assert head_box and row_box and wrap_box
    assert wrap_box["y"] - 1 <= head_box["y"] <= wrap_box["y"] + 1, (head_box, wrap_box)
    assert head_box["y"] + head_box["height"] <= row_box["y"]
    tick = grid.locator("tbody tr").first.locator("td > label").nth(2).bounding_box()
    assert tick and tick["width"] >= 44 and tick["height"] >= 44
    screenshot("evaluation-grid-desktop-scrolled")

    page.locator("main form button[type=submit]:not([disabled])").click()
    expect(page.locator(".notice-success")).to_contain_text("29 evaluations recorded")
    records = _evaluations(live_app, ids)
    assert len(records) == 29 and ids[5] not in records
    assert all(records[i].passed for i in ids if i not in (ids[2], ids[5]))
    assert not records[ids[2]].passed
    assert records[ids[2]].criteria_results["c4"] == {"met": False}


def test_without_javascript_enter_sends_nothing_and_the_header_boxes_still_count(
    browser, live_server, live_app, create_account
):
    email, cohort_id, ids = _cohort(live_app, create_account, 3)
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        _sign_in(page, live_server, email)
        url = f"{live_server}/evaluations/cohorts/{cohort_id}/practical/SEA-P1"
        page.goto(url)
        page.locator("input[name=include-all]").check()
        page.locator("input[name=allmet-all]").check()
        page.locator("tbody input[name^=notes-]").first.fill("steady")
        page.locator("tbody input[name^=notes-]").first.press("Enter")
        page.wait_for_timeout(500)
        assert page.url == url and not _evaluations(live_app, ids)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evaluation-grid-nojs-phone.png"), full_page=True)
        page.locator("main form button[type=submit]:not([disabled])").click()
        expect(page.locator(".notice-success")).to_contain_text("3 evaluations recorded")
        records = _evaluations(live_app, ids)
        assert len(records) == 3 and all(r.passed for r in records.values())
    finally:
        context.close()
