"""`next=` after sign-in and after the language switch: only a path of this site, never a redirect
off-site, never a header injection, never a 500."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import TEST_SECRET
from tests.helpers import csrf_token, submit

# Each one decoded as the view receives it; sent percent-encoded in a query string or as a form
# field, exactly as a crafted link or page would send them.
HOSTILE = {
    "CRLF header": "/\r\nSet-Cookie: taken=1",
    "LF header": "/home\nLocation: https://evil.example",
    "CR only": "/\rSet-Cookie: taken=1",
    "scheme-relative": "//evil.example",
    "scheme-relative with path": "//evil.example/sign-in",
    "backslashes": "\\\\evil.example",
    "slash backslash": "/\\evil.example",
    "slash backslash slash": "/\\/evil.example",
    "tab between slashes": "/\t/evil.example",
    "newline between slashes": "/\n/evil.example",
    "absolute": "https://evil.example/",
    "scheme without slashes": "https:evil.example",
    "javascript": "javascript:alert(1)",
    "leading space": " //evil.example",
    "unclosed IPv6 host": "//[evil.example",
    "NUL": "/home\x00",
    "bidi override": "/home\u202e",
    "line separator": "/\u2028/evil.example",
    "not a path": "evil.example",
}


def _assert_stays_here(response, name: str) -> None:
    assert response.status_code == 302, (name, response.status_code)
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location, name
    assert "taken" not in response.headers.get("Set-Cookie", ""), name
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, (name, location)
    assert location.startswith("/") and not location.startswith(("//", "/\\")), (name, location)
    assert "evil" not in location, (name, location)


@pytest.mark.parametrize("target", HOSTILE.values(), ids=HOSTILE.keys())
def test_sign_in_never_follows_a_hostile_next(client, make_user, target):
    user = make_user("trainee")
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=" + quote(target, safe=""),
        data={"csrf_token": token, "identifier": user.sign_in_name, "secret": TEST_SECRET},
    )
    _assert_stays_here(response, target)
    assert response.headers["Location"] == "/"
    assert client.get("/home").status_code == 200  # signed in all the same


def test_sign_in_follows_a_path_of_this_site(client, make_user):
    user = make_user("trainee")
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=" + quote("/courses/?lang=fr#top", safe=""),
        data={"csrf_token": token, "identifier": user.sign_in_name, "secret": TEST_SECRET},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/courses/?lang=fr#top"


def test_a_raw_crlf_in_the_query_string_is_no_header_injection(client, make_user):
    user = make_user("trainee")
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in?next=/%0d%0aSet-Cookie:%20taken=1",
        data={"csrf_token": token, "identifier": user.sign_in_name, "secret": TEST_SECRET},
    )
    _assert_stays_here(response, "%0d%0a")


@pytest.mark.parametrize("target", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_language_switch_never_follows_a_hostile_next(client, target):
    response = submit(client, "/", {"lang": "fr", "next": target}, action="/language")
    _assert_stays_here(response, target)
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)  # switched all the same


def test_the_language_switch_returns_to_the_page_it_was_on(client):
    response = submit(
        client, "/verify/", {"lang": "ar", "next": "/verify/?serial=ABC"}, action="/language"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/verify/?serial=ABC"


def test_an_over_long_next_switches_the_language_and_goes_home(client):
    from tests.helpers import csrf_token

    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "fr", "next": "/" + "a" * 600}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert 'lang="fr"' in client.get("/sign-in").get_data(as_text=True)
