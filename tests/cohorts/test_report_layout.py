"""The readiness report's layout: nothing printed over anything else, in every script's direction.

The gender table and the course table sat side by side in a flex row; in Arabic the course table
was drawn over the gender table. pdftotext -bbox gives every word's box as the reader sees it, so
the test needs no knowledge of how the page is built: no two words may overlap.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from accounts.models import User
from tests.helpers import add_certificate

# The bundled courses' titles: long ones, in three scripts.
TITLES = {
    "safety-security": {
        "en": "Safety and security of peacekeepers",
        "zh": "维和人员的安全与安保",
        "ar": "سلامة حفظة السلام وأمنهم",
    },
    "sea-zero-tolerance": {
        "en": "Zero tolerance: preventing sexual exploitation and abuse",
        "zh": "零容忍：预防性剥削和性虐待",
        "ar": "عدم التسامح مطلقا: منع الاستغلال والانتهاك الجنسيين",
    },
    "strategic-communication": {
        "en": "Strategic communication in peace operations",
        "zh": "和平行动中的战略传播",
        "ar": "الاتصالات الاستراتيجية في عمليات السلام",
    },
}
# Where a person can look at the pages (pdftoppm -png -r 60), when asked for.
KEEP = os.environ.get("REPORT_LAYOUT_PDFS")


def _courses(load_course, db_session):
    from sqlalchemy import select

    from courses.models import Course

    for slug, title in TITLES.items():

        def retitle(path: Path, title: dict[str, str] = title) -> None:
            manifest = path / "course.yaml"
            data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
            data["title"] = {**title, "fr": title["en"]}
            # A title in a language the course is not offered in must be offered as partial.
            offered = {*data["languages"], *data.get("partial_languages", [])}
            data["partial_languages"] = [code for code in data["title"] if code not in offered]
            manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

        load_course(slug=slug, change=retitle)
    return db_session.scalars(select(Course).where(Course.slug.in_(TITLES))).all()


def _cohort(db_session, make_cohort, trainer, courses):
    names = ["محمد العلوي", "张伟", "Aminata Diop", "Sita Gurung", "Claudine Uwase", "Иван Петров"]
    members = [
        User(
            role="trainee",
            centre_id=1,
            service_number=f"LAY-{i:04d}",
            full_name=f"{names[i % len(names)]} {i}",
            gender=("F", "M", "X", None)[i % 4],
            # Ranks in the reader's language beside the names, and one as entered (Havildar).
            rank=("Lieutenant-Colonel", "Sgt", "Havildar", "Lt Gen", None)[i % 5],
            credential_hash="!unusable",
        )
        for i in range(40)
    ]
    db_session.add_all(members)
    db_session.flush()
    for i, user in enumerate(members):
        if i % 3 == 0:
            add_certificate(db_session, user, courses[i % 3], date.today() + timedelta(days=400))
    db_session.commit()
    return make_cohort(
        trainers=[trainer],
        members=members,
        courses=courses,
        name="NEPBATT 2 (كتيبة نيبال 2)",
        deployment_date=date.today() + timedelta(days=90),
    )


def _pages(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Each page's words with their boxes (x0, y0, x1, y1 in points), from pdftotext -bbox."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    namespace = "{http://www.w3.org/1999/xhtml}"
    root = ElementTree.fromstring(xhtml)  # noqa: S314 - pdftotext's output for our own PDF
    return [
        [
            (word.text or "", *(float(word.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")))
            for word in page.iter(f"{namespace}word")
        ]
        for page in root.iter(f"{namespace}page")
    ]


def _overlaps(pages, share: float = 0.4):
    """Pairs of words on one page printed over each other: their boxes overlap across, and down by
    more than `share` of the shorter box (a box is the font's full height: an Arabic word's
    reaches into the line below without touching its letters)."""
    found = []
    for words in pages:
        for i, (a, ax0, ay0, ax1, ay1) in enumerate(words):
            for b, bx0, by0, bx1, by1 in words[i + 1 :]:
                across = min(ax1, bx1) - max(ax0, bx0)
                down = min(ay1, by1) - max(ay0, by0)
                if across > 0.5 and down > share * min(ay1 - ay0, by1 - by0):
                    found.append((a, b))
    return found


def test_the_overlap_check_sees_text_printed_over_text(tmp_path):
    from lms.pdf import render_pdf

    html = (
        '<p style="position:absolute;top:10mm;left:10mm">Gender Trainees</p>'
        '<p style="position:absolute;top:10mm;left:14mm">Course Certified</p>'
    )
    (tmp_path / "bad.pdf").write_bytes(render_pdf(html, [], {}))
    assert _overlaps(_pages(tmp_path / "bad.pdf"))


@pytest.mark.parametrize("language", ["en", "ar", "zh"])
def test_the_readiness_report_prints_nothing_over_anything_on_its_one_page(
    client, login_as, make_cohort, load_course, db_session, tmp_path, language
):
    trainer = login_as("trainer", preferred_language=language)
    cohort = _cohort(db_session, make_cohort, trainer, _courses(load_course, db_session))
    response = client.get(f"/cohorts/{cohort.id}/readiness.pdf")
    assert response.status_code == 200
    pdf = Path(KEEP or tmp_path) / f"readiness-{language}.pdf"
    pdf.write_bytes(response.data)
    pages = _pages(pdf)
    course_table = [word for word, *_box in pages[0] if word == "/"]
    assert len(course_table) == len(TITLES)  # "certified / trainees", once per course
    assert _overlaps(pages) == []
    assert len(pages) == 1  # thirty trainees listed with three courses' reasons each
