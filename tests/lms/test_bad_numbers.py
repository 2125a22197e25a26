"""Numbers from requests: ids beyond 64 bits and digits that are not ASCII ("²", "٣") in URL parts,
query strings and form fields answer 400 or 404, never 500, and change nothing."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.helpers import table_counts
from tests.lms.route_samples import SAMPLE_ARGUMENTS

NOT_IDS = {
    "2^31": str(2**31),
    "2^63": str(2**63),
    "20 digits": "9" * 20,
    "5000 digits": "1" * 5000,  # beyond what int() converts by default
    "superscript two": "²",
    "Arabic-Indic three": "٣",
    "fullwidth one": "１",
    "negative": "-1",
}
LARGEST_ID = str(2**31 - 1)  # a well-formed id that exists nowhere: the views themselves answer
NOT_NUMBERS = ["²", "٣", "9" * 20, "1" * 5000, "-1", "1e3"]


@pytest.fixture
def app_config():
    # Without CSRF tokens the POST views run too, with the id taken from the URL.
    return {"WTF_CSRF_ENABLED": False}


def _int_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def _url(rule, value: str) -> str:
    samples = SAMPLE_ARGUMENTS.get(rule.endpoint, {})

    def replace(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return value
        sample = samples.get(name, "x")
        return "x" if "{" in sample else sample

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", replace, rule.rule)


def test_every_route_with_an_integer_refuses_ids_that_are_not_ids(app, client, login_as):
    login_as("admin")
    rules = _int_rules(app)
    assert len(rules) >= 20  # cohorts, evaluations, attempts, users, tokens, LTI platforms...
    failures = []
    for rule in rules:
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for name, value in NOT_IDS.items():
                response = client.open(_url(rule, value), method=method)
                response.close()
                if response.status_code != 404:
                    failures.append((rule.endpoint, method, name, response.status_code))
            response = client.open(_url(rule, LARGEST_ID), method=method)
            response.close()
            if response.status_code >= 500:
                failures.append((rule.endpoint, method, "2^31 - 1", response.status_code))
    assert failures == []


def test_a_refused_id_is_a_translated_404_and_changes_nothing(client, login_as, db_session):
    login_as("admin", preferred_language="fr")
    before = table_counts(db_session)
    for url in ("/cohorts/99999999999999999999", "/cohorts/²/edit", "/admin/users/٣"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page introuvable" in response.get_data(as_text=True)
    assert client.post("/cohorts/99999999999999999999/edit", data={"name": "x"}).status_code == 404
    assert table_counts(db_session) == before


def test_ids_still_work(client, login_as, make_cohort):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], name="NEPBATT 2")
    assert "NEPBATT 2" in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)


def test_the_host_keeps_its_own_int_converter_when_the_product_is_mounted(database_url):
    from flask import Flask

    from app import mount
    from tests.conftest import base_config

    host = Flask("host")
    host.config.update(base_config(database_url))
    mount(host, "/training")

    @host.get("/orders/<int:number>")
    def order(number: int) -> str:
        return f"order {number}"

    assert host.test_client().get("/orders/٣").get_data(as_text=True) == "order 3"
    assert host.test_client().get("/training/cohorts/٣").status_code == 404


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_page_numbers_that_are_not_numbers_show_the_first_page(
    client, login_as, make_cohort, value
):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer])
    response = client.get(f"/cohorts/{cohort.id}/dashboard", query_string={"page": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_admin_user_list_pages_that_are_not_numbers_show_the_first_page(client, login_as, value):
    login_as("admin")
    response = client.get("/admin/users", query_string={"page": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_trainee_filter_that_is_not_a_number_never_fails(
    client, login_as, make_user, make_cohort, load_course, value
):
    load_course()
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=[make_user("trainee")])
    response = client.get(
        f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1", query_string={"trainee": value}
    )
    assert response.status_code in {200, 404}


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_numeric_form_fields_that_are_not_numbers_are_refused(
    client, login_as, make_user, make_cohort, course, db_session, value
):
    trainer = login_as("trainer", preferred_language="fr")
    trainee = make_user("trainee")
    cohort = make_cohort(trainers=[trainer], members=[trainee], courses=[course])
    before = table_counts(db_session)
    practical = client.post(
        f"/evaluations/cohorts/{cohort.id}/practical/SAF-P1",
        data={
            "observed_on": _today(),
            f"include-{trainee.id}": "1",
            f"seconds-{trainee.id}": value,
        },
    )
    assert practical.status_code == 400
    assert "Saisissez le temps mesuré" in practical.get_data(as_text=True)
    paper = client.post(
        f"/evaluations/cohorts/{cohort.id}/paper/{course.slug}",
        data={
            "observed_on": _today(),
            f"include-{trainee.id}": "1",
            **{f"pct-{trainee.id}-{code}": value for code in course.standards},
        },
    )
    assert paper.status_code == 400
    edited = client.post(
        f"/cohorts/{cohort.id}/edit",
        data={"name": "Renamed", "country": "NPL", "courses": value, "trainers": value},
    )
    assert edited.status_code == 400
    assert table_counts(db_session) == before


def _today() -> str:
    from lms.db import utcnow

    return utcnow().date().isoformat()


@pytest.mark.parametrize("value", [*NOT_IDS.values(), LARGEST_ID])
def test_the_read_api_refuses_cohort_ids_that_are_not_ids(app, make_cohort, make_token, value):
    cohort = make_cohort()
    token = make_token([cohort])
    client = app.test_client()
    for path in (f"/api/v1/cohorts/{value}/readiness", f"/api/v1/cohorts/{value}/summary"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, path
        assert response.json["status"] == 404
    for limit in NOT_NUMBERS:
        response = client.get(
            f"/api/v1/cohorts/{cohort.id}/readiness",
            query_string={"limit": limit},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 400, limit
