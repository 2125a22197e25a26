"""The load bench's baseline (bench/bare_quiz_app.py) renders exactly the LMS's question page.

bench/quiz_load.py judges the question page's throughput against a bare Flask + Jinja app that
renders the same templates from the same data. If the templates change and the bare app no longer
gives the same page, the ratio would compare different pages: this test (and the bench itself, at
start-up) catches that.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.assessments.quiz_steps import answer, enrol_with_lessons_done, items_of, start

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench_modules(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import bare_quiz_app
    import quiz_load

    yield quiz_load, bare_quiz_app
    for name in ("bare_quiz_app", "quiz_load", "machine"):
        sys.modules.pop(name, None)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_bare_app_renders_the_lms_question_page(
    client, app, login_as, load_course, db_session, bench_modules, language
):
    quiz_load, bare_quiz_app = bench_modules
    load_course()
    trainee = login_as("trainee", preferred_language=language)
    enrol_with_lessons_done(client)
    attempt_id = start(client)
    first = items_of(db_session, attempt_id)[0]
    assert answer(client, attempt_id, 1, first.correct_keys).status_code == 200
    context = quiz_load.question_context(app, trainee.id, attempt_id)
    bare = bare_quiz_app.create_rendered_app(context).test_client()
    for position in (1, 2):
        path = f"/assessments/attempts/{attempt_id}/questions/{position}"
        lms_page = client.get(path).get_data(as_text=True)
        bare_page = bare.get(path).get_data(as_text=True)
        assert quiz_load.same_page(lms_page, bare_page), (lms_page, bare_page)
    # The page compared is a real one: the trainee's language, the saved answer and its tick.
    assert f'lang="{language}"' in lms_page and "✓" in lms_page
    assert ('dir="rtl"' in lms_page) == (language == "ar")
    other_question = bare.get(f"/assessments/attempts/{attempt_id}/questions/1")
    assert not quiz_load.same_page(lms_page, other_question.get_data(as_text=True))


def test_the_reads_baseline_reads_the_answers_and_renders_the_same_page(
    client, app, login_as, load_course, db_session, connection, bench_modules
):
    # The bench's `reads` app adds the LMS page's two reads (plain psycopg, the SQL the LMS's
    # statements compile to) and renders the answers it reads: the same page again.
    if connection.dialect.name != "postgresql":
        pytest.skip("the reads baseline speaks psycopg, as the bench runs on PostgreSQL")
    quiz_load, bare_quiz_app = bench_modules
    load_course()
    trainee = login_as("trainee")
    enrol_with_lessons_done(client)
    attempt_id = start(client)
    context = quiz_load.question_context(app, trainee.id, attempt_id)
    assert context["answers"] == {}
    # The test's own connection (its transaction holds the data): the reads run in a savepoint.
    reads = bare_quiz_app.create_reads_app(context, lambda: connection.connection.dbapi_connection)
    bare = reads.test_client()
    first = items_of(db_session, attempt_id)[0]
    assert answer(client, attempt_id, 1, first.correct_keys).status_code == 200
    path = f"/assessments/attempts/{attempt_id}/questions/1"
    lms_page = client.get(path).get_data(as_text=True)
    bare_page = bare.get(path).get_data(as_text=True)
    assert "✓" in lms_page and "checked" in lms_page
    assert quiz_load.same_page(lms_page, bare_page), (lms_page, bare_page)
