"""Addresses that leave the app never come from the request: a client that sends
`Host: evil.example` gets certificates, badges, slips, LTI and xAPI addresses under the configured
public base (PUBLIC_BASE_URL, or in development and tests without it, the local address); and the
app refuses to start in production without PUBLIC_BASE_URL."""

from __future__ import annotations

import subprocess

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from app import create_app
from certificates.models import Certificate
from lms.outbox import OutboxMessage
from lms.urls import (
    DEVELOPMENT_BASE_URL,
    PublicBaseUrlError,
    public_url,
    register_base_resolver,
)
from tests.assessments.quiz_steps import QUIZ, answer_all, enrol_with_lessons_done, start
from tests.conftest import PUBLIC_BASE_URL
from tests.helpers import csrf_token, print_slips

EVIL_HOST = "evil.example"
EVIL = {"Host": EVIL_HOST}


@pytest.fixture(params=[PUBLIC_BASE_URL, ""], ids=["configured", "unset"])
def app_config(request, tmp_path, monkeypatch):
    """With PUBLIC_BASE_URL set, and unset (tests may start without it; production may not)."""
    key_file = tmp_path / "badge-issuer.pem"
    key_file.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("BADGE_SIGNING_KEY_FILE", str(key_file))
    return {
        "PUBLIC_BASE_URL": request.param,
        # xAPI on, statements kept in the outbox (never delivered: the tests read them there).
        "XAPI_ENDPOINT": "http://127.0.0.1:9/xapi/",
        "OUTBOX_QUEUE_DELIVERY": False,
    }


@pytest.fixture
def base(app):
    """The base every address that leaves the app must start with."""
    return app.config["PUBLIC_BASE_URL"] or DEVELOPMENT_BASE_URL


def as_evil(client):
    """The client's session, sent from now on with `Host: evil.example` (as an attacker who holds
    an account would send it to the real server)."""
    session = client.get_cookie("lms_session")
    client.set_cookie("lms_session", session.value, domain=EVIL_HOST)
    return client


def pdf_text(pdf: bytes, tmp_path) -> str:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout


def qr_of(pdf: bytes, tmp_path) -> str:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "doc.pdf")]
        + [str(tmp_path / "page")],
        check=True,
    )
    return subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_a_quiz_submitted_under_another_host_prints_the_public_address(
    client, login_as, load_course, db_session, base, tmp_path
):
    load_course()
    trainee = login_as("trainee")
    enrol_with_lessons_done(client)
    attempt_id = start(client)
    answer_all(client, db_session, attempt_id)
    token = csrf_token(client, QUIZ)
    as_evil(client)
    response = client.post(
        f"/assessments/attempts/{attempt_id}/submit", data={"csrf_token": token}, headers=EVIL
    )
    assert response.status_code == 200, response.get_data(as_text=True)  # the result itself
    certificate = db_session.scalars(
        select(Certificate).where(Certificate.trainee_id == trainee.id)
    ).one()
    assert qr_of(certificate.pdf, tmp_path) == f"{base}/verify/{certificate.serial}"
    printed = "".join(pdf_text(certificate.pdf, tmp_path).split())
    assert f"{base.split('//')[1]}/verify/{certificate.serial}" in printed
    assert EVIL_HOST not in printed
    # The xAPI statements of that request name the public base too.
    statements = db_session.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.kind == "xapi")
    ).all()
    assert statements and EVIL_HOST not in str(statements)
    [earned] = [s for s in statements if s["verb"]["display"]["en-US"] == "earned"]
    assert earned["object"]["id"] == f"{base}/verify/{certificate.serial}"
    assert earned["actor"]["account"]["homePage"] == base


def test_a_badge_fetched_under_another_host_names_the_public_issuer(
    app, client, login_as, load_course, db_session, base
):
    from certificates.services import issue_certificate
    from courses.models import Course
    from lms.db import db

    load_course()
    trainee = login_as("trainee")
    with app.test_request_context(headers=EVIL):
        certificate = issue_certificate(
            db.session.merge(trainee),
            db.session.scalars(select(Course).where(Course.slug == "mini-course")).one(),
        )
        db.session.commit()
        serial = certificate.serial
    as_evil(client)
    token = client.get(f"/badges/{serial}.jwt", headers=EVIL).get_data(as_text=True)
    header, claims = (
        jwt.get_unverified_header(token),
        jwt.decode(token, options={"verify_signature": False}),
    )
    assert header["kid"].startswith(f"{base}/badges/")
    assert claims["iss"] == claims["issuer"]["id"] == f"{base}/badges/issuer"
    assert claims["credentialStatus"]["id"] == f"{base}/badges/status/{serial}"
    assert EVIL_HOST not in token and EVIL_HOST not in str(claims)
    anonymous = {"headers": EVIL, "base_url": f"http://{EVIL_HOST}"}
    status = app.test_client().get(f"/badges/status/{serial}", **anonymous).get_json()
    assert status["id"] == f"{base}/badges/status/{serial}"
    assert status["issuer"] == f"{base}/badges/issuer"
    profile = app.test_client().get("/badges/issuer", **anonymous).get_json()
    assert profile["id"] == f"{base}/badges/issuer" and EVIL_HOST not in str(profile)
    verify = app.test_client().get(f"/verify/{serial}.json", **anonymous).get_json()
    assert EVIL_HOST not in str(verify)


def test_login_slips_printed_under_another_host_name_the_public_sign_in(
    client, login_as, make_user, make_cohort, base, tmp_path
):
    trainer = login_as("trainer")
    cohort = make_cohort(trainers=[trainer], members=[make_user("trainee", temporary=True)])
    token = csrf_token(client, f"/cohorts/{cohort.id}")
    as_evil(client)
    pdf = print_slips(client, cohort.id, token, headers=EVIL)
    assert pdf.status_code == 200
    printed = "".join(pdf_text(pdf.data, tmp_path).split())
    # (pdftotext joins "sign-" and "in" of a wrapped line into "signin")
    assert f"{base.split('//')[1]}/sign" in printed and EVIL_HOST not in printed
    assert qr_of(pdf.data, tmp_path) == f"{base}/sign-in"  # the printed QR code reads too


def test_the_lti_page_under_another_host_gives_the_public_tool_addresses(client, login_as, base):
    login_as("admin")
    page = as_evil(client).get("/admin/lti/", headers=EVIL).get_data(as_text=True)
    for path in ("/lti/login", "/lti/launch", "/lti/jwks.json"):
        assert f"{base}{path}" in page
    assert EVIL_HOST not in page


def test_a_resolver_gives_a_record_its_own_base(app, base):
    register_base_resolver(app, lambda owner: owner.get("base"))
    with app.test_request_context(headers=EVIL):
        centre_b = {"base": "https://b.example/"}
        assert public_url("verify.verify_serial", _owner=centre_b, serial="X") == (
            "https://b.example/verify/X"
        )
        assert public_url("verify.verify_serial", _owner={}, serial="X") == f"{base}/verify/X"
        assert public_url("core.index", _base="https://c.example") == "https://c.example/"


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A production start: no TESTING, no DEBUG, PUBLIC_BASE_URL not in the environment."""
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return {"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}


def test_production_refuses_to_start_without_a_public_base_url(production_env):
    with pytest.raises(PublicBaseUrlError, match="PUBLIC_BASE_URL is not set"):
        create_app(production_env)


@pytest.mark.parametrize(
    "value", ["training.example.org", "ftp://training.example.org", "https://t.example/?x=1"]
)
def test_production_refuses_a_malformed_public_base_url(production_env, value):
    with pytest.raises(PublicBaseUrlError, match="not an http"):
        create_app({**production_env, "PUBLIC_BASE_URL": value})


def test_production_starts_with_a_public_base_url(production_env, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://training.example.org/lms")
    app = create_app(production_env)
    with app.test_request_context(headers=EVIL):
        assert public_url("accounts.sign_in") == "https://training.example.org/lms/sign-in"
