"""Pass a course, download the certificate, open the verification page from its QR code."""

from __future__ import annotations

import subprocess
import uuid

from playwright.sync_api import expect

from tests.e2e.test_quiz_journey import COURSE, _take_quiz


def test_pass_download_and_verify_through_the_qr_code(
    page, live_server, live_app, create_account, screenshot, tmp_path
):
    service_number = f"ET-{uuid.uuid4().hex[:6].upper()}"
    create_account(
        "trainee",
        "አበበ ቢቂላ",
        "815293",
        service_number=service_number,
        rank="Sergeant",
        nationality="ETH",
    )
    page.goto(f"{live_server}/sign-in")
    page.locator("#identifier").fill(service_number)
    page.locator("#secret").fill("815293")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/courses/{COURSE}")
    page.locator(f"form[action$='/{COURSE}/enrol'] button").click()
    page.locator("main a.button").first.click()
    for _ in range(5):
        page.locator("form[action$='/complete'] button").click()
    _take_quiz(page, live_server, live_app)
    expect(page.locator(".notice-success")).to_contain_text("Passed")

    page.goto(f"{live_server}/certificates/")
    expect(page.locator("main table")).to_contain_text("Strategic communication")
    with page.expect_download() as download_info:
        page.locator("a[href$='.pdf']").first.click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    url = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert url.startswith(f"{live_server}/verify/")

    visitor = page.context.browser.new_context(viewport={"width": 360, "height": 740})
    public_page = visitor.new_page()
    public_page.goto(url)
    expect(public_page.locator(".verdict")).to_contain_text("Valid")
    expect(public_page.locator("main")).to_contain_text("አበበ ቢቂላ")
    public_page.locator("#document").set_input_files(str(pdf))
    public_page.locator("form[action$='/file'] button").click()
    expect(public_page.locator("main")).to_contain_text("exactly the file that was issued")
    public_page.screenshot(
        path=str(screenshot("certificate-verify-page")).replace(
            "certificate-verify-page", "certificate-verify-public"
        ),
        full_page=True,
    )
    visitor.close()
    subprocess.run(
        ["cp", str(tmp_path / "page.png"), "test-artifacts/certificate-page.png"], check=False
    )
