"""A cohort's certificates issued together: rendered on worker processes, the rows in one transaction."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from certificates.pdf import INLINE_BELOW
from lms.audit import AuditEvent
from lms.db import utcnow
from tests.certificates.samples import plain, read_roster
from tests.conftest import TEST_SECRET
from tests.helpers import complete_every_lesson, poppler, sign_in, submit

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"
)


@pytest.fixture
def app_config():
    # Two workers whatever the machine, so the pool is used (and tested) on one core too.
    return {"CERTIFICATE_RENDER_PROCESSES": 2}


@pytest.fixture
def roster_trainees(make_user):
    """A trainee for every row of the sample roster (names in eight scripts), plus four more."""
    rows = read_roster()
    rows += [{**row, "service_number": f"{row['service_number']}-B"} for row in rows[:4]]
    assert len(rows) >= INLINE_BELOW  # enough for the worker processes
    return [
        make_user(
            "trainee",
            full_name=row["full_name"],
            service_number=row["service_number"],
            rank=row["rank"],
            nationality=row["nationality"],
            preferred_language=row["language"],
        )
        for row in rows
    ]


@pytest.fixture
def issue_together(app):
    """issue_certificates(...) in a request context, committed; the serials issued."""
    from certificates.services import issue_certificates
    from lms.db import db

    def _issue(trainees, course, today=None):
        with app.test_request_context(base_url="http://localhost"):
            certificates = issue_certificates(
                [(db.session.merge(t), db.session.merge(course)) for t in trainees], today=today
            )
            db.session.commit()
            return [certificate.serial for certificate in certificates]

    return _issue


def _count(db_session, model=Certificate, **where):
    db_session.expire_all()
    query = select(func.count(model.id))
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db_session.scalar(query)


def test_a_cohort_batch_issues_each_once_with_valid_pdfs(
    issue_together, roster_trainees, course, db_session, tmp_path: Path
) -> None:
    # A completion listed twice is issued once.
    serials = issue_together([*roster_trainees, roster_trainees[0]], course)
    assert len(serials) == len(roster_trainees) == len(set(serials))
    certificates = db_session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert [c.trainee_id for c in certificates] == [t.id for t in roster_trainees]
    assert _count(db_session, AuditEvent, action="certificate.issued") == len(roster_trainees)
    for trainee, certificate in zip(roster_trainees, certificates, strict=True):
        assert certificate.sequence == 1 and certificate.language == trainee.preferred_language
        assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.sha256
        text = plain(poppler("pdftotext", certificate.pdf, tmp_path))
        assert plain(trainee.full_name) in text and certificate.serial in text


def test_a_batch_gives_what_issuing_one_by_one_gives(
    app, issue_together, make_user, course, db_session
) -> None:
    from certificates.services import issue_certificate
    from lms.db import db

    trainees = [
        make_user(
            "trainee",
            full_name=f"Trainee {n}",
            preferred_language=("en", "fr", "zh", "ar")[n // 2 % 4],
        )
        for n in range(2 * INLINE_BELOW)
    ]
    together, alone = trainees[::2], trainees[1::2]
    issue_together(together, course)
    with app.test_request_context(base_url="http://localhost"):
        for trainee in alone:
            issue_certificate(db.session.merge(trainee), db.session.merge(course))
        db.session.commit()

    fields = ("sequence", "course_version", "language", "course_title", "standards", "centre")
    fields += ("issued_on", "expires_on", "rank", "country")
    by_trainee = {c.trainee_id: c for c in db_session.scalars(select(Certificate))}
    for batch_trainee, single_trainee in zip(together, alone, strict=True):
        batch, single = by_trainee[batch_trainee.id], by_trainee[single_trainee.id]
        assert {f: getattr(batch, f) for f in fields} == {f: getattr(single, f) for f in fields}
        assert batch.pdf.startswith(b"%PDF-") and abs(len(batch.pdf) - len(single.pdf)) < 2048


def test_a_second_batch_and_held_certificates_issue_nothing_twice(
    app, issue_together, roster_trainees, course, db_session
) -> None:
    from certificates.services import issue_certificate
    from lms.db import db

    with app.test_request_context(base_url="http://localhost"):
        issue_certificate(db.session.merge(roster_trainees[0]), db.session.merge(course))
        db.session.commit()
    first = issue_together(roster_trainees, course)
    assert len(first) == len(roster_trainees) - 1  # the first trainee already held one
    assert issue_together(roster_trainees, course) == []
    assert _count(db_session) == len(roster_trainees)
    assert _count(db_session, AuditEvent, action="certificate.issued") == len(roster_trainees)


def test_after_expiry_a_batch_issues_the_next_certificate(
    issue_together, make_user, course, db_session
) -> None:
    from datetime import date, timedelta

    trainees = [make_user("trainee") for _ in range(3)]
    issue_together(trainees, course, today=date.today() - timedelta(days=400))
    renewed = issue_together(trainees, course)
    assert len(renewed) == 3
    sequences = db_session.scalars(
        select(Certificate.sequence).where(Certificate.serial.in_(renewed))
    ).all()
    assert sorted(sequences) == [2, 2, 2]


@pytest.mark.parametrize("size", [3, INLINE_BELOW + 4])
def test_a_failed_render_leaves_the_database_as_it_was(
    issue_together, make_user, course, db_session, size: int
) -> None:
    # A blank name is refused by the renderer (in a worker process for the larger batch).
    trainees = [make_user("trainee") for _ in range(size - 1)]
    trainees.insert(size // 2, make_user("trainee", full_name="   "))
    with pytest.raises(ValueError, match="holder_name"):
        issue_together(trainees, course)
    assert _count(db_session) == 0
    assert _count(db_session, AuditEvent, action="certificate.issued") == 0


def test_a_concurrent_issuance_during_the_batch_wins_its_trainee_only(
    app, issue_together, make_user, course, db_session, during_next_render
) -> None:
    # Another request issues one trainee's certificate while the batch renders: the batch keeps
    # the others and skips that one (the unique sequence refuses the second row).
    from certificates.services import issue_certificate
    from lms.db import db

    trainees = [make_user("trainee") for _ in range(4)]
    during_next_render(
        lambda: issue_certificate(db.session.get(type(trainees[1]), trainees[1].id), course)
    )
    issued = issue_together(trainees, course)
    assert len(issued) == 3 and _count(db_session) == 4
    assert _count(db_session, AuditEvent, action="certificate.issued") == 4


def test_completions_inside_a_together_block_are_issued_at_its_end(
    app, make_user, course, db_session
) -> None:
    from lms.db import db
    from lms.events import course_completed, together

    trainees = [make_user("trainee") for _ in range(3)]
    with app.test_request_context(base_url="http://localhost"):
        issued = lambda: db.session.scalar(select(func.count(Certificate.id)))  # noqa: E731
        with together():
            for trainee in trainees:
                course_completed.send(app, trainee=db.session.merge(trainee), course=course)
            with together():  # nested: the outer block issues
                course_completed.send(app, trainee=db.session.merge(trainees[0]), course=course)
            assert issued() == 0
        assert issued() == 3
        # Outside a block a completion issues at once (here: nothing, it is already held).
        course_completed.send(app, trainee=db.session.merge(trainees[0]), course=course)
        assert issued() == 3
        db.session.commit()
    assert _count(db_session) == 3


def test_an_error_inside_a_together_block_issues_nothing(app, make_user, course, db_session):
    from lms.db import db
    from lms.events import course_completed, together

    trainee = make_user("trainee")
    with (
        app.test_request_context(base_url="http://localhost"),
        pytest.raises(RuntimeError),
        together(),
    ):
        course_completed.send(app, trainee=db.session.merge(trainee), course=course)
        raise RuntimeError("the bulk operation failed")
    assert _count(db_session) == 0


def test_a_paper_quiz_for_a_cohort_issues_its_certificates_together(
    app, client, make_user, make_cohort, course, db_session, monkeypatch
) -> None:
    # The trainer's cohort-wide form completes the course for everyone: a job (run inside the
    # request in the tests), whose parts issue their certificates together.
    import certificates.pdf

    trainer = make_user("trainer")
    trainees = [
        make_user("trainee", full_name=name, preferred_language=language)
        for name, language in [("Sita Gurung", "en"), ("张伟", "zh"), ("فاطمة الزهراء بنعلي", "ar")]
        * ((INLINE_BELOW + 2) // 3)
    ]
    cohort = make_cohort(trainers=[trainer], members=trainees, courses=[course])
    complete_every_lesson(app, trainer, trainees, course)
    batches = []
    real = certificates.pdf.render_certificates

    def render_and_count(contexts, processes):
        batches.append(len(contexts))
        return real(contexts, processes)

    monkeypatch.setattr(certificates.pdf, "render_certificates", render_and_count)
    sign_in(client, trainer.sign_in_name, TEST_SECRET)
    data = {"observed_on": utcnow().date().isoformat()}
    for trainee in trainees:
        data |= {f"include-{trainee.id}": "1", f"pct-{trainee.id}-SEA-1": "90"}
        data |= {f"pct-{trainee.id}-SEA-2": "85"}
    response = submit(client, f"/evaluations/cohorts/{cohort.id}/paper/mini-course", data)
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    assert batches == [len(trainees)]  # one part, one batch, rendered on the worker processes
    assert _count(db_session) == len(trainees)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{len(trainees)} trainees checked: {len(trainees)} course completions" in page
    holders = set(db_session.scalars(select(Certificate.trainee_id)))
    assert holders == {trainee.id for trainee in trainees}


def test_certificates_rendered_beforehand_are_used_only_while_they_still_match(
    app, make_user, course, db_session, monkeypatch
) -> None:
    # A job renders outside its transaction, then issues: what changed meanwhile (a holder's
    # name) is rendered again, the rest is issued as rendered.
    import certificates.pdf
    from accounts.models import User
    from certificates.services import issue_certificates, prepare_certificates, prerendered
    from lms.db import db

    trainees = [make_user("trainee", full_name=f"Trainee {n}") for n in range(3)]
    rendered: list[str] = []
    real = certificates.pdf.render_certificates

    def render_and_note(contexts, processes):
        rendered.extend(context["holder_name"] for context in contexts)
        return real(contexts, processes)

    monkeypatch.setattr(certificates.pdf, "render_certificates", render_and_note)
    with app.test_request_context(base_url="http://localhost"):
        pairs = [
            (db.session.get(User, t.id), db.session.get(type(course), course.id)) for t in trainees
        ]
        prepared = prepare_certificates(pairs)
        prepared.render()
        assert rendered == ["Trainee 0", "Trainee 1", "Trainee 2"]
        pairs[1][0].full_name = "Trainee One, renamed"
        with prerendered(prepared):
            issued = issue_certificates(pairs)
        db.session.commit()
    assert rendered[3:] == ["Trainee One, renamed"]  # only the one that changed
    by_holder = {c.holder_name: c for c in issued}
    assert by_holder["Trainee 0"] is prepared.certificates[0]
    assert by_holder["Trainee One, renamed"].serial != prepared.certificates[1].serial
    assert _count(db_session) == 3
