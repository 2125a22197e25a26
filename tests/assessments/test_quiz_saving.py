"""Saving answers over a slow link: one round trip per answer without scripts, and the background
save that static/js/quiz.js uses (JSON, all or none, the server's clock and checks)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assessments.models import AnswerRecord
from tests.assessments.quiz_steps import QUIZ, answer, enrol_with_lessons_done, items_of, start
from tests.assessments.test_quiz import Clock
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, sign_in, submit


@pytest.fixture
def ready_trainee(client, login_as, load_course):
    """A trainee enrolled in the mini course with every lesson complete."""
    load_course()
    trainee = login_as("trainee")
    enrol_with_lessons_done(client)
    return trainee


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("assessments.quiz.utcnow", clock)
    monkeypatch.setattr("assessments.views.utcnow", clock)
    return clock


def saved(db_session, item):
    """Every answer record of an item, oldest first."""
    db_session.expire_all()
    return db_session.scalars(
        select(AnswerRecord.chosen_keys)
        .where(AnswerRecord.item_id == item.id)
        .order_by(AnswerRecord.id)
    ).all()


def record_count(db_session):
    return db_session.scalar(select(func.count(AnswerRecord.id)))


def wrong_key(item):
    return next(o["key"] for o in item.served["options"] if o["key"] not in item.correct_keys)


# --- Without scripts: one round trip ------------------------------------------------------------


def test_saving_an_answer_answers_with_the_next_question_in_one_response(
    client, ready_trainee, db_session
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    response = answer(client, attempt_id, 1, items[0].correct_keys)
    page = response.get_data(as_text=True)
    # Question 2 itself, not a redirect to it: its form, its text, question 1 ticked.
    assert response.status_code == 200 and "Location" not in response.headers
    assert 'name="from" value="2"' in page and items[1].served["text"] in page
    assert re.search(r'value="1"[^>]*>1</button><span class="answered">', page)
    # Its buttons lead on from question 2; the language switcher comes back to its address.
    assert f'formaction="/assessments/attempts/{attempt_id}/questions/3"' in page
    assert f'name="next" value="/assessments/attempts/{attempt_id}/questions/2"' in page
    assert saved(db_session, items[0]) == [sorted(items[0].correct_keys)]

    # The same post again (a reload asks the browser to send it again): nothing new is saved.
    assert answer(client, attempt_id, 1, items[0].correct_keys).status_code == 200
    assert saved(db_session, items[0]) == [sorted(items[0].correct_keys)]
    # A changed answer is a new record; the last one counts.
    assert answer(client, attempt_id, 1, [wrong_key(items[0])], go="3").status_code == 200
    assert saved(db_session, items[0])[-1] == [wrong_key(items[0])]


def test_the_last_answer_goes_with_the_review_page(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    last = items[-1]
    response = answer(client, attempt_id, last.position, last.correct_keys, go="review")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Review your answers" in page
    assert saved(db_session, last) == [sorted(last.correct_keys)]
    assert page.count("<strong>no answer</strong>") == len(items) - 1


def test_the_last_question_can_save_and_submit_once_every_other_is_answered(
    client, ready_trainee, db_session
):
    """Without scripts, every step costs a round trip over a slow link: on the last question,
    with every other question answered, "Save and submit" skips the review page."""
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    *others, last = items
    last_page = f"/assessments/attempts/{attempt_id}/questions/{last.position}"
    page = client.get(last_page).get_data(as_text=True)
    assert "Save and submit" not in page  # questions are still open: review first
    for item in others:
        answer(client, attempt_id, item.position, item.correct_keys)
    page = client.get(last_page).get_data(as_text=True)
    assert f'formaction="/assessments/attempts/{attempt_id}/submit">Save and submit' in page
    assert "<noscript>" in page  # with scripts, the review page submits (kept answers first)
    response = submit(
        client,
        last_page,
        {"answer": last.correct_keys, "from": last.position},
        action=f"/assessments/attempts/{attempt_id}/submit",
    )
    assert response.status_code == 200 and "Location" not in response.headers
    assert saved(db_session, last) == [sorted(last.correct_keys)]
    from assessments.models import AttemptResult

    result = db_session.scalars(
        select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)
    ).one()
    assert (result.closed_by, result.percent) == ("trainee", 100.0)  # the last answer counted


def test_a_wrong_question_number_in_the_form_is_refused_and_saves_nothing(
    client, ready_trainee, db_session
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    before = record_count(db_session)
    for position in ("0", "99", "two", ""):
        refused = submit(
            client,
            QUIZ,
            {"answer": items[0].correct_keys, "from": position},
            action=f"/assessments/attempts/{attempt_id}/questions/2",
        )
        assert refused.status_code == 404
        assert "not part of your attempt" in refused.get_data(as_text=True)
    assert record_count(db_session) == before


# --- With scripts: the background save -------------------------------------------------------------


def post_answers(client, attempt_id, payload, token=None, raw=None):
    token = token if token is not None else csrf_token(client, QUIZ)
    return client.post(
        f"/assessments/attempts/{attempt_id}/answers",
        data=raw if raw is not None else json.dumps(payload),
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )


def test_answers_sent_in_the_background_are_saved_once_each(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    batch = {
        "answers": [
            {"question": 1, "answer": items[0].correct_keys},
            {"question": 3, "answer": [wrong_key(items[2])]},
        ]
    }
    response = post_answers(client, attempt_id, batch)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"saved": [1, 3], "answered": [1, 3]}
    assert saved(db_session, items[0]) == [sorted(items[0].correct_keys)]
    assert saved(db_session, items[2]) == [[wrong_key(items[2])]]
    # Sent again (the device never heard the confirmation): confirmed, nothing new stored.
    before = record_count(db_session)
    assert post_answers(client, attempt_id, batch).json["saved"] == [1, 3]
    assert record_count(db_session) == before
    # Cleared: the empty answer is saved and the question is no longer answered.
    cleared = post_answers(client, attempt_id, {"answers": [{"question": 3, "answer": []}]})
    assert cleared.json == {"saved": [3], "answered": [1]}
    # The question page shows what the background save stored.
    page = client.get(f"/assessments/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    for key in items[0].correct_keys:
        assert f'value="{key}" id="o-{key}" checked' in page


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        (None, 400, "could not be read"),  # not JSON at all
        ({"answer": []}, 400, "could not be read"),
        ({"answers": []}, 400, "could not be read"),
        ({"answers": [{"question": "1", "answer": []}]}, 400, "could not be read"),
        ({"answers": [{"question": 1, "answer": "abc"}]}, 400, "could not be read"),
        ({"answers": [{"question": 1, "answer": [1]}]}, 400, "could not be read"),
        ({"answers": [{"question": 99, "answer": []}]}, 404, "not part of your attempt"),
        ({"answers": [{"question": 1, "answer": ["OTHER"]}]}, 400, "does not belong"),
    ],
)
def test_bad_background_saves_are_refused_with_a_clear_error_and_change_nothing(
    client, ready_trainee, db_session, payload, status, message
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    if payload and payload.get("answers") and payload["answers"][0].get("answer") == ["OTHER"]:
        payload["answers"][0]["answer"] = [items[1].served["options"][0]["key"]]
    # All or none: a good answer in the same request is not saved either.
    if payload and payload.get("answers"):
        payload["answers"].insert(0, {"question": 2, "answer": items[1].correct_keys})
    before = record_count(db_session)
    response = post_answers(
        client, attempt_id, payload, raw="{not json" if payload is None else None
    )
    assert response.status_code == status
    assert message in response.json["error"] and response.json["refused"] is True
    assert record_count(db_session) == before


def test_a_single_answer_question_takes_one_key(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    single = next(item for item in items if item.kind != "multiple")
    keys = [o["key"] for o in single.served["options"]][:2]
    response = post_answers(
        client, attempt_id, {"answers": [{"question": single.position, "answer": keys}]}
    )
    assert response.status_code == 400 and "one answer only" in response.json["error"]
    assert saved(db_session, single) == []


def test_a_background_save_needs_the_csrf_token(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    payload = {"answers": [{"question": 1, "answer": items[0].correct_keys}]}
    for token in ("", "forged"):
        response = post_answers(client, attempt_id, payload, token=token)
        assert response.status_code == 400
        assert "expired or was not sent from this site" in response.json["error"]
    assert saved(db_session, items[0]) == []


def test_another_trainees_attempt_takes_no_background_save(
    client, app, ready_trainee, db_session, make_user
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    intruder = make_user("trainee")
    other = app.test_client()
    sign_in(other, intruder.sign_in_name, TEST_SECRET)
    payload = {"answers": [{"question": 1, "answer": items[0].correct_keys}]}
    token = csrf_token(other, "/home")
    assert post_answers(other, attempt_id, payload, token=token).status_code == 404
    assert other.get(f"/assessments/attempts/{attempt_id}/sheet").status_code == 404
    assert saved(db_session, items[0]) == []
    # Signed out: the sign-in page, nothing saved.
    anonymous = app.test_client()
    assert post_answers(anonymous, attempt_id, payload, token=token).status_code in (302, 400)
    assert saved(db_session, items[0]) == []


def test_answers_that_arrive_after_the_deadline_do_not_count(
    client, ready_trainee, db_session, clock
):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    token = csrf_token(client, QUIZ)
    on_time = {"answers": [{"question": 1, "answer": items[0].correct_keys}]}
    assert post_answers(client, attempt_id, on_time, token=token).status_code == 200
    clock.now += timedelta(minutes=11)  # the mini course allows 10 minutes
    late = {"answers": [{"question": 2, "answer": items[1].correct_keys}]}
    response = post_answers(client, attempt_id, late, token=token)
    assert response.status_code == 409 and response.json["closed"] is True
    assert "Only answers saved before the deadline count" in response.json["error"]
    assert saved(db_session, items[1]) == []
    # Scored by the server with the answer that arrived in time.
    result = client.get(f"/assessments/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "The time ran out" in result


def test_the_sheet_holds_every_question_and_no_right_answer(client, ready_trainee, db_session):
    attempt_id = start(client)
    items = items_of(db_session, attempt_id)
    answer(client, attempt_id, 2, items[1].correct_keys)
    response = client.get(f"/assessments/attempts/{attempt_id}/sheet")
    sheet = response.get_data(as_text=True)
    assert response.status_code == 200 and "no-cache" in response.headers["Cache-Control"]
    assert sheet.count("<template data-position=") == len(items)
    for item in items:
        assert item.served["text"] in sheet
        assert item.served["explanation"] not in sheet
    for key in items[1].correct_keys:  # the saved answer is shown chosen
        assert f'value="{key}" id="o-{key}" checked' in sheet
