"""The lesson player: enrolment, progress with its time, resume, fallback, unlock, validators."""

from __future__ import annotations

from sqlalchemy import select

from courses.models import Enrolment, LessonProgress
from tests.helpers import csrf_token, submit

COURSE = "/courses/mini-course"
LESSON1 = f"{COURSE}/lessons/first-steps"
LESSON2 = f"{COURSE}/lessons/second-steps"


def _enrol(client):
    return submit(client, COURSE, {}, action=f"{COURSE}/enrol")


def test_trainee_enrols_in_an_open_course(client, login_as, load_course, db_session):
    load_course()
    trainee = login_as("trainee")
    assert "Enrol" in client.get("/courses/").get_data(as_text=True)
    assert _enrol(client).status_code == 302
    assert db_session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    assert _enrol(client).status_code == 302  # idempotent
    assert (
        len(db_session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).all()) == 1
    )


def test_a_concurrent_enrolment_counts_once(client, login_as, load_course, db_session, monkeypatch):
    load_course()
    trainee = login_as("trainee")
    assert _enrol(client).status_code == 302
    # Another request that has not yet seen the first enrolment tries to insert it again.
    from courses import services

    calls = []
    real = services.enrolment_for

    def not_seen_at_first(user, course):
        calls.append(1)
        return None if len(calls) == 1 else real(user, course)

    token = csrf_token(client, COURSE)
    monkeypatch.setattr(services, "enrolment_for", not_seen_at_first)
    response = client.post(f"{COURSE}/enrol", data={"csrf_token": token})
    assert response.status_code == 302
    enrolments = db_session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).all()
    assert len(enrolments) == 1
    assert len(calls) == 2  # refused by the unique key, then found


def test_closed_course_refuses_self_enrolment(client, login_as, load_course, db_session):
    from tests.courses.factories import edit_yaml

    load_course(
        change=lambda path: edit_yaml(
            path / "course.yaml", lambda d: d.update(open_enrolment=False)
        )
    )
    trainee = login_as("trainee")
    response = _enrol(client)
    assert response.status_code == 302
    assert "not open for enrolment" in client.get(COURSE).get_data(as_text=True)
    assert db_session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).all() == []


def test_lesson_needs_enrolment_for_trainees(client, login_as, load_course):
    load_course()
    login_as("trainee")
    assert client.get(LESSON1).headers["Location"] == COURSE


def test_progress_is_recorded_with_time_version_and_language(
    client, login_as, load_course, db_session
):
    load_course()
    trainee = login_as("trainee", preferred_language="fr")
    _enrol(client)
    page = client.get(LESSON1).get_data(as_text=True)
    assert "Lesson 1 fr" in page and "0 sur 2" in page or "0 of 2" in page
    response = submit(client, LESSON1, {}, action=f"{LESSON1}/complete")
    assert response.headers["Location"] == LESSON2
    [row] = db_session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == trainee.id)
    ).all()
    assert row.course_version == "1.0" and row.language == "fr" and row.completed_at is not None
    submit(client, LESSON1, {}, action=f"{LESSON1}/complete")  # marking twice records once
    assert (
        len(
            db_session.scalars(
                select(LessonProgress).where(LessonProgress.user_id == trainee.id)
            ).all()
        )
        == 1
    )


def test_resume_where_the_learner_left_off(client, login_as, load_course):
    load_course()
    login_as("trainee")
    _enrol(client)
    assert f'href="{LESSON1}"' in client.get(COURSE).get_data(as_text=True)
    submit(client, LESSON1, {}, action=f"{LESSON1}/complete")
    client.get(LESSON2)
    home = client.get("/home").get_data(as_text=True)
    assert "Resume where you left off" in home and f'href="{LESSON2}"' in home


def test_unlock_rule_opens_the_quiz_only_after_every_lesson(client, login_as, load_course):
    load_course()
    login_as("trainee")
    _enrol(client)
    quiz = "/assessments/mini-course/quiz"
    assert client.get(quiz).status_code == 403
    assert "opens when you have completed every lesson" in client.get(COURSE).get_data(as_text=True)
    submit(client, LESSON1, {}, action=f"{LESSON1}/complete")
    assert client.get(quiz).status_code == 403
    response = submit(client, LESSON2, {}, action=f"{LESSON2}/complete")
    assert response.headers["Location"] == COURSE
    assert client.get(quiz).status_code == 200
    assert "Go to the quiz" in client.get(COURSE).get_data(as_text=True)


def test_missing_translation_falls_back_to_english_with_a_notice(client, login_as, load_course):
    load_course()
    login_as("trainee", preferred_language="zh")
    _enrol(client)
    page = client.get(LESSON1).get_data(as_text=True)
    assert "Lesson 1 en" in page
    assert 'lang="en" dir="ltr"' in page
    notice = page.split('class="notice notice-warning" role="note">')[1].split("</p>")[0]
    assert (
        notice and "This lesson is not yet available" not in notice
    )  # shown in the user's language


def test_new_version_keeps_progress_on_unchanged_lessons(client, login_as, load_course, db_session):
    load_course()
    trainee = login_as("trainee")
    _enrol(client)
    submit(client, LESSON1, {}, action=f"{LESSON1}/complete")
    submit(client, LESSON2, {}, action=f"{LESSON2}/complete")

    def rewrite_second_lesson(path):
        (path / "lessons" / "02-second-steps.en.md").write_text(
            "# Lesson 2 en\n\nRewritten.\n", encoding="utf-8"
        )

    load_course(version="1.1", change=rewrite_second_lesson)
    page = client.get(COURSE).get_data(as_text=True)
    assert "1 of 2 lessons complete" in page
    assert client.get("/assessments/mini-course/quiz").status_code == 403
    submit(client, LESSON2, {}, action=f"{LESSON2}/complete")
    versions = db_session.scalars(
        select(LessonProgress.course_version)
        .where(LessonProgress.user_id == trainee.id)
        .order_by(LessonProgress.id)
    ).all()
    assert versions == ["1.0", "1.0", "1.1"]  # the earlier record is kept, not rewritten


def test_repeat_visit_transfers_almost_nothing(client, login_as, load_course):
    load_course()
    login_as("trainee")
    _enrol(client)
    first = client.get(LESSON1, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(
        LESSON1, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    submit(client, LESSON1, {}, action=f"{LESSON1}/complete")
    changed = client.get(LESSON1, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200  # progress changed what the page shows


def test_print_stylesheet_hides_navigation(client):
    css = client.get("/static/css/app.css")
    text = css.get_data(as_text=True)
    css.close()
    assert "@media print" in text and ".no-print" in text


def test_trainer_can_preview_lessons(client, login_as, load_course):
    load_course()
    login_as("trainer")
    page = client.get(LESSON1).get_data(as_text=True)
    assert "Lesson 1 en" in page and "Mark as complete" not in page


def test_unknown_course_or_lesson_is_404(client, login_as, load_course):
    load_course()
    login_as("trainee")
    assert client.get("/courses/nope").status_code == 404
    assert client.get(f"{COURSE}/lessons/nope").status_code == 404


def test_completing_without_enrolment_or_token_is_refused(
    client, login_as, load_course, db_session
):
    load_course()
    trainee = login_as("trainee")
    assert submit(client, COURSE, {}, action=f"{LESSON1}/complete").status_code == 403
    _enrol(client)
    assert client.post(f"{LESSON1}/complete").status_code == 400
    assert (
        db_session.scalars(select(LessonProgress).where(LessonProgress.user_id == trainee.id)).all()
        == []
    )


def test_offline_pack_downloads_as_pdf_in_the_chosen_language(client, login_as, load_course):
    load_course()
    login_as("trainee")
    started = client.get(f"{COURSE}/pack.pdf?lang=fr")  # the first request: a job renders it
    assert started.status_code == 303 and started.headers["Location"].startswith("/jobs/")
    assert f'href="{COURSE}/pack.pdf?lang=fr"' in client.get(started.headers["Location"]).get_data(
        as_text=True
    )
    response = client.get(f"{COURSE}/pack.pdf?lang=fr")  # then it is served as stored
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "mini-course-1.0-fr.pdf" in response.headers["Content-Disposition"]
    assert client.get(f"{COURSE}/pack.pdf?lang=tlh").status_code == 400
