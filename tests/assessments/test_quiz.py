"""Quizzes through HTTP: secrecy of answers, resume, double submit, time limit, attempt limit,
tampered forms, results per standard and the completion event."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from assessments.models import AnswerRecord, AttemptResult, Question, QuizAttempt
from lms.db import utcnow
from tests.assessments.quiz_steps import (
    QUIZ,
    answer,
    answer_all,
    enrol_with_lessons_done,
    items_of,
    start,
    submit_attempt,
)
from tests.helpers import csrf_token, sign_out, submit


class Clock:
    """A clock the test moves; patched into the quiz service and views."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("assessments.quiz.utcnow", clock)
    monkeypatch.setattr("assessments.views.utcnow", clock)
    return clock


@pytest.fixture
def ready_trainee(client, login_as, load_course):
    """A trainee enrolled in the mini course with every lesson complete."""
    load_course()
    trainee = login_as("trainee")
    enrol_with_lessons_done(client)
    return trainee


def test_correct_answers_never_reach_the_browser_before_submission(
    client, ready_trainee, db_session
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    pages = [QUIZ, f"/assessments/attempts/{attempt_id}/review"]
    pages += [f"/assessments/attempts/{attempt_id}/questions/{item.position}" for item in items]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "right answer" not in html and "correct" not in html.lower().replace(
            "incorrect", ""
        ), url
        for item in items:
            assert item.served["explanation"] not in html, url
        for tag in re.findall(r"<input[^>]*name=\"answer\"[^>]*>", html):
            shape = re.sub(r'(value|id)="[^"]*"', "", tag).replace(" checked", "")
            assert shape in {
                '<input type="radio" name="answer"  >',
                '<input type="checkbox" name="answer"  >',
            }, tag
    answer_all(client, db_session, attempt_id)
    submit_attempt(client, attempt_id)
    result = client.get(f"/assessments/attempts/{attempt_id}/result").get_data(as_text=True)
    assert all(item.served["explanation"] in result for item in items)


def test_options_are_shuffled_and_questions_drawn_per_standard(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    assert sorted(item.standard_code for item in items) == ["SEA-1"] * 8 + ["SEA-2"] * 8
    keys = [o["key"] for item in items for o in item.served["options"]]
    assert len(set(keys)) == len(keys)  # opaque and unique per attempt


def test_an_attempt_survives_a_reload_and_resumes(client, ready_trainee, db_session):
    attempt_id = start(client)
    item = items_of(db_session, attempt_id)[0]
    key = item.served["options"][1]["key"]
    answer(client, attempt_id, 1, [key])
    page = client.get(f"/assessments/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    assert re.search(rf'value="{key}" id="o-{key}" checked', page)
    assert "Resume your attempt" in client.get(QUIZ).get_data(as_text=True)
    assert start(client) == attempt_id  # starting again resumes, no second attempt


def test_double_submit_counts_once(client, ready_trainee, db_session):
    attempt_id = start(client)
    answer_all(client, db_session, attempt_id)
    token = csrf_token(client, f"/assessments/attempts/{attempt_id}/review")
    first = client.post(f"/assessments/attempts/{attempt_id}/submit", data={"csrf_token": token})
    replay = client.post(f"/assessments/attempts/{attempt_id}/submit", data={"csrf_token": token})
    # The result comes in the answer to the submission (no redirect); sending it again (a
    # reload) shows the same result and says it counts once.
    assert first.status_code == replay.status_code == 200
    assert "Your result" in first.get_data(as_text=True)
    assert "it counts once" in replay.get_data(as_text=True)
    count = db_session.scalar(
        select(func.count(AttemptResult.id)).where(AttemptResult.attempt_id == attempt_id)
    )
    assert count == 1


def test_passing_shows_every_standard_and_emits_completion(client, ready_trainee, db_session, app):
    from assessments.completion import course_completed

    received = []

    def receiver(sender, trainee, course):
        received.append((trainee.id, course.slug))

    course_completed.connect(receiver)
    try:
        attempt_id = start(client)
        answer_all(client, db_session, attempt_id)
        submit_attempt(client, attempt_id)
    finally:
        course_completed.disconnect(receiver)
    page = client.get(f"/assessments/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Passed: 100% overall" in page and "SEA-1" in page and "SEA-2" in page
    assert received == [(ready_trainee.id, "mini-course")]


def test_failing_links_the_weak_standard_to_its_lessons(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    for item in items:
        right = item.standard_code == "SEA-1"
        keys = (
            item.correct_keys
            if right
            else [o["key"] for o in item.served["options"] if o["key"] not in item.correct_keys][:1]
        )
        answer(client, attempt_id, item.position, keys, "review" if item == items[-1] else "next")
    submit_attempt(client, attempt_id)
    page = client.get(f"/assessments/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed: 50% overall" in page
    assert 'href="/courses/mini-course/lessons/second-steps">Lesson 2 en<' in page  # SEA-2's
    assert 'href="/courses/mini-course/lessons/first-steps"' not in page
    # The lesson's title in the reader's language, or in English marked as such
    result = f"/assessments/attempts/{attempt_id}/result"
    submit(client, result, {"lang": "fr", "next": result}, action="/language")
    french = client.get(result).get_data(as_text=True)
    assert 'lessons/second-steps">Lesson 2 fr<' in french
    submit(client, result, {"lang": "es", "next": result}, action="/language")
    spanish = client.get(result).get_data(as_text=True)
    assert 'lessons/second-steps" lang="en" dir="ltr">Lesson 2 en<' in spanish


def test_time_limit_scores_only_answers_saved_before_the_deadline(
    client, ready_trainee, db_session, clock
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    answer(client, attempt_id, 1, items[0].correct_keys)
    clock.now += timedelta(minutes=11)  # the mini course allows 10 minutes
    late = answer(client, attempt_id, 2, items[1].correct_keys)
    assert late.status_code == 409
    assert "Only answers saved before the deadline count" in late.get_data(as_text=True)
    submit_attempt(client, attempt_id)
    db_session.expire_all()
    result = db_session.scalars(
        select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)
    ).one()
    assert result.closed_by == "deadline" and result.percent == 6.25  # 1 of 16
    assert "time ran out" in client.get(f"/assessments/attempts/{attempt_id}/result").get_data(
        as_text=True
    )


def test_attempt_limit_and_cool_down(client, ready_trainee, db_session, clock):
    for _ in range(2):  # the mini course allows 2 attempts per hour
        attempt_id = start(client)
        answer_all(client, db_session, attempt_id, right=False)
        submit_attempt(client, attempt_id)
    refused = submit(client, QUIZ, {}, action="/assessments/mini-course/quiz/start")
    assert refused.status_code == 429
    assert "used all your attempts" in refused.get_data(as_text=True)
    assert "after the cool-down" in refused.get_data(
        as_text=True
    ) or "used all your attempts" in client.get(QUIZ).get_data(as_text=True)
    clock.now += timedelta(hours=1, minutes=1)
    assert start(client) > attempt_id


def test_an_attempt_avoids_questions_the_trainee_was_already_shown(
    client, ready_trainee, db_session, clock
):
    """The mini course has 16 questions per standard and draws 8: two attempts see 32 different
    questions; the third, once the pool is used up, repeats those shown longest ago."""
    shown = []
    for _ in range(3):
        attempt_id = start(client)
        items = items_of(db_session, attempt_id)
        ids = [item.question_id for item in items]
        shown.append(set(db_session.scalars(select(Question.qid).where(Question.id.in_(ids)))))
        answer_all(client, db_session, attempt_id, right=False)
        submit_attempt(client, attempt_id)
        clock.now += timedelta(hours=1, minutes=1)
    assert [len(qids) for qids in shown] == [16, 16, 16]
    assert not shown[0] & shown[1]
    assert shown[2] == shown[0]


def test_tampered_forms_are_refused_and_change_nothing(
    client, ready_trainee, db_session, app, make_user
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    records = lambda: db_session.scalar(select(func.count(AnswerRecord.id)))  # noqa: E731
    before = records()
    other_question_key = items[1].served["options"][0]["key"]
    assert answer(client, attempt_id, 1, [other_question_key]).status_code == 400
    assert answer(client, attempt_id, 99, [other_question_key]).status_code == 404
    if items[0].kind != "multiple":
        keys = [o["key"] for o in items[0].served["options"]][:2]
        assert answer(client, attempt_id, 1, keys).status_code == 400
    assert (
        client.post(
            f"/assessments/attempts/{attempt_id}/questions/1",
            data={"answer": items[0].correct_keys},
        ).status_code
        == 400
    )
    assert records() == before

    from tests.conftest import TEST_SECRET
    from tests.helpers import sign_in

    intruder = make_user("trainee")
    other = app.test_client()
    sign_in(other, intruder.sign_in_name, TEST_SECRET)
    for url in (
        f"/assessments/attempts/{attempt_id}/questions/1",
        f"/assessments/attempts/{attempt_id}/review",
        f"/assessments/attempts/{attempt_id}/result",
    ):
        assert other.get(url).status_code == 404
    token = csrf_token(other, "/home")
    assert (
        other.post(
            f"/assessments/attempts/{attempt_id}/submit", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        db_session.scalar(
            select(func.count(AttemptResult.id)).where(AttemptResult.attempt_id == attempt_id)
        )
        == 0
    )

    answer_all(client, db_session, attempt_id)
    submit_attempt(client, attempt_id)
    before = records()
    finished = submit(
        client,
        QUIZ,
        {"answer": items[0].correct_keys, "go": "next"},
        action=f"/assessments/attempts/{attempt_id}/questions/1",
    )
    assert finished.status_code == 409 and "already been submitted" in finished.get_data(
        as_text=True
    )
    assert records() == before


def test_quiz_page_documents_the_rules(client, ready_trainee):
    page = client.get(QUIZ).get_data(as_text=True)
    assert "answers saved before the deadline" in page
    assert "at least 5 of the 8 questions of every standard" in page
    assert "16 questions" in page and "10 minutes" in page and "2 attempts within 1 hours" in page


def test_attempt_records_keep_what_was_served(client, ready_trainee, db_session):
    attempt_id = start(client)
    attempt = db_session.get(QuizAttempt, attempt_id)
    assert attempt.course_version == "1.0" and attempt.thresholds == {"SEA-1": 60, "SEA-2": 60}
    assert attempt.standard_versions == {"SEA-1": 1, "SEA-2": 1}
    for item in items_of(db_session, attempt_id):
        assert item.served["text"] and item.served["explanation"] and item.correct_keys


def test_question_pages_read_the_served_questions_once(
    client, ready_trainee, db_session, connection, app
):
    # The served questions never change: after the first page, a question page and a save ask
    # the database for the signed-in user, then for the attempt's state and answers in one
    # statement (each round trip counts on PostgreSQL under load).
    attempt_id = start(client)
    app.extensions.pop("lms.attempt_sheets", None)
    items = items_of(db_session, attempt_id)
    token = csrf_token(client, QUIZ)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    per_request = []
    try:
        for position in (1, 2, 1):
            page = client.get(f"/assessments/attempts/{attempt_id}/questions/{position}")
            assert page.status_code == 200
            per_request.append(len([s for s in statements if s.lstrip().startswith("SELECT")]))
        statements_before_save = len(statements)
        saved = client.post(
            f"/assessments/attempts/{attempt_id}/questions/3",
            data={"csrf_token": token, "answer": items[1].correct_keys, "from": "2"},
        )
        assert saved.status_code == 200  # question 3, in the same response
    finally:
        event.remove(connection, "before_cursor_execute", record)
    served_reads = [s for s in statements if "served" in s and "attempt_items" in s]
    assert len(served_reads) == 1
    # After the first page (which loads the sheet): the user, then state and answers.
    assert [per_request[1] - per_request[0], per_request[2] - per_request[1]] == [2, 2]
    save = [s.lstrip().split()[0] for s in statements[statements_before_save:]]
    assert save.count("SELECT") == 2 and save.count("INSERT") == 1
    latest = db_session.scalars(
        select(AnswerRecord).where(AnswerRecord.item_id == items[1].id)
    ).one()
    assert latest.chosen_keys == sorted(items[1].correct_keys)


def test_a_cached_attempt_is_not_served_for_another_attempt_with_its_id(
    client, ready_trainee, db_session, app
):
    # A database emptied and refilled (or restored) may give an id to another attempt: the
    # sheet in memory is used only while owner, start and deadline are the same.
    from assessments import quiz

    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    client.get(f"/assessments/attempts/{attempt_id}/questions/1")
    cache = app.extensions["lms.attempt_sheets"]
    stale = cache.get(attempt_id)
    cache.put(
        quiz.AttemptSheet(
            id=attempt_id,
            user_id=stale.user_id,
            started_at=stale.started_at - timedelta(days=1),
            deadline_at=stale.deadline_at,
            items=tuple(
                quiz.ServedItem(
                    i.id,
                    i.position,
                    i.kind,
                    i.standard_code,
                    {"text": "OLD", "case": None, "options": []},
                )
                for i in stale.items
            ),
        )
    )
    page = client.get(f"/assessments/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    assert "OLD" not in page and items[0].served["text"] in page


def test_cached_attempts_share_their_texts_and_the_cache_is_sized_by_the_setting(
    client, ready_trainee, db_session, app, login_as
):
    # Every trainee of a course is served the same texts: a cached attempt holds its own option
    # keys but one copy of each text, so that a process can keep thousands of attempts.
    app.extensions.pop("lms.attempt_sheets", None)
    app.config["QUIZ_SHEETS_CACHED"] = 7
    first = start(client)
    client.get(f"/assessments/attempts/{first}/questions/1")
    sign_out(client)
    login_as("trainee")
    enrol_with_lessons_done(client)
    second = start(client)
    client.get(f"/assessments/attempts/{second}/questions/1")
    cache = app.extensions["lms.attempt_sheets"]
    assert cache._sheets.maxsize == 7
    one, other = cache.get(first), cache.get(second)
    assert one.user_id != other.user_id
    by_question = {}
    for sheet in (one, other):
        for item in sheet.items:
            by_question.setdefault(item.served["text"], []).append(item)
    shared = [items for items in by_question.values() if len(items) == 2]
    assert shared  # the two attempts drew some of the same questions
    for a, b in shared:
        assert a.served["text"] is b.served["text"]
        assert "explanation" not in a.served  # the result page's, not the question pages'
        texts_a = {o["text"]: o for o in a.served["options"]}
        for option in b.served["options"]:
            assert option["text"] is texts_a[option["text"]]["text"]
            assert option["key"] != texts_a[option["text"]]["key"]  # keys are the attempt's own


def test_the_sheet_cache_drops_the_least_recently_used():
    from assessments import quiz

    def sheet(attempt_id):
        return quiz.AttemptSheet(attempt_id, 1, utcnow(), utcnow(), ())

    cache = quiz.SheetCache(size=2)
    cache.put(sheet(1))
    cache.put(sheet(2))
    assert cache.get(1).id == 1  # 1 is now the most recently used
    cache.put(sheet(3))
    assert cache.get(2) is None and cache.get(1).id == 1 and cache.get(3).id == 3


def test_the_first_button_of_the_question_form_goes_forward(client, ready_trainee, db_session):
    """Enter in a form presses its first submit button: that must be "next", not "back"."""
    attempt_id = start(client)
    page = client.get(f"/assessments/attempts/{attempt_id}/questions/2").get_data(as_text=True)
    start_at = page.index('id="answer-form"')
    form = page[start_at : page.index("</form>", start_at)]
    buttons = re.findall(r'<button type="submit" name="go" value="(\w+)"', form)
    assert buttons == ["next", "review", "prev"]


def test_a_question_number_saves_the_answer_then_shows_that_question(
    client, ready_trainee, db_session
):
    attempt_id = start(client)
    item = items_of(db_session, attempt_id)[2]
    response = answer(client, attempt_id, 3, item.correct_keys, go="7")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="from" value="7"' in page
    saved = db_session.scalars(
        select(AnswerRecord.chosen_keys).where(AnswerRecord.item_id == item.id)
    ).all()
    assert saved == [item.correct_keys]
    assert answer(client, attempt_id, 3, item.correct_keys, go="99").status_code == 404
