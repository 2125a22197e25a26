"""The cohorts' background jobs: login slips for a whole cohort, and the course completions (and
so the certificates) that a cohort's evaluation form brings about."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.models import User
from accounts.passwords import hash_secret, new_initial_pin
from accounts.ranks import rank_label
from assessments.completion import notify_enrolled_courses, pending_completions
from certificates.services import prepare_certificates, prerendered
from cohorts import reports, services
from cohorts.models import Cohort, cohort_members
from cohorts.roster import RosterFileError, parse_roster
from cohorts.slips import join_slips, render_slips
from lms import audit, events, jobs, tasks
from lms.db import db, utcnow
from lms.i18n import is_rtl
from lms.settings import LANGUAGES
from lms.urls import public_url

log = logging.getLogger(__name__)

SLIPS_KIND = "login_slips"
SLIPS_TASK = "cohorts.login_slips"  # one task: the jobs queued before slips ran in parts
SLIPS_PART_TASK = "cohorts.login_slips_part"
SLIPS_FINAL_TASK = "cohorts.login_slips_final"
# Members per part: each part hashes its new PINs and renders its slips on whichever worker takes
# it; a multiple of the 8 slips an A4 page holds (static/css/slips.css), so that only the last
# part's last page is not full once the parts' PDFs are joined.
SLIPS_PART = 24
PROGRESS_EVERY = 10  # members between two progress updates (each one a small transaction)

jobs.declare_kind(SLIPS_KIND, _l("Login slips"))

COMPLETIONS_KIND = "course_completions"
COMPLETIONS_TASK = "cohorts.course_completions"
COMPLETIONS_PART = 25  # trainees per part: each part a transaction, parts on every worker
COMPLETIONS_INLINE_UP_TO = 10  # fewer trainees are checked (and certified) inside the request


def _completions_summary(outcome: dict[str, int]) -> str:
    counts = {name: outcome.get(name, 0) for name in ("trainees", "completed", "issued", "skipped")}
    if counts["skipped"]:
        return _(
            "%(trainees)d trainees checked: %(completed)d course completions, %(issued)d certificates issued. Skipped, no longer in the cohort: %(skipped)d.",
            **counts,
        )
    return _(
        "%(trainees)d trainees checked: %(completed)d course completions, %(issued)d certificates issued.",
        **counts,
    )


jobs.declare_kind(COMPLETIONS_KIND, _l("Course completions and certificates"), _completions_summary)


def after_new_evidence(trainee_ids: list[int], actor: User, cohort: Cohort) -> jobs.Job | None:
    """Check the courses these trainees may have completed (and issue their certificates): in
    the request for a few trainees, else as a job in parts (None when done here)."""
    if len(trainee_ids) <= COMPLETIONS_INLINE_UP_TO:
        notify_enrolled_courses(trainee_ids)
        return None
    return jobs.start_in_parts(
        COMPLETIONS_KIND,
        COMPLETIONS_TASK,
        actor.id,
        {"cohort_id": cohort.id},
        sorted(trainee_ids),
        COMPLETIONS_PART,
    )


@tasks.task(COMPLETIONS_TASK)
def complete_courses(job_id: int, part: int) -> None:
    """A part of the task: announce the completions of its trainees, certificates with them."""
    jobs.run_part(job_id, part, _complete_courses)


def _complete_courses(job: jobs.Job, part_of: list[int]) -> dict[str, int]:
    # A trainee removed from the cohort since the form was sent is skipped (and counted): the
    # evidence stays recorded, and their next evidence completes what they have done.
    members = _member_ids(job.arguments["cohort_id"])
    trainee_ids = [trainee_id for trainee_id in part_of if trainee_id in members]
    skipped = len(part_of) - len(trainee_ids)
    if skipped:
        log.info("job %s: %d trainees no longer in the cohort skipped", job.id, skipped)
    # The certificates are planned in a read, rendered with no transaction open, then written in a
    # short one: on SQLite a transaction holds the write lock from its first read, and a render
    # inside it would make the parts of every worker wait for each other.
    prepared = prepare_certificates(pending_completions(trainee_ids))
    db.session.commit()  # nothing written: the read ends here
    prepared.render()
    issued: list[Any] = []

    def count(_sender: Any, certificate: Any, **_: Any) -> None:
        issued.append(certificate)

    with events.certificate_issued.connected_to(count), prerendered(prepared):
        completed = notify_enrolled_courses(trainee_ids)
    counts = {"trainees": len(trainee_ids), "completed": completed, "issued": len(issued)}
    return {**counts, "skipped": skipped}


def start_login_slips(cohort: Cohort, actor: User, language: str) -> jobs.Job:
    """Queue the login slips of a cohort, in parts (new PINs hashed and slips rendered on every
    worker), then one step that joins them; the job runs after the request commits. The members
    are in the slips' order (by name), so each part's pages follow the previous part's."""
    member_ids = db.session.scalars(
        select(User.id)
        .join(cohort_members, cohort_members.c.user_id == User.id)
        .where(cohort_members.c.cohort_id == cohort.id)
        .order_by(User.full_name, User.id)
    ).all()
    return jobs.start_in_parts(
        SLIPS_KIND,
        SLIPS_PART_TASK,
        actor.id,
        {"cohort_id": cohort.id, "language": language, "rendered_in_parts": True},
        list(member_ids),
        SLIPS_PART,
        final_task=SLIPS_FINAL_TASK,
    )


@tasks.task(SLIPS_PART_TASK)
def login_slips_part(job_id: int, part: int) -> None:
    """A part of the slips: new initial PINs for its members and their slips (kept, with the PINs'
    hashes, in files of the part until the final step uses them; nothing changes in the database
    yet)."""
    jobs.run_part(job_id, part, _new_pins)


def _new_pins(job: jobs.Job, member_ids: list[int]) -> dict[str, Any]:
    cohort = _cohort_of(job)
    found = {
        member.id: member
        for member in db.session.scalars(select(User).where(User.id.in_(member_ids)))
    }
    members = [found[member_id] for member_id in member_ids if member_id in found]
    assert cohort.centre is not None  # loaded with the read, which ends before the hashing
    db.session.commit()  # nothing written: the read ends before the hashing (SQLite's lock)
    new_hashes: dict[int, str] = {}
    entries = {member.id: _slip_entry(member, new_hashes) for member in members}
    # A job queued before the parts rendered their slips has its members by id: the final step
    # renders all of them in name order.
    rendered = job.arguments.get("rendered_in_parts", False)
    context = _slips_context(cohort, list(entries.values()), job.arguments["language"])
    name = f"{job.id}-slips-part-{secrets.token_hex(8)}"  # a part run twice keeps the first's
    path = jobs.results_folder() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    jobs.write_private(path, json.dumps({"entries": entries, "hashes": new_hashes}).encode())
    if rendered:
        jobs.write_private(path.with_suffix(".pdf"), render_slips(context))
    return {"trainees": len(members), "pins": len(new_hashes), "file": name}


@tasks.task(SLIPS_FINAL_TASK)
def login_slips_final(job_id: int) -> None:
    """The slips' final step: render every part's slips in one PDF and, only if the cohort is
    unchanged, write the new PINs' hashes with it."""
    jobs.run_final(job_id, _assemble_slips)


def _assemble_slips(job: jobs.Job) -> dict[str, Any]:
    cohort = _cohort_of(job)
    outcomes = db.session.scalars(
        select(jobs.JobPart.outcome)
        .where(jobs.JobPart.job_id == job.id, jobs.JobPart.part != jobs.FINAL)
        .order_by(jobs.JobPart.part)
    )
    files = [jobs.results_folder() / outcome["file"] for outcome in outcomes]
    entries: list[dict[str, Any]] = []
    new_hashes: dict[int, str] = {}
    for path in files:
        kept = json.loads(path.read_text())
        entries += kept["entries"].values()
        new_hashes |= {int(user_id): value for user_id, value in kept["hashes"].items()}
    context = _slips_context(cohort, entries, job.arguments["language"])
    db.session.commit()  # nothing written yet: end the read before the long work
    if job.arguments.get("rendered_in_parts", False):
        pdf = join_slips([path.with_suffix(".pdf").read_bytes() for path in files], context)
    else:
        entries.sort(key=lambda entry: entry["name"])
        pdf = render_slips(context)
    if _member_ids(cohort.id) != set(job.arguments["items"]):
        raise jobs.JobFailed("input_changed")  # the slips would not match: no PIN changes
    _replace_pins(cohort.id, new_hashes, job.started_by_id)
    jobs.finish(job, pdf, f"login-slips-cohort-{cohort.id}.pdf", "application/pdf")
    for path in files:  # they hold PINs in clear; the result file is kept for its owner
        path.unlink(missing_ok=True)
        path.with_suffix(".pdf").unlink(missing_ok=True)
    return {"trainees": len(entries), "pins": len(new_hashes)}


def _cohort_of(job: jobs.Job) -> Cohort:
    actor = db.session.get(User, job.started_by_id)
    cohort = services.cohort_for(actor, job.arguments["cohort_id"]) if actor else None
    if cohort is None:  # deleted, or no longer run by the person who asked
        raise jobs.JobFailed("not_found")
    return cohort


@tasks.task(SLIPS_TASK)
def print_login_slips(job_id: int) -> None:
    """The slips as one task, for the jobs queued before they ran in parts: new initial PINs for
    members who have not chosen their own, and their slips."""
    jobs.run(job_id, _print_login_slips)


def _print_login_slips(job: jobs.Job) -> None:
    cohort = _cohort_of(job)
    members = sorted(cohort.members, key=lambda m: m.full_name)
    jobs.progress(job, 0, len(members))
    new_hashes: dict[int, str] = {}
    entries = []
    for number, member in enumerate(members, 1):
        entries.append(_slip_entry(member, new_hashes))
        if number % PROGRESS_EVERY == 0:
            jobs.progress(job, number)
    context = _slips_context(cohort, entries, job.arguments["language"])
    db.session.commit()  # nothing written yet: end the read before the long render
    pdf = render_slips(context)
    if _member_ids(cohort.id) != {member.id for member in members}:
        raise jobs.JobFailed(
            "input_changed"
        )  # the slips would not match the cohort: no PIN changes
    _replace_pins(cohort.id, new_hashes, job.started_by_id)
    jobs.finish(job, pdf, f"login-slips-cohort-{cohort.id}.pdf", "application/pdf")


def _member_ids(cohort_id: int) -> set[int]:
    query = select(cohort_members.c.user_id).where(cohort_members.c.cohort_id == cohort_id)
    return set(db.session.scalars(query))


def _slip_entry(member: User, new_hashes: dict[int, str]) -> dict[str, str | None]:
    pin = None
    if member.is_credential_temporary and member.is_enabled:
        pin = new_initial_pin()
        new_hashes[member.id] = hash_secret(pin)
    return {
        "name": member.full_name,
        "service_number": member.service_number,
        "pin": pin,
        "rank": rank_label(member.rank, member.preferred_language),
        "unit": member.unit or "",
        "language": member.preferred_language,  # each slip speaks its trainee's language
    }


def _replace_pins(cohort_id: int, new_hashes: dict[int, str], actor_id: int) -> None:
    # PINs are never stored in clear: printing slips again gives new PINs (earlier slips stop working).
    for user_id, credential_hash in new_hashes.items():
        member = db.session.get(User, user_id)
        if member is None:
            continue
        member.credential_hash = credential_hash
        member.session_version += 1
    audit.record("slips.printed", "cohort", cohort_id, actor_id, pins=len(new_hashes))


def _slip_labels(language: str) -> dict[str, str]:
    with force_locale(language):
        return {
            "title": _("Login slips"),
            "service_number": _("Service number"),
            "pin": _("Initial PIN"),
            "address": _("Sign in at"),
            "own_pin": _("(your own PIN)"),
            "hint": _(
                "Sign in with your service number and this PIN, then choose your own PIN. Keep this slip private."
            ),
        }


def _slips_context(cohort: Cohort, entries: list[Any], language: str) -> dict[str, Any]:
    """The document in the trainer's language; each slip in its trainee's (entries made before
    slips carried a language take the trainer's)."""
    for entry in entries:
        entry["language"] = (
            entry.get("language") if entry.get("language") in LANGUAGES else language
        )
    spoken = {entry["language"] for entry in entries} | {language}
    return {
        "cohort": cohort.name,
        "centre": cohort.centre.issuer_name,
        "sign_in_url": public_url("accounts.sign_in", _owner=cohort),
        "labels": _slip_labels(language),
        "labels_by_language": {code: _slip_labels(code) for code in spoken},
        "directions": {code: "rtl" if is_rtl(code) else "ltr" for code in spoken},
        "entries": entries,
        "language": language,
        "direction": "rtl" if is_rtl(language) else "ltr",
    }


REPORT_KIND = "cohort_report"
REPORT_TASK = "cohorts.report"

jobs.declare_kind(REPORT_KIND, _l("Cohort report or export"))


def start_report(cohort: Cohort, report: str, actor: User, language: str, size: int) -> jobs.Job:
    """Queue a report or export of a large cohort, as of today, in the asker's language."""
    arguments = {
        "cohort_id": cohort.id,
        "report": report,
        "language": language,
        "on": utcnow().date().isoformat(),
    }
    return jobs.start(REPORT_KIND, REPORT_TASK, actor.id, arguments, total=size)


@tasks.task(REPORT_TASK)
def make_report(job_id: int) -> None:
    """The task: the same file the request gives for a small cohort, kept for its owner."""
    jobs.run(job_id, _make_report)


def _make_report(job: jobs.Job) -> None:
    actor = db.session.get(User, job.started_by_id)
    cohort = services.cohort_for(actor, job.arguments["cohort_id"]) if actor else None
    if cohort is None:  # deleted, or no longer run by the person who asked
        raise jobs.JobFailed("not_found")
    on = date.fromisoformat(job.arguments["on"])
    prepared = reports.prepare(cohort, job.arguments["report"], job.arguments["language"], on)
    db.session.commit()  # nothing written: end the read before the render
    jobs.finish(job, prepared.render(), prepared.filename, prepared.mimetype)


ROSTER_KIND = "roster_check"
ROSTER_TASK = "cohorts.check_roster"


def _roster_summary(outcome: dict[str, Any]) -> str:
    return _(
        "%(rows)d rows checked, %(errors)d with problems. Nothing is imported until you confirm.",
        rows=outcome.get("rows", 0),
        errors=outcome.get("errors", 0),
    )


def _roster_follow_up(outcome: dict[str, Any]) -> tuple[str, str]:
    address = url_for(
        "cohorts.roster_preview", cohort_id=outcome["cohort_id"], import_id=outcome["import_id"]
    )
    return address, _("Review the roster")


jobs.declare_kind(ROSTER_KIND, _l("Roster check"), _roster_summary, _roster_follow_up)


def start_roster_check(
    cohort: Cohort, content: bytes, filename: str, actor: User, language: str, rows: int
) -> jobs.Job:
    """Queue the check of a large roster file (kept until the job has read it)."""
    arguments = {
        "cohort_id": cohort.id,
        "file": jobs.keep_input(content),
        "filename": filename,
        "language": language,
    }
    return jobs.start(ROSTER_KIND, ROSTER_TASK, actor.id, arguments, total=rows)


@tasks.task(ROSTER_TASK)
def check_roster(job_id: int) -> None:
    """The task: read and validate the roster as the request does for a small one, and keep it
    for review (nothing is imported before the trainer confirms)."""
    jobs.run(job_id, _check_roster)


def _check_roster(job: jobs.Job) -> None:
    name = job.arguments["file"]
    try:
        actor = db.session.get(User, job.started_by_id)
        cohort = services.cohort_for(actor, job.arguments["cohort_id"]) if actor else None
        path = jobs.input_file(name)
        if cohort is None or actor is None or not path.is_file():
            raise jobs.JobFailed("not_found")
        with force_locale(job.arguments["language"]):
            try:
                rows = parse_roster(path.read_bytes(), job.arguments["filename"])
            except RosterFileError as error:
                raise jobs.JobFailed("invalid_file", str(error)) from None
            staged = services.stage_roster(cohort, rows, job.arguments["filename"], actor)
        job.total = len(rows)
        outcome = {"cohort_id": cohort.id, "import_id": staged.id, "rows": len(rows)}
        jobs.complete(job, {**outcome, "errors": staged.error_count})
    finally:
        jobs.drop_input(name)  # it holds personal data; a retry asks for the file again
