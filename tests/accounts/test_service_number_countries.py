"""A service number is unique within its country, not worldwide: sign-in asks for the country
when the same number exists twice."""

from __future__ import annotations

import re

from tests.conftest import TEST_SECRET
from tests.helpers import sign_in


def _home_name(client) -> str:
    return client.get("/account/record.json").get_json()["account"]["full_name"]


def test_the_same_number_in_two_countries(app, make_user, make_centre):
    dakar = make_centre(name="Dakar centre", country="SEN")
    make_user("trainee", service_number="12345", nationality="NPL", full_name="Ram Thapa")
    make_user(
        "trainee",
        service_number="12345",
        nationality="SEN",
        full_name="Moussa Ndiaye",
        centre_id=dakar.id,
        secret="other-secret-99",
    )
    client = app.test_client()
    asked = sign_in(client, "12345", TEST_SECRET)
    assert asked.status_code == 401
    page = asked.get_data(as_text=True)
    assert (
        "used in more than one country" in page and '<details class="country-choice" open>' in page
    )

    assert sign_in(client, "12345", "other-secret-99", data_country="SEN").status_code == 302
    assert _home_name(client) == "Moussa Ndiaye"

    nepal = app.test_client()
    assert sign_in(nepal, "12345", TEST_SECRET, data_country="NPL").status_code == 302
    assert _home_name(nepal) == "Ram Thapa"
    wrong_country = app.test_client()
    assert sign_in(wrong_country, "12345", TEST_SECRET, data_country="SEN").status_code == 401


def test_the_same_number_and_country_in_two_centres_is_told_apart_by_the_pin(
    app, make_user, make_centre
):
    other = make_centre(name="Regional centre", country="NPL")
    make_user("trainee", service_number="NP-1", nationality="NPL", full_name="First")
    make_user(
        "trainee",
        service_number="NP-1",
        nationality="NPL",
        full_name="Second",
        centre_id=other.id,
        secret="second-secret-7",
    )
    client = app.test_client()
    assert sign_in(client, "np-1", "second-secret-7").status_code == 302
    assert _home_name(client) == "Second"


def test_the_form_suggests_the_centres_country_only_when_they_share_one(
    client, db_session, make_centre
):
    from accounts.models import Centre
    from tests.conftest import DEFAULT_CENTRE_ID

    db_session.get(Centre, DEFAULT_CENTRE_ID).country = "SEN"
    db_session.commit()
    selected = re.compile(
        r'<option[^>]*selected[^>]*value="SEN"|<option[^>]*value="SEN"[^>]*selected'
    )
    assert selected.search(client.get("/sign-in").get_data(as_text=True))
    make_centre(name="Kathmandu centre", country="NPL")  # two countries: no suggestion
    page = client.get("/sign-in").get_data(as_text=True)
    assert not selected.search(page) and 'id="country"' in page


def test_the_suggested_country_never_shuts_out_a_unique_number(app, make_user):
    make_user("trainee", service_number="SN-777", nationality="SEN", full_name="Awa Fall")
    client = app.test_client()
    assert sign_in(client, "SN-777", TEST_SECRET, data_country="NPL").status_code == 302
