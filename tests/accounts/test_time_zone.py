"""A centre's time zone: its people see times in it, with UTC beside them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from accounts.models import Centre
from lms.i18n import format_local_time
from tests.assessments.quiz_steps import enrol_with_lessons_done, start
from tests.conftest import DEFAULT_CENTRE_ID
from tests.helpers import submit

EDIT = f"/platform/centres/{DEFAULT_CENTRE_ID}/edit"


def test_a_time_is_written_in_the_zone_with_utc_beside_it():
    noon = datetime(2026, 12, 2, 11, 5, tzinfo=UTC)
    assert format_local_time(noon, None) == "2026-12-02 11:05 UTC"
    assert format_local_time(noon, "Asia/Kathmandu") == "2026-12-02 16:50 (11:05 UTC)"
    assert format_local_time(noon, "Africa/Kinshasa", "%H:%M") == "12:05 (11:05 UTC)"
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # already the next day in Juba
    assert format_local_time(late, "Africa/Juba") == "2026-12-03 01:30 (2026-12-02 23:30 UTC)"
    assert format_local_time(None, "Africa/Juba") == ""


def _centre_form(db_session, **changes):
    centre = db_session.get(Centre, DEFAULT_CENTRE_ID)
    data = {
        "name": centre.name,
        "country": centre.country or "",
        "languages": centre.languages or ["en"],
        "retention_years": str(centre.retention_years),
        "time_zone": "",
    }
    return {**data, **changes}


def test_the_quiz_deadline_is_shown_in_the_centres_time_zone(client, db_session, login_as, course):
    login_as("platform_admin")
    refused = submit(client, EDIT, _centre_form(db_session, time_zone="Mars/Olympus_Mons"))
    assert refused.status_code == 400
    assert "Choose a time zone from the list." in refused.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Centre, DEFAULT_CENTRE_ID).time_zone is None
    saved = submit(client, EDIT, _centre_form(db_session, time_zone="Asia/Kathmandu"))
    assert saved.status_code == 302
    db_session.expire_all()
    assert db_session.get(Centre, DEFAULT_CENTRE_ID).time_zone == "Asia/Kathmandu"

    client.delete_cookie("lms_session")
    login_as("trainee")
    enrol_with_lessons_done(client)
    attempt_id = start(client)
    page = client.get(f"/assessments/attempts/{attempt_id}/questions/1").get_data(as_text=True)
    local, utc = re.search(r"until (\d\d:\d\d) \((\d\d:\d\d) UTC\)", page).groups()
    shift = datetime.strptime(local, "%H:%M") - datetime.strptime(utc, "%H:%M")
    assert shift % timedelta(days=1) == timedelta(hours=5, minutes=45)
