"""Observed practicals and paper quizzes recorded by trainers, corrections, isolation, mastery."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from assessments.models import Evaluation
from lms.db import utcnow
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, submit

TODAY = utcnow().date().isoformat()  # a session may not be later, nor before the course was loaded


def _count(db_session, **where):
    db_session.expire_all()
    query = select(func.count(Evaluation.id))
    for key, value in where.items():
        query = query.where(getattr(Evaluation, key) == value)
    return db_session.scalar(query)


SAF_P1 = tuple(f"c{n}" for n in range(1, 13))  # the tourniquet rubric's criteria (c1-c9 required)
SEA_P1 = tuple(f"c{n}" for n in range(1, 17))


def _tourniquet_row(trainee, met=SAF_P1, seconds="45", include=True):
    row = {f"met-{trainee.id}-{cid}": "1" for cid in met}
    row[f"seconds-{trainee.id}"] = seconds
    if include:
        row[f"include-{trainee.id}"] = "1"
    return row


def test_trainer_records_a_practical_for_a_whole_cohort_in_one_form(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    fast, slow, absent = (make_user("trainee") for _ in range(3))
    cohort = make_cohort(trainers=[trainer], members=[fast, slow, absent])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1"
    page = client.get(url).get_data(as_text=True)
    assert fast.full_name in page and "within 60 seconds" in page
    data = {
        "observed_on": TODAY,
        **_tourniquet_row(fast),
        **_tourniquet_row(slow, seconds="75"),
        **_tourniquet_row(absent, include=False),
    }
    assert submit(client, url, data).status_code == 302
    db_session.expire_all()
    records = {
        r.trainee_id: r
        for r in db_session.scalars(select(Evaluation).where(Evaluation.kind == "practical"))
    }
    assert set(records) == {fast.id, slow.id}
    assert records[fast.id].passed and records[fast.id].measured_seconds == 45
    assert not records[slow.id].passed  # over the 60-second limit
    assert records[fast.id].evaluator_id == trainer.id and records[fast.id].standard_code == "SAF-3"


def test_a_missing_required_criterion_fails_the_practical(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1?trainee={trainee.id}"
    submit(client, url, {"observed_on": TODAY, **_tourniquet_row(trainee, met=("c1", "c2"))})
    assert not db_session.scalars(select(Evaluation)).one().passed


def test_bad_rows_are_refused_whole(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    good, bad = make_user("trainee"), make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[good, bad])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1"
    for bad_row, message in (
        (_tourniquet_row(bad, seconds=""), "This evaluation is timed"),
        (_tourniquet_row(bad, seconds="-3"), "whole number of seconds"),
        (_tourniquet_row(bad, seconds="abc"), "whole number of seconds"),
    ):
        response = submit(client, url, {"observed_on": TODAY, **_tourniquet_row(good), **bad_row})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    response = submit(client, url, {"observed_on": "", **_tourniquet_row(good)})
    assert response.status_code == 400 and "Enter the date of the session" in response.get_data(
        as_text=True
    )
    assert _count(db_session) == 0


def _criteria(db_session, trainee_id):
    record = db_session.scalars(select(Evaluation).where(Evaluation.trainee_id == trainee_id)).one()
    return {cid for cid, result in record.criteria_results.items() if result["met"]}, record


def test_all_criteria_met_for_one_trainee_ticks_none_of_the_boxes(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    passed, failed, absent = (make_user("trainee") for _ in range(3))
    cohort = make_cohort(trainers=[trainer], members=[passed, failed, absent])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1"
    page = client.get(url).get_data(as_text=True)
    assert f'name="allmet-{passed.id}"' in page and 'name="allmet-all"' in page
    data = {
        "observed_on": TODAY,
        f"allmet-{passed.id}": "1",  # no "Observed" box: all criteria met says it was observed
        f"seconds-{passed.id}": "40",
        **_tourniquet_row(failed, met=("c1", "c2")),
        f"seconds-{absent.id}": "40",
    }
    assert submit(client, url, data).status_code == 302
    db_session.expire_all()
    met, record = _criteria(db_session, passed.id)
    assert met == set(SAF_P1) and record.passed
    met, record = _criteria(db_session, failed.id)
    assert met == {"c1", "c2"} and not record.passed
    assert _count(db_session, trainee_id=absent.id) == 0


def test_the_boxes_for_everyone_record_the_whole_session_in_two_ticks(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    trainees = [make_user("trainee") for _ in range(4)]
    cohort = make_cohort(trainers=[trainer], members=trainees)
    url = f"/evaluations/cohorts/{cohort.id}/practical/SEA-P1"  # untimed: nothing else to enter
    response = submit(client, url, {"observed_on": TODAY, "include-all": "1", "allmet-all": "1"})
    assert response.status_code == 302
    db_session.expire_all()
    for trainee in trainees:
        met, record = _criteria(db_session, trainee.id)
        assert met == set(SEA_P1) and record.passed


def test_all_met_for_everyone_covers_only_the_trainees_observed(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    present, absent = make_user("trainee"), make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[present, absent])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SEA-P1"
    data = {"observed_on": TODAY, "allmet-all": "1", f"include-{present.id}": "1"}
    assert submit(client, url, data).status_code == 302
    assert _count(db_session, trainee_id=present.id) == 1
    assert _count(db_session, trainee_id=absent.id) == 0


def test_all_met_contradicted_by_some_criteria_records_nothing(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    good, unclear = make_user("trainee"), make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[good, unclear])
    url = f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1"
    for everyone, row in (
        ({}, {f"allmet-{unclear.id}": "1"}),  # all met for this trainee, yet only c1-c3 ticked
        ({"allmet-all": "1"}, {}),  # all met for everyone, yet only c1-c3 ticked for this one
    ):
        data = {
            "observed_on": TODAY,
            **everyone,
            **_tourniquet_row(good),
            **_tourniquet_row(unclear, met=("c1", "c2", "c3")),
            **row,
        }
        response = submit(client, url, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "only some of the criteria are" in page
        # The form comes back as sent: c3 ticked, c4 not, for the trainer to decide.
        assert " checked" in re.search(rf'name="met-{unclear.id}-c3"[^>]*>', page).group()
        assert " checked" not in re.search(rf'name="met-{unclear.id}-c4"[^>]*>', page).group()
    assert _count(db_session) == 0


def test_paper_quiz_results_per_standard_are_marked_as_such(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    from courses.models import Course

    course = db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()
    trainer = login_as("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee], courses=[course])
    url = f"/evaluations/cohorts/{cohort.id}/paper/mini-course"
    bad = submit(
        client,
        url,
        {
            "observed_on": TODAY,
            f"include-{trainee.id}": "1",
            f"pct-{trainee.id}-SEA-1": "120",
            f"pct-{trainee.id}-SEA-2": "90",
        },
    )
    assert bad.status_code == 400 and "from 0 to 100 for SEA-1" in bad.get_data(as_text=True)
    assert _count(db_session) == 0
    ok = submit(
        client,
        url,
        {
            "observed_on": TODAY,
            f"include-{trainee.id}": "1",
            f"pct-{trainee.id}-SEA-1": "85",
            f"pct-{trainee.id}-SEA-2": "60",
        },
    )
    assert ok.status_code == 302
    rows = {r.standard_code: r for r in db_session.scalars(select(Evaluation))}
    assert rows["SEA-1"].kind == "paper_quiz" and rows["SEA-1"].passed and not rows["SEA-2"].passed


def test_a_correction_is_a_new_record_and_the_original_is_kept(
    client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee])
    submit(
        client,
        f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1",
        {"observed_on": TODAY, **_tourniquet_row(trainee, seconds="75")},
    )
    original = db_session.scalars(select(Evaluation)).one()
    assert not original.passed
    url = f"/evaluations/{original.id}/correct"
    no_reason = submit(
        client, url, {"seconds": "55", **{f"met-{c}": "1" for c in SAF_P1}, "reason": ""}
    )
    assert no_reason.status_code == 400 and _count(db_session) == 1
    fixed = submit(
        client,
        url,
        {
            "seconds": "55",
            **{f"met-{c}": "1" for c in SAF_P1},
            "reason": "Stopwatch read wrongly; video shows 55 s",
        },
    )
    assert fixed.status_code == 302
    db_session.expire_all()
    correction = db_session.scalars(
        select(Evaluation).where(Evaluation.corrects_id == original.id)
    ).one()
    assert (
        correction.passed
        and correction.measured_seconds == 55
        and correction.evaluator_id == trainer.id
    )
    assert db_session.get(Evaluation, original.id).measured_seconds == 75  # untouched
    again = submit(client, url, {"seconds": "50", "reason": "again"})
    assert again.status_code == 400 and "already been corrected" in again.get_data(as_text=True)
    history = client.get(f"/evaluations/trainees/{trainee.id}").get_data(as_text=True)
    assert "Stopwatch read wrongly" in history and "corrected" in history


def test_a_trainer_cannot_reach_another_trainers_cohort_or_trainees(
    app, client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    owner = make_user("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[owner], members=[trainee])
    owner_client = app.test_client()
    sign_in(owner_client, owner.sign_in_name, TEST_SECRET)
    submit(
        owner_client,
        f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1",
        {"observed_on": TODAY, **_tourniquet_row(trainee)},
    )
    evaluation = db_session.scalars(select(Evaluation)).one()
    login_as("trainer")
    assert client.get(f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1").status_code == 404
    assert client.get(f"/evaluations/trainees/{trainee.id}").status_code == 404
    assert client.get(f"/evaluations/{evaluation.id}/correct").status_code == 404
    forged = submit(
        client,
        "/evaluations/",
        {"observed_on": TODAY, **_tourniquet_row(trainee)},
        action=f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1",
    )
    assert forged.status_code == 404
    assert cohort.name not in client.get("/evaluations/").get_data(as_text=True)
    assert _count(db_session) == 1


def test_required_practical_completes_the_course(
    client, app, login_as, make_user, make_cohort, load_course, db_session
):
    from tests.courses.factories import edit_yaml, question

    def require_practical(path):
        edit_yaml(
            path / "course.yaml",
            lambda d: d.update(standards=["SEA-1", "SEA-2", "SEA-3"], practicals=["SEA-P1"]),
        )
        edit_yaml(
            path / "questions.yaml",
            lambda d: d["questions"].extend(question(f"p{i}", "SEA-3") for i in range(16)),
        )

    load_course(change=require_practical)
    from assessments.completion import completion_status, course_completed
    from courses.models import Course

    trainer = make_user("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee])
    course = db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()
    with app.app_context():
        from courses.services import enrol

        enrol(db_session.merge(trainee), course)
    db_session.commit()
    received = []
    course_completed.connect(lambda sender, trainee, course: received.append(trainee.id))
    sign_in(client, trainer.sign_in_name, TEST_SECRET)
    rows = {f"met-{trainee.id}-{c}": "1" for c in SEA_P1} | {f"include-{trainee.id}": "1"}
    submit(
        client,
        f"/evaluations/cohorts/{cohort.id}/practical/SEA-P1",
        {"observed_on": TODAY, **rows},
    )
    with app.app_context():
        status = completion_status(db_session.merge(trainee), course)
    assert status.practicals == {"SEA-P1": True}
    assert not status.is_complete and received == []  # lessons and quiz are still missing
    course_completed.receivers.clear()


def test_mastery_follows_the_latest_effective_evidence(
    app, client, login_as, make_user, make_cohort, load_course, db_session
):
    load_course()
    trainer = login_as("trainer")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee])
    submit(
        client,
        f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1",
        {"observed_on": TODAY, **_tourniquet_row(trainee, seconds="75")},
    )
    from assessments.completion import mastery_for

    with app.app_context():
        assert mastery_for([trainee.id])[trainee.id]["SAF-3"]["mastered"] is False
    original = db_session.scalars(select(Evaluation)).one()
    submit(
        client,
        f"/evaluations/{original.id}/correct",
        {"seconds": "50", **{f"met-{c}": "1" for c in SAF_P1}, "reason": "timing error"},
    )
    with app.app_context():
        state = mastery_for([trainee.id])[trainee.id]["SAF-3"]
    assert state["mastered"] is True and state["evidence"].source == "practical"
