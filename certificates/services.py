"""Certificates: issue on completion (once per validity period), verify, revoke, download.

A certificate is issued when a course is completed, unless the trainee already holds a certificate
of that course that has not expired yet (valid or revoked: a revoked certificate is not re-issued
automatically before its expiry date). Its PDF is rendered once, stored with its SHA-256, and every
download serves those bytes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any

import pycountry
from babel import Locale
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from accounts.models import User
from assessments.models import Standard
from certificates.models import REVOCATION_REASONS, Certificate, CertificateRevocation
from certificates.serials import new_serial
from cohorts.models import Cohort
from courses.models import Course
from lms import audit
from lms.db import db, utcnow
from lms.events import certificate_issued, certificate_revoked, course_completed
from lms.i18n import is_rtl
from lms.urls import public_url

log = logging.getLogger(__name__)
EXPIRY_WARNING_DAYS = 60


class CertificateError(ValueError):
    """A certificate action refused (message already translated)."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it does not exist)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_certificate(trainee_id: int, course_id: int, today: date) -> Certificate | None:
    """The trainee's certificate of a course that has not expired yet (valid or revoked)."""
    return db.session.scalars(
        select(Certificate)
        .where(
            Certificate.trainee_id == trainee_id,
            Certificate.course_id == course_id,
            Certificate.expires_on >= today,
        )
        .order_by(Certificate.issued_at.desc())
    ).first()


def issue_certificate(
    trainee: User, course: Course, today: date | None = None
) -> Certificate | None:
    """Issue the certificate of a completed course, once per validity period; None if already held."""
    today = today or utcnow().date()
    if current_certificate(trainee.id, course.id, today) is not None:
        return None
    certificate = _build(trainee, course, today, next_sequence(trainee.id, course.id))
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        log.info(
            "certificate of %s for user %s already issued concurrently", course.slug, trainee.id
        )
        return None
    audit.record(
        "certificate.issued",
        "certificate",
        certificate.serial,
        None,
        trainee=trainee.id,
        course=course.slug,
    )
    certificate_issued.send(current_app._get_current_object(), certificate=certificate)
    return certificate


def next_sequence(trainee_id: int, course_id: int) -> int:
    """The number of the trainee's next certificate of this course."""
    latest = db.session.scalar(
        select(func.max(Certificate.sequence)).where(
            Certificate.trainee_id == trainee_id, Certificate.course_id == course_id
        )
    )
    return (latest or 0) + 1


def _build(trainee: User, course: Course, today: date, sequence: int) -> Certificate:
    from certificates.pdf import render_certificate

    language = trainee.preferred_language
    standards = [
        {"code": s.code, "version": s.version, "title": s.title}
        for s in db.session.scalars(
            select(Standard).where(Standard.code.in_(course.standards), Standard.is_current)
        )
    ]
    serial = new_serial()
    certificate = Certificate(
        serial=serial,
        trainee_id=trainee.id,
        course_id=course.id,
        sequence=sequence,
        course_version=course.version,
        language=language,
        holder_name=trainee.full_name,
        rank=trainee.rank,
        service_number=trainee.service_number,
        country=trainee.nationality,
        course_title=course.title_in(language),
        standards=standards,
        centre=current_app.config["TRAINING_CENTRE_NAME"],
        issued_on=today,
        expires_on=add_months(today, course.validity_months),
    )
    certificate.pdf = render_certificate(certificate_context(certificate))
    certificate.sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    return certificate


def country_name(code: str | None, language: str) -> str:
    """An ISO 3166-1 alpha-3 code as a country name in the language (the code if unknown)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_3=code.upper())
    if country is None:
        return code
    return Locale.parse(language).territories.get(country.alpha_2, country.name)


def verify_url(serial: str) -> str:
    """The absolute address of the public verification page of a serial."""
    return public_url("verify.verify_serial", serial=serial)


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    """Plain values for the certificate template (never ORM objects)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    language = certificate.language
    with force_locale(language):
        labels = {
            "title": _("Certificate of completion"),
            "certifies": _("This certifies that"),
            "completed": _("has completed the course"),
            "standards_met": _("Standards met"),
            "issued": _("Issued on"),
            "expires": _("Valid until"),
            "serial": _("Serial number"),
            "verify": _("To check this certificate, scan the code or open the address below."),
            "rank": _("Rank"),
            "service_number": _("Service number"),
            "country": _("Country"),
        }
        return {
            "holder_name": certificate.holder_name,
            "rank": certificate.rank or "",
            "service_number": certificate.service_number or "",
            "country": certificate.country or "",
            "country_name": country_name(certificate.country, language),
            "course_title": certificate.course_title,
            "course_version": certificate.course_version,
            "standards": [
                {"code": s["code"], "title": s["title"].get(language) or s["title"]["en"]}
                for s in certificate.standards
            ],
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat(),
            "serial": certificate.serial,
            "centre": certificate.centre,
            "verify_url": verify_url(certificate.serial),
            "language": language,
            "direction": "rtl" if is_rtl(language) else "ltr",
            "labels": labels,
        }


def on_course_completed(sender: Flask, trainee: User, course: Course) -> None:
    """Receiver of `course_completed`: issue the certificate (idempotent)."""
    issue_certificate(trainee, course)


def connect_signals() -> None:
    """Issue certificates when courses are completed."""
    course_completed.connect(on_course_completed, weak=False)


def find_by_serial(serial: str) -> Certificate | None:
    """A certificate by its serial."""
    return db.session.scalars(select(Certificate).where(Certificate.serial == serial)).one_or_none()


def may_manage(user: User, certificate: Certificate) -> bool:
    """Admins, and trainers of a cohort the holder belongs to."""
    from cohorts.services import may_assess

    holder = db.session.get(User, certificate.trainee_id)
    return user.role == "admin" or (
        user.role == "trainer" and holder is not None and may_assess(user, holder)
    )


def may_download(user: User, certificate: Certificate) -> bool:
    """The holder, their trainers and admins."""
    return certificate.trainee_id == user.id or may_manage(user, certificate)


def certificates_visible_to(user: User) -> list[Certificate]:
    """The holder's own certificates; a trainer's cohorts' certificates; every one for an admin."""
    from cohorts.models import cohort_members, cohort_trainers

    query = select(Certificate).order_by(Certificate.issued_at.desc())
    if user.role == "trainee":
        query = query.where(Certificate.trainee_id == user.id)
    elif user.role == "trainer":
        members = (
            select(cohort_members.c.user_id)
            .join(cohort_trainers, cohort_trainers.c.cohort_id == cohort_members.c.cohort_id)
            .where(cohort_trainers.c.user_id == user.id)
        )
        query = query.where(Certificate.trainee_id.in_(members))
    return list(db.session.scalars(query.limit(500)))


def expiring_soon(user: User, today: date | None = None) -> list[Certificate]:
    """The trainee's valid certificates that expire within 60 days."""
    from datetime import timedelta

    today = today or utcnow().date()
    rows = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.trainee_id == user.id,
            Certificate.expires_on >= today,
            Certificate.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .order_by(Certificate.expires_on)
    ).all()
    return [row for row in rows if row.revocation is None]


def revoke(
    certificate: Certificate, by: User, reason: str, note: str | None
) -> CertificateRevocation:
    """Revoke a certificate with a reason category; recorded in the audit log."""
    from flask_babel import gettext as _

    if reason not in REVOCATION_REASONS:
        raise CertificateError(_("Choose a reason for the revocation."))
    if certificate.revocation is not None:
        raise CertificateError(_("This certificate is already revoked."))
    revocation = CertificateRevocation(
        certificate_id=certificate.id,
        revoked_by_id=by.id,
        reason=reason,
        note=(note or "").strip()[:1000] or None,
    )
    db.session.add(revocation)
    db.session.flush()
    certificate.revocation = revocation
    audit.record("certificate.revoked", "certificate", certificate.serial, by.id, reason=reason)
    certificate_revoked.send(
        current_app._get_current_object(), certificate=certificate, revocation=revocation
    )
    return revocation


def cohort_certificates(cohort: Cohort) -> list[Certificate]:
    """Every certificate held by the cohort's members (PDF bytes not loaded)."""
    ids = [member.id for member in cohort.members]
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.trainee_id.in_(ids)).order_by(Certificate.id)
        )
    )


class _Pipe(io.RawIOBase):
    """A write-only buffer that a generator drains: lets zipfile stream."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_zip(certificate_ids: list[int], batch: int = 50) -> Iterator[bytes]:
    """A ZIP of stored certificate PDFs, produced piece by piece (PDFs are stored, not recompressed)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for start in range(0, len(certificate_ids), batch):
            rows = db.session.execute(
                select(Certificate.serial, Certificate.holder_name, Certificate.pdf)
                .where(Certificate.id.in_(certificate_ids[start : start + batch]))
                .order_by(Certificate.id)
                .execution_options(yield_per=batch)
            ).all()
            for serial, holder, pdf in rows:
                archive.writestr(zip_name(holder, serial), pdf)
                yield pipe.drain()
    yield pipe.drain()


def zip_name(holder: str, serial: str) -> str:
    """A file name inside the ZIP: the holder's name (any script) and the serial."""
    safe = (
        "".join(ch for ch in holder if ch.isalnum() or ch in " -_'").strip().replace(" ", "_")
        or "certificate"
    )
    return f"{safe[:60]}-{serial}.pdf"


def undeferred_pdf(serial: str) -> Certificate | None:
    """A certificate with its PDF bytes loaded."""
    return db.session.scalars(
        select(Certificate).options(undefer(Certificate.pdf)).where(Certificate.serial == serial)
    ).one_or_none()
