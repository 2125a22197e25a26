"""Certificates: issue on completion (once per validity period), verify, revoke, download.

A certificate is issued when a course is completed, unless the trainee already holds a certificate
of that course that has not expired yet (valid or revoked: a revoked certificate is not re-issued
automatically before its expiry date). Its PDF is rendered once, stored with its SHA-256, and every
download serves those bytes.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

import pycountry
from babel import Locale
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer
from zipstream import ZIP_STORED, ZipStream

from accounts.models import User
from accounts.ranks import rank_label
from assessments.models import Standard
from certificates import pdf as certificate_pdf
from certificates.models import REVOCATION_REASONS, Certificate, CertificateRevocation
from certificates.serials import new_serial
from courses.models import Course
from lms import audit, events, hooks
from lms.db import db, utcnow
from lms.events import certificate_issued, certificate_revoked, sender
from lms.i18n import is_rtl
from lms.urls import public_url

log = logging.getLogger(__name__)
EXPIRY_WARNING_DAYS = 60


class CertificateError(ValueError):
    """A certificate action refused (message already translated)."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _held_on(today: date) -> ColumnElement[bool]:
    """A certificate still held on `today`: not expired (valid or revoked). A trainee gets one
    certificate of a course per validity period."""
    return Certificate.expires_on >= today


def current_certificate(trainee_id: int, course_id: int, today: date) -> Certificate | None:
    """The trainee's certificate of a course that has not expired yet (valid or revoked)."""
    return db.session.scalars(
        select(Certificate)
        .where(
            Certificate.trainee_id == trainee_id,
            Certificate.course_id == course_id,
            _held_on(today),
        )
        .order_by(Certificate.issued_at.desc())
    ).first()


def issue_certificate(
    trainee: User, course: Course, today: date | None = None
) -> Certificate | None:
    """Issue the certificate of a completed course, once per validity period; None if already held."""
    issued = issue_certificates([(trainee, course)], today)
    return issued[0] if issued else None


def issue_certificates(
    completions: Iterable[tuple[User, Course]], today: date | None = None
) -> list[Certificate]:
    """Issue the certificates of many completions at once, rendered on all cores.

    None for a trainee who holds a certificate of the course that has not expired, and a
    completion listed twice issues one. A certificate that a concurrent issuance inserted first
    (the same trainee, course and sequence number) is not issued again. Only the rendering (plain
    context in, PDF bytes out) leaves this process, on CERTIFICATE_RENDER_PROCESSES workers (fewer
    than 20 render here); rows, serials, audit events and `certificate_issued` stay in the caller's
    transaction. Every PDF is rendered before anything is added: if one render fails, the error is
    raised and the database is as it was. Certificates prepared and rendered beforehand (see
    `prepare_certificates`) are used as they are when nothing has changed since. Returns the
    certificates issued, in the given order.
    """
    planned = _plan(completions, today or utcnow().date())
    ready = _prerendered.get() or {}
    to_render = []
    for index, (certificate, trainee, course) in enumerate(planned):
        done = ready.get((certificate.trainee_id, certificate.course_id))
        if done is not None and _same_certificate(done, certificate):
            planned[index] = (done, trainee, course)
        else:
            to_render.append(certificate)
    _render(to_render)
    issued = _add_all([certificate for certificate, _trainee, _course in planned])
    for certificate, trainee, course in planned:
        if certificate in issued:
            _announce(certificate, trainee, course)
    return [certificate for certificate, _, _ in planned if certificate in issued]


def _plan(
    completions: Iterable[tuple[User, Course]], today: date
) -> list[tuple[Certificate, User, Course]]:
    """The certificates these completions call for (rows not added, without their PDFs): none for
    a pair that holds one that has not expired, one for a pair listed twice."""
    wanted: dict[tuple[int, int], tuple[User, Course]] = {}
    for trainee, course in completions:
        wanted.setdefault((trainee.id, course.id), (trainee, course))
    if not wanted:
        return []
    trainee_ids = {trainee_id for trainee_id, _ in wanted}
    course_ids = {course_id for _, course_id in wanted}
    mine = (Certificate.trainee_id.in_(trainee_ids), Certificate.course_id.in_(course_ids))
    held = {
        (row.trainee_id, row.course_id)
        for row in db.session.execute(
            select(Certificate.trainee_id, Certificate.course_id).where(*mine, _held_on(today))
        )
    }
    sequences = next_sequences(trainee_ids, course_ids)
    standards: dict[int, list[dict[str, Any]]] = {}
    planned = []
    for key, (trainee, course) in wanted.items():
        if key in held:
            continue
        if course.id not in standards:
            standards[course.id] = current_standards(course)
        certificate = _new_certificate(trainee, course, today, sequences[key], standards[course.id])
        planned.append((certificate, trainee, course))
    return planned


def _render(certificates: list[Certificate], contexts: list[dict[str, Any]] | None = None) -> None:
    """Render and attach the PDFs of these certificates (from their contexts when given: then
    without any database access)."""
    if not certificates:
        return
    if contexts is None:
        contexts = [certificate_context(certificate) for certificate in certificates]
    pdfs = certificate_pdf.render_certificates(
        contexts, current_app.config["CERTIFICATE_RENDER_PROCESSES"]
    )
    for certificate, pdf in zip(certificates, pdfs, strict=True):
        _attach_pdf(certificate, pdf)


class Prepared:
    """Certificates planned in one transaction and rendered outside any, for `prerendered`."""

    def __init__(self, certificates: list[Certificate]) -> None:
        self.certificates = certificates
        self.contexts = [certificate_context(certificate) for certificate in certificates]

    def render(self) -> None:
        """Render their PDFs: plain contexts in, bytes out; no database, no transaction."""
        _render(self.certificates, self.contexts)


def prepare_certificates(completions: Iterable[tuple[User, Course]]) -> Prepared:
    """The certificates these completions would issue today, with what their PDFs need (reads
    only; nothing is added). A job renders them after ending its transaction, so that a long
    render holds no lock (SQLite's write lock is taken by a transaction's first read)."""
    return Prepared([certificate for certificate, _, _ in _plan(completions, utcnow().date())])


_prerendered: ContextVar[dict[tuple[int, int], Certificate] | None] = ContextVar(
    "lms_prerendered_certificates", default=None
)


@contextmanager
def prerendered(prepared: Prepared) -> Iterator[None]:
    """Inside the block, issuing uses these rendered certificates where nothing has changed."""
    token = _prerendered.set({(c.trainee_id, c.course_id): c for c in prepared.certificates})
    try:
        yield
    finally:
        _prerendered.reset(token)


def _same_certificate(done: Certificate, planned: Certificate) -> bool:
    """Whether a certificate rendered beforehand is the one planned now (same number, day,
    course version, holder, standards and language)."""
    fields = (
        *("sequence", "issued_on", "course_version", "language", "holder_name", "rank"),
        *("service_number", "country", "course_title", "standards", "centre"),
    )
    return bool(done.pdf) and all(getattr(done, f) == getattr(planned, f) for f in fields)


def _add(certificate: Certificate) -> bool:
    """Insert one certificate; False if a concurrent issuance took its sequence number first."""
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        log.info(
            "certificate of course %s for user %s already issued concurrently",
            certificate.course_id,
            certificate.trainee_id,
        )
        return False
    return True


def _add_all(certificates: list[Certificate]) -> set[Certificate]:
    """Insert many certificates in one statement batch; one by one if a concurrent issuance won."""
    try:
        with db.session.begin_nested():
            db.session.add_all(certificates)
    except IntegrityError:
        return {certificate for certificate in certificates if _add(certificate)}
    return set(certificates)


def _announce(certificate: Certificate, trainee: User, course: Course) -> None:
    audit.record(
        "certificate.issued",
        "certificate",
        certificate.serial,
        None,
        trainee=trainee.id,
        course=course.slug,
    )
    certificate_issued.send(sender(), certificate=certificate)


def next_sequences(
    trainee_ids: Iterable[int], course_ids: Iterable[int]
) -> defaultdict[tuple[int, int], int]:
    """The number of the next certificate of each (trainee, course) pair of these ids: one more
    than the last one issued, 1 for the first."""
    sequences: defaultdict[tuple[int, int], int] = defaultdict(lambda: 1)
    for row in db.session.execute(
        select(
            Certificate.trainee_id,
            Certificate.course_id,
            func.max(Certificate.sequence).label("sequence"),
        )
        .where(Certificate.trainee_id.in_(trainee_ids), Certificate.course_id.in_(course_ids))
        .group_by(Certificate.trainee_id, Certificate.course_id)
    ):
        sequences[row.trainee_id, row.course_id] = row.sequence + 1
    return sequences


def next_sequence(trainee_id: int, course_id: int) -> int:
    """The number of the trainee's next certificate of this course."""
    return next_sequences([trainee_id], [course_id])[trainee_id, course_id]


def current_standards(course: Course) -> list[dict[str, Any]]:
    """The current version of each standard of the course, as stored on its certificates."""
    return [
        {"code": s.code, "version": s.version, "title": s.title}
        for s in db.session.scalars(
            select(Standard).where(Standard.code.in_(course.standards), Standard.is_current)
        )
    ]


def _new_certificate(
    trainee: User, course: Course, today: date, sequence: int, standards: list[dict[str, Any]]
) -> Certificate:
    """A certificate row without its PDF (not added to the session)."""
    language = trainee.preferred_language
    assert trainee.centre is not None  # a trainee always belongs to a centre
    return Certificate(
        serial=new_serial(),
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
        centre=trainee.centre.issuer_name,
        centre_id=trainee.centre_id,
        issued_on=today,
        expires_on=add_months(today, course.validity_months),
    )


def _attach_pdf(certificate: Certificate, pdf: bytes) -> None:
    # Rendered once, at issuance; every download serves these bytes, checked by their SHA-256.
    certificate.pdf = pdf
    certificate.sha256 = hashlib.sha256(pdf).hexdigest()


def country_name(code: str | None, language: str) -> str:
    """An ISO 3166-1 alpha-3 code as a country name in the language (the code if unknown)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_3=code.upper())
    if country is None:
        return code
    return Locale.parse(language).territories.get(country.alpha_2, country.name)


def verify_url(serial: str, owner: Any = None) -> str:
    """The absolute address of the public verification page of a serial (under the public base
    of `owner`, the certificate, when a resolver gives one; see lms.urls)."""
    return public_url("verify.verify_serial", _owner=owner, serial=serial)


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    """Plain values for the certificate template (never ORM objects)."""

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
            # The row keeps the rank as issued; the PDF, rendered once at issue, names it in the
            # certificate's language (as it does the country), or as entered when unknown.
            "rank": rank_label(certificate.rank, language),
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
            "verify_url": verify_url(certificate.serial, certificate),
            "language": language,
            "direction": "rtl" if is_rtl(language) else "ltr",
            "labels": labels,
        }


def on_course_completed(sender: Flask, trainee: User, course: Course) -> None:
    """Receiver of `course_completed`: issue the certificate (idempotent); inside an
    `lms.events.together()` block, keep the completion for the block's end instead."""
    queued = events.bucket("certificates")
    if queued is None:
        issue_certificate(trainee, course)
    else:
        queued.append((trainee, course))


def on_work_together_ended(sender: Flask, buckets: dict[str, list[Any]]) -> None:
    """Receiver of `work_together_ended`: issue the block's certificates together, their PDFs
    rendered on every core (issue_certificates)."""
    issue_certificates(buckets.get("certificates", []))


def connect_signals() -> None:
    """Issue certificates when courses are completed."""
    events.course_completed.connect(on_course_completed, weak=False)
    events.work_together_ended.connect(on_work_together_ended, weak=False)


def find_by_serial(serial: str) -> Certificate | None:
    """A certificate by its serial."""
    return db.session.scalars(select(Certificate).where(Certificate.serial == serial)).one_or_none()


def may_manage(user: User, certificate: Certificate) -> bool:
    """Admins, and trainers who act for the holder (through a cohort they run: the cohorts
    domain answers the `may_manage_trainee` extension point)."""
    if user.role == "admin":
        return True
    holder = db.session.get(User, certificate.trainee_id)
    return (
        user.role == "trainer"
        and holder is not None
        and hooks.any_true("may_manage_trainee", user, holder)
    )


def may_download(user: User, certificate: Certificate) -> bool:
    """The holder, their trainers and admins."""
    return certificate.trainee_id == user.id or may_manage(user, certificate)


def certificates_visible_to(user: User) -> list[Certificate]:
    """The holder's own certificates; those of the trainees a trainer acts for (the cohorts
    domain answers `trainees_managed_by` with a select of their ids); every one for an admin."""
    query = select(Certificate).order_by(Certificate.issued_at.desc())
    if user.role == "trainee":
        query = query.where(Certificate.trainee_id == user.id)
    elif user.role == "trainer":
        managed = hooks.answers("trainees_managed_by", user)
        query = query.where(or_(false(), *(Certificate.trainee_id.in_(ids) for ids in managed)))
    return list(db.session.scalars(query.limit(500)))


def valid_certificates(user: User, today: date | None = None) -> dict[int, Certificate]:
    """The trainee's certificate in force for each course (by course id): not expired, not
    revoked; the latest where there are several."""
    today = today or utcnow().date()
    rows = db.session.scalars(
        select(Certificate)
        .outerjoin(CertificateRevocation)
        .where(
            Certificate.trainee_id == user.id,
            Certificate.expires_on >= today,
            CertificateRevocation.id.is_(None),
        )
        .order_by(Certificate.issued_at)
    )
    return {row.course_id: row for row in rows}


def expiring_soon(user: User, today: date | None = None) -> list[Certificate]:
    """The trainee's valid certificates that expire within 60 days."""
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
    certificate_revoked.send(sender(), certificate=certificate, revocation=revocation)
    return revocation


def certificates_of(trainee_ids: list[int]) -> list[Certificate]:
    """Every certificate held by these trainees (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.trainee_id.in_(trainee_ids))
            .order_by(Certificate.id)
        )
    )


def stream_zip(certificate_ids: list[int], batch: int = 50) -> Iterator[bytes]:
    """A ZIP of stored certificate PDFs, produced piece by piece (PDFs are stored, not recompressed).

    zipstream-ng writes each PDF as soon as it is added, so at most one batch of PDFs is in memory.
    """
    archive = ZipStream(compress_type=ZIP_STORED)
    for start in range(0, len(certificate_ids), batch):
        rows = db.session.execute(
            select(Certificate.serial, Certificate.holder_name, Certificate.pdf)
            .where(
                Certificate.id.in_(certificate_ids[start : start + batch]),
                Certificate.holder_removed_at.is_(None),  # their files were deleted
            )
            .order_by(Certificate.id)
            .execution_options(yield_per=batch)
        ).all()
        for serial, holder, pdf in rows:
            archive.add(pdf, zip_name(holder, serial))
            yield from archive.all_files()
    yield from archive.footer()


def zip_name(holder: str, serial: str) -> str:
    """A file name inside the ZIP: the holder's name (any script) and the serial."""
    # Letters, marks and digits of any script: isalnum() drops combining marks, and with them
    # vowel signs of Khmer, Sinhala, Tamil or Thai names.
    kept = "".join(ch for ch in holder if unicodedata.category(ch)[0] in "LMN" or ch in " -_'")
    safe = kept.strip().replace(" ", "_") or "certificate"
    return f"{safe[:60]}-{serial}.pdf"


def undeferred_pdf(serial: str) -> Certificate | None:
    """A certificate with its PDF bytes loaded."""
    return db.session.scalars(
        select(Certificate).options(undefer(Certificate.pdf)).where(Certificate.serial == serial)
    ).one_or_none()
