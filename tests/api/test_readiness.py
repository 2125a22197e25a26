"""Readiness and summary of a cohort through the API: the dashboard's rule, paging, queries."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _

from accounts.models import User
from courses.models import Enrolment
from tests.helpers import count_queries


def test_readiness_around_the_deployment_date_and_expiry(
    make_user, make_cohort, course, certify, make_token, api_get
):
    trainer = make_user("trainer")
    today = date.today()
    deployment = today + timedelta(days=60)
    ready = make_user("trainee", full_name="Ready One", gender="F", rank="Captain")
    expiring = make_user("trainee", full_name="Expiring Two", gender="M")
    revoked = make_user("trainee", full_name="Revoked Three", gender="F")
    nothing = make_user("trainee", full_name="Nothing Four")
    renewed = make_user("trainee", full_name="Renewed Five", gender="M")
    held = certify(ready, course, deployment)  # valid through the deployment day itself
    short = certify(expiring, course, deployment - timedelta(days=1))
    gone = certify(revoked, course, deployment + timedelta(days=300), revoked_by=trainer)
    certify(renewed, course, today - timedelta(days=1))  # expired yesterday
    renewal = certify(renewed, course, deployment + timedelta(days=200))
    cohort = make_cohort(
        members=[ready, expiring, revoked, nothing, renewed],
        courses=[course],
        deployment_date=deployment,
        unit="Alpha",
        mission="UNIFIL",
    )
    response = api_get(f"/cohorts/{cohort.id}/readiness", make_token([cohort]))
    assert response.status_code == 200
    body = response.json
    assert body["target_date"] == deployment.isoformat()
    assert body["cohort"]["deployment_date"] == deployment.isoformat()
    assert body["cohort"]["mission"] == "UNIFIL" and body["cohort"]["trainees"] == 5
    assert body["courses"] == [
        {"slug": "mini-course", "title": "Mini course (en)", "validity_months": 12}
    ]
    assert body["total"] == 5 and body["next_cursor"] is None
    by_name = {t["name"]: t for t in body["trainees"]}
    assert [t["service_number"] for t in body["trainees"]] == sorted(
        u.service_number for u in (ready, expiring, revoked, nothing, renewed)
    )

    one = by_name["Ready One"]
    assert one["ready"] is True and one["gender"] == "F" and one["rank"] == "Captain"
    assert one["courses"] == [
        {
            "course": "mini-course",
            "status": "certified",
            "certificate": {
                "serial": held.serial,
                "status": "valid",
                "issued_on": held.issued_on.isoformat(),
                "expires_on": deployment.isoformat(),
            },
            "blocker": None,
        }
    ]
    two = by_name["Expiring Two"]["courses"][0]
    assert by_name["Expiring Two"]["ready"] is False
    assert two["certificate"]["serial"] == short.serial
    assert two["blocker"]["reason"] == "expires_before_deployment"
    assert two["blocker"]["expires_on"] == (deployment - timedelta(days=1)).isoformat()
    three = by_name["Revoked Three"]["courses"][0]
    assert three["status"] == "expired"
    assert three["certificate"] == {
        "serial": gone.serial,
        "status": "revoked",
        "issued_on": gone.issued_on.isoformat(),
        "expires_on": gone.expires_on.isoformat(),
    }
    assert three["blocker"]["reason"] == "revoked"
    four = by_name["Nothing Four"]
    assert four["gender"] is None and four["ready"] is False
    assert four["courses"][0]["certificate"] is None
    assert four["courses"][0]["status"] == "not_started"
    assert four["courses"][0]["blocker"] == {
        "reason": "no_certificate",
        "expires_on": None,
        "lessons_done": 0,
        "lessons_total": 2,
        "quiz_passed": False,
        "practicals_missing": [],
    }
    five = by_name["Renewed Five"]
    assert five["ready"] is True
    assert five["courses"][0]["certificate"]["serial"] == renewal.serial

    summary = api_get(f"/cohorts/{cohort.id}/summary", make_token([cohort])).json
    assert (summary["trainees"], summary["ready"], summary["not_ready"]) == (5, 2, 3)
    assert sorted(summary["by_gender"], key=lambda g: str(g["gender"])) == [
        {"gender": "F", "trainees": 2, "ready": 1},
        {"gender": "M", "trainees": 2, "ready": 1},
        {"gender": None, "trainees": 1, "ready": 0},
    ]
    assert summary["courses"] == [
        {
            "course": "mini-course",
            "title": "Mini course (en)",
            "statuses": {
                "not_started": 1,
                "in_progress": 0,
                "passed": 0,
                "certified": 3,
                "expired": 1,
            },
        }
    ]


def test_without_a_deployment_date_readiness_is_for_today(
    make_user, make_cohort, course, certify, make_token, api_get
):
    trainee = make_user("trainee")
    certify(trainee, course, date.today())
    cohort = make_cohort(members=[trainee], courses=[course])
    body = api_get(f"/cohorts/{cohort.id}/readiness", make_token([cohort])).json
    assert body["target_date"] == date.today().isoformat()
    assert body["trainees"][0]["ready"] is True


def _members(db_session, n, prefix):
    users = [
        User(
            role="trainee",
            centre_id=1,
            service_number=f"{prefix}-{i:05d}",
            full_name=f"Trainee {prefix}{i:05d}",
            gender="FMX"[i % 3],
            credential_hash="!unusable",
        )
        for i in range(n)
    ]
    db_session.add_all(users)
    db_session.flush()
    return users


def _big_cohort(db_session, make_cohort, course, certify, n, prefix):
    members = _members(db_session, n, prefix)
    for index, user in enumerate(members):
        if index % 2:
            db_session.add(Enrolment(user_id=user.id, course_id=course.id))
    db_session.commit()
    for user in members[::3]:
        certify(user, course, date.today() + timedelta(days=300))
    return make_cohort(
        members=members, courses=[course], deployment_date=date.today() + timedelta(days=90)
    )


def test_paging_visits_every_trainee_once(
    db_session, make_cohort, course, certify, make_token, api_get
):
    cohort = _big_cohort(db_session, make_cohort, course, certify, 23, "P")
    token = make_token([cohort])
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = api_get(f"/cohorts/{cohort.id}/readiness", token, query_string=query).json
        assert body["total"] == 23 and body["limit"] == 5
        seen += [t["service_number"] for t in body["trainees"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    assert seen == sorted(seen) and len(set(seen)) == 23

    ready = api_get(f"/cohorts/{cohort.id}/readiness?ready=true", token).json
    not_ready = api_get(f"/cohorts/{cohort.id}/readiness?ready=false", token).json
    assert ready["total"] == 8 and not_ready["total"] == 15
    assert all(t["ready"] for t in ready["trainees"])
    assert not any(t["ready"] for t in not_ready["trainees"])
    # A cursor is a position: past the last trainee, the page is empty.
    past = api_get(f"/cohorts/{cohort.id}/readiness?cursor=ZZZ", token).json
    assert past["trainees"] == [] and past["next_cursor"] is None


def test_bad_parameters_are_refused_in_the_clients_language(make_cohort, make_token, api_get, app):
    cohort = make_cohort()
    token = make_token([cohort])
    for query in ("limit=0", "limit=1001", "limit=ten", "ready=yes", "cursor=" + "x" * 201):
        response = api_get(f"/cohorts/{cohort.id}/readiness?{query}", token)
        assert response.status_code == 400, query
        assert response.json["code"] == "invalid_parameter"
    french = api_get(
        f"/cohorts/{cohort.id}/readiness?limit=0",
        token,
        headers={"Accept-Language": "fr-FR, en;q=0.5"},
    )
    assert french.headers["Content-Language"] == "fr"
    with app.test_request_context(), force_locale("fr"):
        expected = _("Bad request")
    assert expected != "Bad request"  # the title is translated already
    assert french.json["title"] == expected
    assert api_get(f"/cohorts/{cohort.id}/readiness?limit=0", token).json["title"] == "Bad request"


def test_course_titles_follow_accept_language(make_cohort, course, make_token, api_get):
    cohort = make_cohort(courses=[course])
    body = api_get(
        f"/cohorts/{cohort.id}/summary", make_token([cohort]), headers={"Accept-Language": "fr"}
    ).json
    assert body["courses"][0]["title"] == "Mini course (fr)"


def test_a_constant_number_of_queries_whatever_the_cohort_size(
    db_session, make_cohort, course, certify, make_token, api_get, connection
):
    small = _big_cohort(db_session, make_cohort, course, certify, 10, "S")
    large = _big_cohort(db_session, make_cohort, course, certify, 300, "L")
    token = make_token(all_cohorts=True)
    api_get("/cohorts", token)  # the first use writes last_used_at; the next minute's do not
    for path in ("/cohorts/{id}/readiness?limit=1000", "/cohorts/{id}/summary", "/cohorts"):
        few = count_queries(connection, lambda p=path: api_get(p.format(id=small.id), token))
        many = count_queries(connection, lambda p=path: api_get(p.format(id=large.id), token))
        assert few == many, (path, few, many)
