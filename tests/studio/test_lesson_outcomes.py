"""Learning-outcome ticks on a lesson's editor: saved in the lesson's entry of course.yaml, kept
in place when unchanged, never dropped by an edit of the lesson's other fields; bad references
refused next to the field, nothing written."""

from __future__ import annotations

import pytest
import yaml

from studio.models import CourseDraft
from tests.helpers import table_counts
from tests.studio.test_edit_lessons import (
    PAGE,
    _make_draft,
    files_of,
    french_draft,
    post_page,
)

LESSON = f"{PAGE}/lessons/first-steps"
TEXT = "# Lesson 1 en\n\nBody.\n"


@pytest.fixture
def draft(app, db_session, author, tmp_path):
    return _make_draft(app, author, tmp_path)


def entry(db_session, draft_id, slug="first-steps"):
    data = yaml.safe_load(files_of(db_session, draft_id)["course.yaml"])
    return next(item for item in data["lessons"] if item["slug"] == slug)


__all__ = ["french_draft"]  # the fixture of tests/studio/test_edit_lessons.py, used below


def test_the_lesson_editor_shows_the_outcome_ticks(client, draft):
    body = client.get(f"{LESSON}/en").get_data(as_text=True)
    assert 'name="outcomes" value="CPTM-2017 3.4 LO2"' in body
    assert "Learning outcomes served" in body


def test_ticked_outcomes_are_saved_in_the_lessons_entry_and_kept_by_other_edits(
    client, db_session, draft
):
    ticks = ["CPTM-2017 3.4 LO1", "CPTM-2017 3.4 LO2"]
    response = post_page(
        client, f"{LESSON}/en", text=TEXT, standards=["SEA-1"], outcomes=ticks, save="1"
    )
    assert response.status_code == 302
    assert entry(db_session, draft)["outcomes"] == ticks
    assert "outcomes" not in entry(db_session, draft, "second-steps")
    body = client.get(f"{LESSON}/fr").get_data(as_text=True)  # ticked on every language's page
    assert 'value="CPTM-2017 3.4 LO2" checked' in body
    # a text and duration edit that sends the ticks as the page shows them keeps them, in place
    manifest = files_of(db_session, draft)["course.yaml"].decode()
    post_page(
        client,
        f"{LESSON}/en",
        text=TEXT + "More.\n",
        standards=["SEA-1"],
        minutes="20",
        outcomes=list(reversed(ticks)),
        save="1",
    )
    after = files_of(db_session, draft)["course.yaml"].decode()
    assert (
        entry(db_session, draft)["outcomes"] == ticks and entry(db_session, draft)["minutes"] == 20
    )
    assert set(manifest.splitlines()) - set(after.splitlines()) == set()
    # the same save through the editing module without the field (None): outcomes kept
    files = files_of(db_session, draft)
    from studio.editing import save_lesson

    kept = save_lesson(files, "first-steps", "en", "# Lesson 1 en\n\nOther.\n", ["SEA-1"], None)
    assert yaml.safe_load(kept["course.yaml"])["lessons"][0]["outcomes"] == ticks
    # unticking them all removes the key
    post_page(client, f"{LESSON}/en", text=TEXT, standards=["SEA-1"], save="1")
    assert "outcomes" not in entry(db_session, draft)


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (["CPTM-2017 3.4 LO9"], "No learning outcome CPTM-2017 3.4 LO9 is known"),
        (["3.4 LO2"], "is not an outcome reference"),
    ],
)
def test_bad_references_are_refused_next_to_the_field_and_nothing_is_written(
    client, db_session, draft, sent, message
):
    before = files_of(db_session, draft)
    counts = table_counts(db_session)
    response = post_page(
        client,
        f"{LESSON}/en",
        text=TEXT + "Changed.\n",
        standards=["SEA-1"],
        outcomes=sent,
        save="1",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and 'id="outcomes-error"' in body
    assert files_of(db_session, draft) == before and table_counts(db_session) == counts
    assert db_session.get(CourseDraft, draft).revision == 1


def test_the_refusal_is_in_the_authors_language(client, db_session, french_draft):
    response = post_page(
        client,
        f"{LESSON}/en",
        text=TEXT,
        standards=["SEA-1"],
        outcomes=["CPTM-2017 3.4 LO9"],
        save="1",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is known to this installation" not in body and "CPTM-2017 3.4 LO9" in body


def test_published_lesson_outcomes_reach_the_coverage_page(client, db_session, draft):
    post_page(
        client,
        f"{LESSON}/en",
        text=TEXT,
        standards=["SEA-1"],
        outcomes=["CPTM-2017 3.4 LO3"],
        save="1",
    )
    body = client.get(f"{PAGE}/coverage").get_data(as_text=True)
    assert "CPTM-2017 3.4 LO3" in body
