"""Login slips as a job on a real queue: the request only creates the job and enqueues it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from lms import tasks
from lms.jobs import Job
from tests.helpers import csrf_token


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"TASK_QUEUE_IMMEDIATE": False, "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'q.db'}"}


def _queries_to_start(client, connection, cohort_id: int) -> tuple[int, Any]:
    token = csrf_token(client, f"/cohorts/{cohort_id}")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        response = client.post(f"/cohorts/{cohort_id}/slips.pdf", data={"csrf_token": token})
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return len(statements), response


def test_starting_the_slips_of_200_trainees_is_a_few_queries_and_a_redirect(
    app, client, connection, login_as, make_user, make_cohort, db_session
):
    trainer = login_as("trainer")
    small = make_cohort(trainers=[trainer], members=[make_user("trainee", temporary=True)])
    large = make_cohort(
        trainers=[trainer], members=[make_user("trainee", temporary=True) for _ in range(200)]
    )
    few, _ = _queries_to_start(client, connection, small.id)
    many, response = _queries_to_start(client, connection, large.id)
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    assert len(response.data) < 1000
    assert many == few <= 12, (few, many)
    jobs = db_session.scalars(select(Job).where(Job.started_by_id == trainer.id)).all()
    assert [job.state for job in jobs] == ["queued", "queued"]  # waiting for a worker
    assert tasks.huey_of(app).pending_count() == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "<progress" in page
