"""A person's own record as a readable PDF (plain values in, bytes out)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.pdf import css, pdf_template, render_pdf

# Headings of the record's sections and names of its fields, in the reader's language.
SECTION_TITLES = {
    "account": _l("Account"),
    "cohorts": _l("Cohorts"),
    "courses": _l("Courses"),
    "quiz_attempts": _l("Quiz attempts"),
    "evaluations": _l("Evaluations"),
    "certificates": _l("Certificates"),
    "record_viewed_by_staff": _l("Staff who looked at your record"),
}
FIELD_LABELS = {
    "full_name": _l("Full name"),
    "role": _l("Role"),
    "service_number": _l("Service number"),
    "nationality": _l("Nationality"),
    "rank": _l("Rank"),
    "gender": _l("Gender"),
    "unit": _l("Unit"),
    "email": _l("E-mail address"),
    "preferred_language": _l("Preferred language"),
    "training_centre": _l("Training centre"),
    "created_at": _l("Account created"),
    "last_sign_in_at": _l("Last sign-in"),
    "credential_changed_at": _l("PIN or password last changed"),
    "name": _l("Name"),
    "country": _l("Country"),
    "mission": _l("Mission"),
    "deployment_date": _l("Deployment date"),
    "course": _l("Course"),
    "enrolled_at": _l("Enrolled"),
    "lessons_completed": _l("Lessons completed"),
    "number": _l("Attempt"),
    "started_at": _l("Started"),
    "submitted_at": _l("Submitted"),
    "percent": _l("Score (%)"),
    "passed": _l("Passed"),
    "by_standard": _l("By standard"),
    "kind": _l("Kind"),
    "standard": _l("Standard"),
    "observed_on": _l("Observed on"),
    "notes": _l("Notes"),
    "corrects": _l("Corrects"),
    "correction_reason": _l("Reason for the correction"),
    "recorded_at": _l("Recorded"),
    "serial": _l("Serial number"),
    "issued_on": _l("Issued on"),
    "expires_on": _l("Expires on"),
    "status": _l("Status"),
    "issued_by": _l("Issued by"),
    "sha256": _l("SHA-256 of the PDF"),
    "at": _l("When"),
    "by": _l("Who"),
    "what": _l("What"),
}


# Coded values shown as words (status of a certificate, role, kind of evaluation).
VALUE_LABELS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "trainee": _l("Trainee"),
    "trainer": _l("Trainer"),
    "admin": _l("Administrator"),
    "practical": _l("Practical evaluation"),
    "paper_quiz": _l("Paper quiz"),
}


def render_record(record: dict[str, Any], context: dict[str, Any]) -> bytes:
    """The PDF of a record: context has language, direction, title, intro, generated_on, nothing."""
    labels = {key: str(label) for key, label in FIELD_LABELS.items()}
    words = {key: str(label) for key, label in VALUE_LABELS.items()}
    order = list(SECTION_TITLES)
    keys = sorted(record, key=lambda key: order.index(key) if key in order else len(order))
    sections = [(str(SECTION_TITLES.get(key, key)), record[key]) for key in keys]
    html = pdf_template("accounts/pdf/record.html").render(
        sections=sections, labels=labels, words=words, **context
    )
    return render_pdf(
        html,
        [css("pdf-fonts.css"), css("record.css")],
        {"title": context["title"], "author": context["centre"], "subject": context["title"]},
    )
