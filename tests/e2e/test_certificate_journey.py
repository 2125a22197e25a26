"""Pass a course, download the certificate, open the verification page from its QR code."""

from __future__ import annotations

import subprocess
import uuid

from playwright.sync_api import expect

from tests.e2e.test_quiz_journey import COURSE, _sign_in_with_lessons_done, _take_quiz


def _record_role_play(live_app, create_account, service_number):
    """The course's observed role-play (SC-P1), passed and recorded by a trainer beforehand."""
    from datetime import date

    from sqlalchemy import select

    from accounts.models import User
    from assessments import practicals
    from courses.models import Course
    from lms.db import db

    trainer_id = create_account(
        "trainer", "Trainer Tesfaye", "Trainer-pass-2026", email=f"t-{service_number}@example.org"
    )
    with live_app.app_context():
        trainee = db.session.scalars(
            select(User).where(User.service_number == service_number)
        ).one()
        rubric = practicals.rubric_by_code("SC-P1")
        course = db.session.scalars(select(Course).where(Course.slug == COURSE)).one()
        met = {criterion["id"]: True for criterion in rubric.criteria}
        row = practicals.RowInput(trainee=trainee, included=True, met=met)
        practicals.record_practicals(
            rubric, [row], date.today(), db.session.get(User, trainer_id), course
        )
        db.session.commit()


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
    _sign_in_with_lessons_done(page, live_server, service_number, "815293")
    _record_role_play(live_app, create_account, service_number)
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
    tampered = tmp_path / "changed.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    public_page.locator("#document").set_input_files(str(tampered))
    public_page.locator("form[action$='/file'] button").click()
    expect(public_page.locator(".verdict")).to_contain_text("Not the issued file")
    expect(public_page.locator(".notice")).to_have_count(1)  # one verdict, no green banner
    width = public_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    public_page.screenshot(
        path="test-artifacts/certificate-verify-tampered-360.png", full_page=True
    )
    visitor.close()
    subprocess.run(
        ["cp", str(tmp_path / "page.png"), "test-artifacts/certificate-page.png"], check=False
    )
