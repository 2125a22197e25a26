"""A trainer creates a cohort, imports the sample roster, reads the dashboard in Chinese, and
downloads the login slips and the readiness report (headless Chromium)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROSTER = Path(__file__).resolve().parents[1] / "data" / "roster-sample.csv"
BAD_ROSTER = ROSTER.with_name("roster-bad.csv")


def test_trainer_cohort_journey_in_chinese(page, live_server, create_account, screenshot, tmp_path):
    if not ROSTER.exists():
        pytest.skip("shared/data/roster-sample.csv is not present")
    email = f"trainer-{uuid.uuid4().hex[:6]}@example.org"
    create_account("trainer", "李娜", "trainer-secret-2026", email=email, preferred_language="zh")
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(email)
    page.locator("#secret").fill("trainer-secret-2026")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    page.goto(f"{live_server}/cohorts/new")
    page.locator("#name").fill("中国维和医疗分队 2027")
    page.locator("#country").select_option("CHN")
    page.locator("#mission").select_option("UNMISS")
    page.locator("#deployment_date").fill("2027-03-01")
    page.locator("input[name=courses]").first.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("中国维和医疗分队 2027")
    cohort_url = page.url

    page.locator("#roster").set_input_files(str(BAD_ROSTER))
    page.locator("form[action$='/roster'] button").click()
    expect(page.locator(".notice-error")).to_be_visible()
    expect(page.locator("table.roster .error")).to_have_count(9)  # one per bad line
    screenshot("cohort-bad-roster-zh")

    # The corrected file goes in on the same page as the errors.
    expect(
        page.locator(f"main a[href='{cohort_url.removeprefix(live_server)}']").first
    ).to_be_visible()
    page.locator("#roster").set_input_files(str(ROSTER))
    page.locator("form[action$='/roster'] button").click()
    expect(page.locator("table.roster")).to_contain_text("አበበ ቢቂላ")
    page.locator("form[action$='/confirm'] button").click()
    expect(page.locator("main table")).to_contain_text("张伟")

    # The slips are a job (run at once here): its page offers the PDF.
    page.locator("form[action$='/slips.pdf'] button").click()
    expect(page.locator("h1")).to_have_text("登录凭条")
    with page.expect_download() as slips:
        page.locator("a.button[href$='/result']").click()
    slips.value.save_as(tmp_path / "slips.pdf")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "slips.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张伟" in text and "CN-30001" in text

    page.goto(cohort_url)
    page.locator("a.button[href$='/dashboard']").click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    expect(page.locator("table.matrix")).to_contain_text("张伟")
    screenshot("cohort-dashboard-zh")
    page.locator("#gender").select_option("F")
    page.locator("form.filters button").click()
    expect(page.locator("table.matrix")).not_to_contain_text("张伟")

    with page.expect_download() as report:
        page.locator("a[href$='/readiness.pdf']").click()
    report.value.save_as(tmp_path / "readiness.pdf")
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "readiness.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Pages:" in info and " 1\n" in info.split("Pages:")[1][:20]
