"""Course packs: rendered by a job on the first request, stored, then served; one job per pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from courses.models import Course, CoursePack
from lms import tasks
from lms.jobs import Job
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in

PACK = "/courses/mini-course/pack.pdf?lang=fr"


def _jobs(db_session) -> list[Job]:
    db_session.expire_all()
    return db_session.scalars(select(Job).where(Job.kind == "course_pack")).all()


class TestOnARealQueue:
    @pytest.fixture
    def app_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}

    def test_a_double_click_and_a_colleague_wait_for_the_one_job(
        self, app, client, login_as, make_user, load_course, db_session
    ):
        load_course()
        login_as("trainee")
        first, second = client.get(PACK), client.get(PACK)
        assert first.status_code == second.status_code == 303
        assert first.headers["Location"] == second.headers["Location"]
        colleague = app.test_client()
        sign_in(colleague, make_user("trainee").sign_in_name, TEST_SECRET)
        waiting = colleague.get(PACK)
        assert waiting.status_code == 202
        assert '<meta http-equiv="refresh" content="5">' in waiting.get_data(as_text=True)
        assert len(_jobs(db_session)) == 1 and tasks.huey_of(app).pending_count() == 1
        assert client.get(PACK.replace("fr", "en")).status_code == 303  # another pack: its own
        assert len(_jobs(db_session)) == 2


def test_the_first_request_renders_the_pack_once_and_later_ones_serve_it(
    client, login_as, load_course, db_session
):
    load_course()
    login_as("trainee")
    started = client.get(PACK)
    assert started.status_code == 303
    (job,) = _jobs(db_session)
    assert job.state == "done" and "Download the course pack" in client.get(
        started.headers["Location"]
    ).get_data(as_text=True)
    served = client.get(PACK)
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    stored = db_session.scalars(select(CoursePack)).one()
    assert served.headers["ETag"] == f'"{stored.sha256}"'
    assert client.get(PACK, headers={"If-None-Match": stored.sha256}).status_code == 304
    assert len(_jobs(db_session)) == 1  # served from the store, no second render


def test_a_changed_course_gets_a_new_pack_and_drops_the_old(
    client, login_as, load_course, db_session
):
    load_course()
    login_as("trainee")
    client.get(PACK)
    course = db_session.scalars(select(Course).where(Course.slug == "mini-course")).one()
    course.package_hash = "f" * 64  # as if a new version of the package were loaded
    db_session.commit()
    assert client.get(PACK).status_code == 303  # not rendered for this content yet
    packs = db_session.scalars(select(CoursePack)).all()
    assert [pack.package_hash for pack in packs] == ["f" * 64]
    assert client.get(PACK).status_code == 200


def test_a_pack_rendered_from_older_content_is_not_stored(app, load_course, db_session):
    from courses.services import store_pack
    from lms.db import db

    load_course()
    with app.test_request_context():
        course = db.session.scalars(select(Course).where(Course.slug == "mini-course")).one()
        store_pack(course, "0" * 64, "fr", b"%PDF-old")  # the course changed while it rendered
        store_pack(course, course.package_hash, "fr", b"%PDF-1")
        store_pack(course, course.package_hash, "fr", b"%PDF-2")  # another job was first
        db.session.commit()
    packs = db_session.scalars(select(CoursePack)).all()
    assert [pack.pdf for pack in packs] == [b"%PDF-1"]
    assert db_session.scalar(select(func.count(Job.id))) == 0
