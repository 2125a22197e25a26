"""Security headers, cookie flags and CSRF."""

from __future__ import annotations

from tests.conftest import TEST_SECRET
from tests.helpers import sign_in


def test_security_headers_on_every_page(client):
    for url in ("/", "/sign-in", "/no-such-page"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, login_as):
    login_as("admin")
    for url in ("/home", "/admin/users", "/admin/users/new", "/account/credential"):
        page = client.get(url).get_data(as_text=True)
        assert "<script" not in page and "style=" not in page and " on" + "click" not in page, url


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("trainee")
    response = sign_in(client, user.sign_in_name, TEST_SECRET)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on a LAN


def test_session_cookie_is_secure_over_https(app, make_user):
    client = app.test_client()
    user = make_user("trainee")
    token_page = client.get("/sign-in", base_url="https://training.example.org")
    import re

    token = re.search(
        r'name="csrf_token"[^>]*?value="([^"]+)"', token_page.get_data(as_text=True)
    ).group(1)
    response = client.post(
        "/sign-in",
        base_url="https://training.example.org",
        headers={"Referer": "https://training.example.org/sign-in"},
        data={"csrf_token": token, "identifier": user.sign_in_name, "secret": TEST_SECRET},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_every_form_on_every_page_carries_a_csrf_token(client, login_as):
    import re

    login_as("admin")
    for url in ("/home", "/admin/users/new", "/account/credential", "/admin/users"):
        page = client.get(url).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (url, form[:120])
