"""Trainer B's roster holds a trainee of trainer A's cohort: the row is refused, B asks for a
transfer, and a centre administrator approves it on a phone, in French (headless Chromium)."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def _sign_in(page, live_server, email: str, secret: str) -> None:
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(email)
    page.locator("#secret").fill(secret)
    page.locator("main form button[type=submit]").click()


def _sign_out(page) -> None:
    page.locator("form[action$='/sign-out'] button").click()


def _cohort_with_roster(page, live_server, name: str, roster: str, tmp_path) -> str:
    page.goto(f"{live_server}/cohorts/new")
    page.locator("#name").fill(name)
    page.locator("#country").select_option("NPL")
    page.locator("input[name=courses]").first.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(name)
    cohort_url = page.url
    path = tmp_path / f"{uuid.uuid4().hex}.csv"
    path.write_text(roster, encoding="utf-8")
    page.locator("#roster").set_input_files(str(path))
    page.locator("form[action$='/roster'] button").click()
    return cohort_url


def test_an_administrator_approves_a_transfer(
    page, live_server, create_account, screenshot, tmp_path
):
    tag = uuid.uuid4().hex[:6]
    number = f"NP-{tag.upper()}"
    roster = f"service_number,full_name,rank\n{number},Pemba Sherpa,Corporal\n"
    for who in ("a", "b"):
        create_account(
            "trainer",
            f"Trainer {who.upper()}",
            "trainer-secret-2026",
            email=f"trainer-{who}-{tag}@example.org",
        )
    create_account(
        "admin",
        "Aïssatou Admin",
        "admin-secret-2026",
        email=f"admin-{tag}@example.org",
        preferred_language="fr",
    )

    _sign_in(page, live_server, f"trainer-a-{tag}@example.org", "trainer-secret-2026")
    _cohort_with_roster(page, live_server, f"Alpha {tag}", roster, tmp_path)
    page.locator("form[action$='/confirm'] button").click()
    expect(page.locator("main table")).to_contain_text("Pemba Sherpa")
    _sign_out(page)

    _sign_in(page, live_server, f"trainer-b-{tag}@example.org", "trainer-secret-2026")
    bravo = _cohort_with_roster(page, live_server, f"Bravo {tag}", roster, tmp_path)
    row = page.locator("table.roster tr.has-error")
    expect(row).to_contain_text("ask a centre administrator to transfer")
    expect(page.locator("table.roster")).not_to_contain_text(f"Alpha {tag}")
    row.locator("input[name=reason]").fill("Posted to Bravo company")
    row.locator("button").click()
    expect(page.locator(".notice-success")).to_contain_text("Transfer requested")
    _sign_out(page)

    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, live_server, f"admin-{tag}@example.org", "admin-secret-2026")
    page.goto(f"{live_server}/cohorts/transfers")
    request = page.locator("li.transfer", has_text=number)
    expect(request).to_contain_text(f"Alpha {tag}")
    expect(request).to_contain_text("Posted to Bravo company")
    screenshot("transfer-request-fr-360")
    request.locator("input[value=approve] + button").click()
    expect(page.locator(".notice-success")).to_contain_text(f"Bravo {tag}")
    expect(page.locator("li.transfer", has_text=number)).to_have_count(0)
    page.goto(bravo)
    expect(page.locator("main table")).to_contain_text("Pemba Sherpa")
    screenshot("transfer-approved-fr-360")
