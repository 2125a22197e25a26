"""A centre's own standards and practicals: edited in the studio, published with the course, used
by the centre's trainers, invisible to other centres; bad input refused with nothing written."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from assessments.models import Evaluation, Rubric, Standard
from courses.models import Course
from lms import scope
from lms.db import db, utcnow
from studio import drafts, publishing
from studio.models import CourseDraft
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, submit, table_counts
from tests.studio.factories import changed, package_files

PAGE = "/studio/courses/centre-course"
TODAY = utcnow().date().isoformat()


@pytest.fixture
def draft(app, db_session, author, tmp_path):
    """A draft of the author's centre (languages en and fr), never published."""
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        made = drafts.create_draft(
            "centre-course", package_files(tmp_path), db.session.merge(author), "test"
        )
        db.session.commit()
        return made.id


def _revision(client, page):
    found = re.search(
        r'name="revision" type="hidden" value="(\d+)"', client.get(page).get_data(as_text=True)
    )
    assert found
    return found.group(1)


def _standard_form(code="DRV-1", threshold="100", title="Reverse into two bays", **extra):
    return {
        "code": code,
        "mastery_threshold": threshold,
        "title-en": title,
        "title-fr": "Créneau dans deux places",
        "description-en": "Reverses a vehicle into two marked bays within five minutes.",
        "description-fr": "Gare un véhicule en marche arrière dans deux places en cinq minutes.",
        **extra,
    }


def _rubric_form(code="DRV-P1", standard="DRV-1", criteria=1, **extra):
    data = {
        "code": code,
        "standard": standard,
        "time_limit": "300",
        "title-en": "Reversing into two bays",
        "title-fr": "Marche arrière dans deux places",
        "instructions-en": "Mark two bays with cones; start the clock when the engine starts.",
        "instructions-fr": "Marquez deux places avec des cônes ; démarrez au démarrage du moteur.",
        "action": "save",
    }
    for i in range(criteria):
        data |= {
            f"criterion-{i}-id": "",
            f"criterion-{i}-en": f"Criterion {i} done",
            f"criterion-{i}-fr": f"Critère {i} fait",
            f"criterion-{i}-required": "1",
        }
    return data | extra


def _post(client, page, data):
    return submit(client, page, {"revision": _revision(client, page), **data})


def _add_driving_test(client):
    added = _post(client, f"{PAGE}/standards/new", _standard_form())
    assert added.status_code == 302, added.get_data(as_text=True)
    added = _post(client, f"{PAGE}/rubrics/new", _rubric_form(criteria=2))
    assert added.status_code == 302, added.get_data(as_text=True)


def _publish(client):
    return submit(client, PAGE, {"revision": _revision(client, PAGE)}, action=f"{PAGE}/publish")


def test_a_centres_practical_is_published_and_recorded_for_its_cohort_only(
    app, client, db_session, draft, author, make_user, make_cohort, centre_b
):
    _add_driving_test(client)
    files = drafts.draft_files(db_session.get(CourseDraft, draft))
    rubric_file = yaml.safe_load(files["rubrics/DRV-P1.yaml"])
    assert [c["id"] for c in rubric_file["criteria"]] == ["c1", "c2"]
    assert rubric_file["time_limit_seconds"] == 300 and rubric_file["version"] == 1
    assert "DRV-P1" in client.get(f"{PAGE}/catalog").get_data(as_text=True)

    assert _publish(client).status_code == 302
    db_session.expire_all()
    rubric = db_session.scalars(select(Rubric).where(Rubric.code == "DRV-P1")).one()
    standard = db_session.scalars(select(Standard).where(Standard.code == "DRV-1")).one()
    assert rubric.centre_id == standard.centre_id == author.centre_id
    assert rubric.standard_code == "DRV-1" and rubric.time_limit_seconds == 300

    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[author], members=[trainee])
    url = f"/evaluations/cohorts/{cohort.id}/practical/DRV-P1"
    page = client.get(url).get_data(as_text=True)
    assert "Reversing into two bays" in page
    recorded = submit(
        client,
        url,
        {
            "observed_on": TODAY,
            f"include-{trainee.id}": "1",
            f"met-{trainee.id}-c1": "1",
            f"met-{trainee.id}-c2": "1",
            f"seconds-{trainee.id}": "250",
        },
    )
    assert recorded.status_code == 302
    evaluation = db_session.scalars(select(Evaluation)).one()
    assert evaluation.rubric_id == rubric.id and evaluation.passed
    assert (evaluation.standard_code, evaluation.standard_version) == ("DRV-1", 1)

    # Centre B: neither the evaluation page nor the list of practicals knows DRV-P1.
    other = app.test_client()
    trainer_b = make_user("trainer", centre_id=centre_b["centre"].id)
    trainee_b = make_user("trainee", centre_id=centre_b["centre"].id)
    cohort_b = make_cohort(
        trainers=[trainer_b], members=[trainee_b], centre_id=centre_b["centre"].id
    )
    sign_in(other, trainer_b.sign_in_name, TEST_SECRET)
    assert "DRV-P1" not in other.get("/evaluations/").get_data(as_text=True)
    assert other.get(f"/evaluations/cohorts/{cohort_b.id}/practical/DRV-P1").status_code == 404
    forged = submit(
        other,
        "/evaluations/",
        {"observed_on": TODAY, f"include-{trainee_b.id}": "1", f"seconds-{trainee_b.id}": "1"},
        action=f"/evaluations/cohorts/{cohort_b.id}/practical/DRV-P1",
    )
    assert forged.status_code == 404
    assert len(db_session.scalars(select(Evaluation)).all()) == 1
    # ... and centre B's author cannot open the course's catalog pages.
    author_b = app.test_client()
    sign_in(author_b, centre_b["author"].sign_in_name, TEST_SECRET)
    for page in (f"{PAGE}/catalog", f"{PAGE}/standards/DRV-1", f"{PAGE}/rubrics/DRV-P1"):
        assert author_b.get(page).status_code == 404


def test_another_centre_cannot_take_a_code_already_used(
    app, client, db_session, draft, author, centre_b, tmp_path
):
    _add_driving_test(client)
    assert _publish(client).status_code == 302
    files = package_files(tmp_path, slug="course-b")
    files["standards.yaml"] = drafts.draft_files(db_session.get(CourseDraft, draft))[
        "standards.yaml"
    ]
    with app.test_request_context():
        scope.enter(db.session, centre_b["centre"].id)
        draft_b = drafts.create_draft("course-b", files, db.session.merge(centre_b["author"]), "t")
        db.session.commit()
        before = table_counts(db.session)
        outcome = publishing.publish(
            draft_b, draft_b.revision, db.session.merge(centre_b["author"])
        )
        assert outcome.version is None
        assert any("DRV-1 is already used by another centre" in p.message for p in outcome.problems)
        db.session.rollback()
        assert table_counts(db.session)["standards"] == before["standards"]
    # The form says so too, before anything is saved.
    author_b = app.test_client()
    sign_in(author_b, centre_b["author"].sign_in_name, TEST_SECRET)
    refused = _post(author_b, "/studio/courses/course-b/standards/new", _standard_form())
    assert refused.status_code == 400
    assert "already used by another centre" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        ("standards/new", _standard_form(code="SEA-1"), "is a code of the UN catalog"),
        ("standards/new", _standard_form(code="drive"), "Use 2 to 4 capital letters"),
        ("standards/new", _standard_form(threshold="101"), "whole number from 1 to 100"),
        ("standards/new", _standard_form(**{"title-fr": " "}), "Enter the text in Français"),
        ("rubrics/new", _rubric_form(code="SAF-P1"), "is a code of the UN catalog"),
        ("rubrics/new", _rubric_form(standard="XYZ-9"), "Choose one of the course"),
        ("rubrics/new", _rubric_form(criteria=0), "at least one criterion"),
        ("rubrics/new", _rubric_form(time_limit="-5"), "whole number of seconds"),
        ("rubrics/new", _rubric_form(**{"criterion-0-en": ""}), "Enter the text in English"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    client, db_session, draft, page, data, message
):
    _post(client, f"{PAGE}/standards/new", _standard_form())  # DRV-1, for the rubrics
    stored = db_session.get(CourseDraft, draft)
    db_session.refresh(stored)
    revision, package = stored.revision, stored.package
    response = _post(client, f"{PAGE}/{page}", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and "Nothing was saved" in body and 'class="error"' in body
    db_session.refresh(stored)
    assert (stored.revision, stored.package) == (revision, package)


def test_a_duplicate_code_in_the_course_is_refused(client, db_session, draft):
    _add_driving_test(client)
    again = _post(client, f"{PAGE}/standards/new", _standard_form())
    assert again.status_code == 400 and "This course already has DRV-1" in again.get_data(
        as_text=True
    )
    again = _post(client, f"{PAGE}/rubrics/new", _rubric_form())
    assert again.status_code == 400 and "This course already has DRV-P1" in again.get_data(
        as_text=True
    )


def test_criteria_rows_are_added_and_removed_without_saving(client, db_session, draft):
    _post(client, f"{PAGE}/standards/new", _standard_form())
    stored = db_session.get(CourseDraft, draft)
    db_session.refresh(stored)
    revision = stored.revision
    page = f"{PAGE}/rubrics/new"
    added = _post(client, page, _rubric_form(criteria=2, action="add-criterion")).get_data(
        as_text=True
    )
    assert 'name="criterion-2-en"' in added and "Criterion 1 done" in added
    removed = _post(client, page, _rubric_form(criteria=2, action="remove-0")).get_data(
        as_text=True
    )
    assert "Criterion 0 done" not in removed and "Criterion 1 done" in removed
    assert 'name="criterion-1-en"' not in removed
    db_session.refresh(stored)
    assert stored.revision == revision


def test_a_changed_meaning_raises_the_version_a_translation_does_not(
    app, client, db_session, draft, author
):
    _add_driving_test(client)
    assert _publish(client).status_code == 302
    edit = f"{PAGE}/standards/DRV-1"
    assert (
        _post(client, edit, _standard_form(**{"title-fr": "Nouvelle traduction"})).status_code
        == 302
    )
    files = drafts.draft_files(db_session.get(CourseDraft, draft))
    assert yaml.safe_load(files["standards.yaml"])["standards"][0]["version"] == 1
    assert _post(client, edit, _standard_form(threshold="90")).status_code == 302
    db_session.expire_all()
    files = drafts.draft_files(db_session.get(CourseDraft, draft))
    entry = yaml.safe_load(files["standards.yaml"])["standards"][0]
    assert (entry["version"], entry["mastery_threshold"]) == (2, 90)
    # Published with the course's next version, the old version stops being current.
    with app.test_request_context():
        scope.enter(db.session, author.centre_id)
        stored = db.session.get(CourseDraft, draft)
        bumped = changed(files, "course.yaml", "version: '1.0'", "version: '1.1'")
        drafts.save_draft(stored, bumped, stored.revision, db.session.merge(author), "test")
        db.session.commit()
    assert _publish(client).status_code == 302
    db_session.expire_all()
    rows = db_session.execute(
        select(Standard.version, Standard.is_current, Standard.mastery_threshold)
        .where(Standard.code == "DRV-1")
        .order_by(Standard.version)
    ).all()
    assert rows == [(1, False, 100), (2, True, 90)]


def test_a_stale_form_shows_the_conflict_and_saves_nothing(client, db_session, draft):
    page = f"{PAGE}/standards/new"
    opened = _revision(client, page)
    _post(client, f"{PAGE}/rubrics/new", _rubric_form(standard="SEA-1"))  # someone else's save
    stale = submit(client, page, {"revision": opened, **_standard_form()})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "since you opened it" in body
    assert "standards.yaml" in body and "Reverse into two bays" in body  # what was not saved
    files = drafts.draft_files(db_session.get(CourseDraft, draft))
    assert "standards.yaml" not in files


def _own_files(tmp_path, standards, rubric=None):
    files = package_files(tmp_path)
    files["standards.yaml"] = yaml.safe_dump({"standards": standards}).encode()
    if rubric is not None:
        files[f"rubrics/{rubric['code']}.yaml"] = yaml.safe_dump(rubric).encode()
    return files


def _standard_entry(code="DRV-1", **extra):
    texts = {"en": "Reversing", "fr": "Marche arrière"}
    return {
        "code": code,
        "version": 1,
        "mastery_threshold": 100,
        "title": dict(texts),
        "description": dict(texts),
    } | extra


def _rubric_entry(code="DRV-P1", standard="DRV-1", criteria=True):
    texts = {"en": "Reversing", "fr": "Marche arrière"}
    return {
        "code": code,
        "standard": standard,
        "version": 1,
        "title": dict(texts),
        "instructions": dict(texts),
        "criteria": [{"id": "c1", "text": dict(texts), "required": True}] if criteria else [],
    }


@pytest.mark.parametrize(
    ("standards", "rubric", "where", "message"),
    [
        ([_standard_entry("SEA-1")], None, ("standards.yaml", 2), "belongs to the UN catalog"),
        (
            [_standard_entry(), _standard_entry()],
            None,
            ("standards.yaml", 11),
            "duplicate standard code DRV-1",
        ),
        (
            [_standard_entry(title={"en": "Reversing"})],
            None,
            ("standards.yaml", 2),
            "missing 'fr' translation",
        ),
        ([_standard_entry()], _rubric_entry("SAF-P1"), ("rubrics/SAF-P1.yaml", 1), "UN catalog"),
        (
            [_standard_entry()],
            _rubric_entry(standard="XYZ-1"),
            ("rubrics/DRV-P1.yaml", 1),
            "unknown standard",
        ),
        (
            [_standard_entry()],
            _rubric_entry(criteria=False),
            ("rubrics/DRV-P1.yaml", 1),
            "at least one criterion",
        ),
    ],
)
def test_the_loader_checks_a_packages_own_catalog_with_file_and_line(
    app, db_session, tmp_path, standards, rubric, where, message
):
    with app.test_request_context():
        validation = publishing.validate(_own_files(tmp_path, standards, rubric))
    assert any((p.path, p.line) == where and message in p.message for p in validation.problems), (
        validation.problems
    )


def test_a_bundled_course_cannot_carry_its_own_catalog(app, db_session, tmp_path):
    from assessments.catalog import load_rubrics, load_standards
    from lms.yamlfile import PackageError
    from studio.loader import read_package
    from studio.package_zip import write_folder
    from studio.sync import LoadReport, sync_course

    root = tmp_path / "pkg"
    write_folder(_own_files(tmp_path, [_standard_entry()]), root)
    standards = load_standards()
    package = read_package(root, standards, load_rubrics(standards))
    assert [s.code for s in package.own_standards] == ["DRV-1"]
    with app.app_context(), pytest.raises(PackageError, match="only a centre's course"):
        sync_course(package, LoadReport())  # unscoped, as `flask courses load`: no centre


def test_the_course_requires_its_own_and_un_practicals_and_refuses_others(
    client, db_session, draft
):
    assert _post(client, f"{PAGE}/rubrics/new", _rubric_form("DRV-P2", "SEA-1")).status_code == 302
    catalog = client.get(f"{PAGE}/catalog").get_data(as_text=True)
    assert 'value="DRV-P2"' in catalog
    assert 'value="SEA-P1"' not in catalog  # it assesses SEA-3, not one of the course's
    stored = db_session.get(CourseDraft, draft)
    db_session.refresh(stored)
    before = stored.package
    refused = submit(
        client,
        f"{PAGE}/catalog",
        {"revision": _revision(client, f"{PAGE}/catalog"), "practical": ["DRV-P2", "SEA-P1"]},
        action=f"{PAGE}/practicals",
    )
    assert refused.status_code == 400 and "Nothing was saved" in refused.get_data(as_text=True)
    db_session.refresh(stored)
    assert stored.package == before
    saved = submit(
        client,
        f"{PAGE}/catalog",
        {"revision": _revision(client, f"{PAGE}/catalog"), "practical": ["DRV-P2"]},
        action=f"{PAGE}/practicals",
    )
    assert saved.status_code == 302
    assert _publish(client).status_code == 302
    db_session.expire_all()
    course = db_session.scalars(select(Course).where(Course.slug == "centre-course")).one()
    assert course.practicals == ["DRV-P2"]
