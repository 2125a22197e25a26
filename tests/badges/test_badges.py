"""Open Badges 3.0: signed credentials checked with an independent library (PyJWT), status, access."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from certificates.services import add_months
from tests.conftest import TEST_SECRET
from tests.helpers import sign_in, submit

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@pytest.fixture(autouse=True)
def signing_key(tmp_path, monkeypatch):
    """A fresh Ed25519 issuer key in a PEM file, as a deployment configures it."""
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "badge-issuer.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("BADGE_SIGNING_KEY_FILE", str(path))
    return key


@pytest.fixture
def issue(app):
    """Issue a certificate directly (as completion would), optionally on another day."""
    from certificates.services import issue_certificate

    def _issue(trainee, course, today=None):
        with app.test_request_context(base_url="http://localhost"):
            from lms.db import db

            certificate = issue_certificate(
                db.session.merge(trainee), db.session.merge(course), today=today
            )
            db.session.commit()
            return certificate.serial

    return _issue


def client_of(app, user):
    c = app.test_client()
    assert sign_in(c, user.sign_in_name, TEST_SECRET).status_code == 302
    return c


def public_key_for(client, token):
    """The issuer's key for a token, from the public JWK Set, as PyJWT builds it."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwks = client.get("/badges/issuer/jwks.json")
    assert jwks.status_code == 200
    [jwk] = [key for key in jwks.get_json()["keys"] if key["kid"] == kid]
    assert "d" not in jwk  # never the private half
    return jwt.PyJWK(jwk)


def verify(client, token):
    """Check a badge as an outside verifier would: PyJWT, the published key, required claims."""
    return jwt.decode(
        token,
        key=public_key_for(client, token),
        algorithms=["EdDSA"],
        issuer="http://lms.test/badges/issuer",
        options={"require": ["iss", "jti", "sub", "nbf", "exp"]},
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def with_payload(token: str, change) -> str:
    """The token with its payload changed and re-encoded, keeping the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    change(claims)
    encoded = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return ".".join([header, b64(encoded.encode()), signature])


@pytest.fixture
def holder(make_user):
    return make_user(
        "trainee",
        full_name="Aminata Diop",
        rank="Adjudant",
        nationality="SEN",
        service_number="SN-778812",
    )


def test_the_badge_verifies_with_an_independent_library(app, holder, issue, course):
    serial = issue(holder, course)
    c = client_of(app, holder)
    response = c.get(f"/badges/{serial}.jwt")
    assert response.status_code == 200 and response.mimetype == "application/jwt"
    assert f'filename="badge-{serial}.jwt"' in response.headers["Content-Disposition"]
    token = response.get_data(as_text=True)

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    assert set(header) == {"alg", "kid", "typ"}  # OB 3.0 allows no other JOSE header
    # The kid is the address of the public key itself, served publicly (no cookies needed).
    kid_path = header["kid"].removeprefix("http://lms.test")
    published = app.test_client().get(kid_path)
    assert published.status_code == 200 and published.get_json()["kid"] == header["kid"]
    assert published.headers["Access-Control-Allow-Origin"] == "*"

    claims = verify(app.test_client(), token)
    assert claims["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"] == claims["jti"] == f"http://lms.test/badges/{serial}.json"
    assert claims["issuer"] == {
        "id": "http://lms.test/badges/issuer",
        "type": ["Profile"],
        "name": "National Peacekeeping Training Centre",
        "url": "http://lms.test/",
    }
    assert claims["iss"] == claims["issuer"]["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    today = date.today()
    assert claims["validFrom"] == f"{today.isoformat()}T00:00:00Z"
    expires = add_months(today, 12)  # the course's validity_months
    assert claims["validUntil"] == f"{expires.isoformat()}T23:59:59Z"
    assert claims["nbf"] == int(datetime.combine(today, datetime.min.time(), UTC).timestamp())
    assert claims["exp"] == int(
        datetime.combine(expires, datetime.max.time().replace(microsecond=0), UTC).timestamp()
    )
    assert claims["credentialStatus"] == {
        "id": f"http://lms.test/badges/status/{serial}",
        "type": "1EdTechRevocationList",
    }


def test_the_achievement_and_its_alignments(app, holder, issue, course):
    serial = issue(holder, course)
    claims = verify(app.test_client(), client_of(app, holder).get(f"/badges/{serial}.jwt").text)
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Aminata Diop",
        }
    ]
    achievement = subject["achievement"]
    assert (
        achievement["type"] == ["Achievement"] and achievement["achievementType"] == "Certificate"
    )
    assert achievement["name"] == claims["name"] == "Mini course (en)"
    assert achievement["id"] == "http://lms.test/courses/mini-course?version=1.0"
    assert "Mini course (en)" in achievement["description"] and achievement["criteria"]["narrative"]
    codes = [alignment["targetCode"] for alignment in achievement["alignment"]]
    assert codes == ["SEA-1", "SEA-2"]
    for alignment in achievement["alignment"]:
        assert alignment["type"] == ["Alignment"] and alignment["targetName"]
        assert alignment["targetUrl"].endswith(f"#{alignment['targetCode']}")


def test_the_badge_reveals_no_more_than_the_public_verification_page(
    app, holder, issue, course, make_user
):
    serial = issue(holder, course)
    text = client_of(app, holder).get(f"/badges/{serial}.json").get_data(as_text=True)
    token = client_of(app, holder).get(f"/badges/{serial}.jwt").get_data(as_text=True)
    payload = unb64(token.split(".")[1]).decode()
    for document in (text, payload):
        assert "Aminata Diop" in document
        for private in ("SN-778812", "Adjudant", "SEN"):
            assert private not in document
    subject = json.loads(text)["credentialSubject"]
    assert set(subject) == {"id", "type", "identifier", "achievement"}
    # An opaque holder identifier (not the account number), different for another holder.
    assert subject["id"].startswith("urn:uuid:") and len(subject["id"]) == len("urn:uuid:") + 36
    other = make_user("trainee")
    other_serial = issue(other, course)
    other_subject = client_of(app, other).get(f"/badges/{other_serial}.json").get_json()
    assert other_subject["credentialSubject"]["id"] != subject["id"]


def test_a_changed_credential_fails_verification(app, holder, issue, course):
    serial = issue(holder, course)
    token = client_of(app, holder).get(f"/badges/{serial}.jwt").get_data(as_text=True)
    verifier = app.test_client()
    verify(verifier, token)  # the original is good
    assert with_payload(token, lambda claims: None) == token  # re-encoding alone changes nothing

    def rename(claims):
        claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"

    def extend(claims):
        claims["validUntil"] = "2099-12-31T23:59:59Z"
        claims["exp"] = 4102444799

    def realign(claims):
        claims["credentialSubject"]["achievement"]["alignment"].append(
            {"type": ["Alignment"], "targetCode": "SAF-1", "targetName": "x", "targetUrl": "x"}
        )

    for change in (rename, extend, realign):
        forged = with_payload(token, change)
        assert forged != token
        with pytest.raises(jwt.InvalidSignatureError):
            verify(verifier, forged)
    # Another key (e.g. a forger's own) is not the issuer's: its signature does not verify.
    other = jwt.encode(
        json.loads(unb64(token.split(".")[1])),
        ed25519.Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )
    with pytest.raises(jwt.InvalidSignatureError):
        verify(verifier, other)


def test_the_same_certificate_always_gives_the_same_badge(app, holder, issue, course, db_session):
    serial = issue(holder, course)
    c = client_of(app, holder)
    first = c.get(f"/badges/{serial}.jwt").get_data(as_text=True)
    # The badge comes from the stored certificate, not from the holder's account as it is now.
    from accounts.models import User

    user = db_session.get(User, holder.id)
    user.full_name, user.rank = "Aminata Diop-Sall", "Major"
    db_session.commit()
    assert c.get(f"/badges/{serial}.jwt").get_data(as_text=True) == first
    signed = json.loads(unb64(first.split(".")[1]))
    unsigned = c.get(f"/badges/{serial}.json").get_json()
    assert {k: v for k, v in signed.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}} == (
        unsigned
    )


def test_the_status_answers_revoked_after_revocation(app, holder, issue, course, make_user):
    serial = issue(holder, course)
    token = client_of(app, holder).get(f"/badges/{serial}.jwt").get_data(as_text=True)
    public = app.test_client()
    status_url = verify(public, token)["credentialStatus"]["id"]
    before = public.get(status_url.removeprefix("http://lms.test"))
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    assert before.get_json()["status"] == "valid" and before.get_json()["revokedCredentials"] == []

    admin = client_of(app, make_user("admin"))
    response = submit(
        admin,
        f"/certificates/{serial}",
        {"reason": "misconduct", "note": "internal note"},
        action=f"/certificates/{serial}/revoke",
    )
    assert response.status_code == 302
    after = public.get(status_url.removeprefix("http://lms.test")).get_json()
    assert after["status"] == "revoked"
    # The date, never the reason (sensitive) nor the note.
    assert after["revokedCredentials"] == [
        {"id": f"http://lms.test/badges/{serial}.json", "revokedOn": date.today().isoformat()}
    ]
    assert "misconduct" not in json.dumps(after).lower()
    assert "internal note" not in json.dumps(after)
    # The badge itself is not re-signed: still the same token, still a valid signature.
    assert client_of(app, holder).get(f"/badges/{serial}.jwt").get_data(as_text=True) == token
    verify(public, token)


def test_an_expired_certificate_shows_in_valid_until_and_status(app, holder, issue, course):
    serial = issue(holder, course, today=date.today() - timedelta(days=400))
    token = client_of(app, holder).get(f"/badges/{serial}.jwt").get_data(as_text=True)
    public = app.test_client()
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(public, token)
    assert public.get(f"/badges/status/{serial}").get_json()["status"] == "expired"


def test_badges_are_limited_to_holder_trainers_and_admins(
    app, holder, issue, course, make_user, make_cohort
):
    trainer, stranger_trainer = make_user("trainer"), make_user("trainer")
    make_cohort(trainers=[trainer], members=[holder])
    serial = issue(holder, course)
    expectations = [
        (holder, 200),
        (make_user("trainee"), 404),
        (trainer, 200),
        (stranger_trainer, 404),
        (make_user("admin"), 200),
    ]
    for user, status in expectations:
        c = client_of(app, user)
        assert c.get(f"/badges/{serial}.jwt").status_code == status, user.role
        assert c.get(f"/badges/{serial}.json").status_code == status, user.role
    anonymous = app.test_client()
    assert anonymous.get(f"/badges/{serial}.jwt").status_code == 302
    c = client_of(app, holder)
    tampered = serial[:-1] + ("X" if serial[-1] != "X" else "Y")
    assert c.get(f"/badges/{tampered}.jwt").status_code == 404
    assert anonymous.get(f"/badges/status/{tampered}").get_json() == {"status": "invalid"}
    from certificates.serials import new_serial

    assert anonymous.get(f"/badges/status/{new_serial()}").status_code == 404


def test_the_issuer_profile_publishes_the_key(app, signing_key):
    c = app.test_client()
    profile = c.get("/badges/issuer")
    assert profile.status_code == 200 and profile.is_json
    document = profile.get_json()
    assert document["id"] == "http://lms.test/badges/issuer"
    assert document["type"] == ["Profile"] and document["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert document["name"] == "National Peacekeeping Training Centre"
    [method] = document["verificationMethod"]
    assert document["assertionMethod"] == [method["id"]]
    jwk = method["publicKeyJwk"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    raw = signing_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert unb64(jwk["x"]) == raw  # the configured key file is the one published
    assert c.get("/badges/issuer/jwks.json").get_json() == {"keys": [jwk]}
    for other in ("not-our-key", "%C3%A9t%C3%A9", jwk["x"]):
        assert c.get(f"/badges/issuer/keys/{other}").status_code == 404


def test_public_base_url_names_every_address(app, holder, issue, course):
    app.config["PUBLIC_BASE_URL"] = "https://training.example.org/"
    serial = issue(holder, course)
    document = client_of(app, holder).get(f"/badges/{serial}.json").get_json()
    assert document["id"] == f"https://training.example.org/badges/{serial}.json"
    assert document["issuer"]["id"] == "https://training.example.org/badges/issuer"
    assert document["credentialStatus"]["id"].startswith("https://training.example.org/")


def test_the_certificate_page_links_the_badge(app, holder, issue, course):
    serial = issue(holder, course)
    page = client_of(app, holder).get(f"/certificates/{serial}").get_data(as_text=True)
    assert f"/badges/{serial}.jwt" in page and f"/badges/{serial}.json" in page
