"""The badge issuer's Ed25519 key: VC-JWT signatures and the public key that verifies them.

The private key comes from `lms.keys` (the PEM file named by BADGE_SIGNING_KEY_FILE, shared by every
app server, else one created once in the instance folder). It is loaded once per application and
never leaves this module except as a signature; only the public half is published.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import current_app
from jwcrypto import jwk, jws

from badges.credential import canonical_json
from lms.keys import load_private_key

KEY_NAME = "badge_issuer_key"
KEY_FILE_VARIABLE = "BADGE_SIGNING_KEY_FILE"
ALGORITHM = "EdDSA"
# Open Badges 3.0, section 8.2.1 (JOSE header): "typ: if present, MUST be set to 'JWT'";
# no other header than alg, kid, jwk and typ is allowed.
JOSE_TYP = "JWT"


def issuer_key() -> jwk.JWK:
    """The issuer's private key as a JWK (read once per application)."""
    cache = current_app.extensions.setdefault("badges", {})
    if "key" not in cache:
        private = load_private_key(
            current_app.instance_path, KEY_NAME, "ed25519", KEY_FILE_VARIABLE
        )
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise RuntimeError(
                f"the badge signing key must be an Ed25519 key ({KEY_FILE_VARIABLE})"
            )
        cache["key"] = jwk.JWK.from_pyca(private)
    return cache["key"]


def key_thumbprint() -> str:
    """The RFC 7638 thumbprint of the public key: names the key in its URL."""
    return issuer_key().thumbprint()


def public_jwk(kid: str) -> dict[str, Any]:
    """The public key as a JWK (OKP, Ed25519) named `kid`; never any private member."""
    public = issuer_key().export_public(as_dict=True)
    return {
        "kty": public["kty"],
        "crv": public["crv"],
        "x": public["x"],
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }


def sign(claims: dict[str, Any], kid: str) -> str:
    """A compact JWS (alg EdDSA) over the claims; Ed25519 is deterministic, so is the token."""
    token = jws.JWS(canonical_json(claims).encode("utf-8"))
    header = {"alg": ALGORITHM, "kid": kid, "typ": JOSE_TYP}
    token.add_signature(issuer_key(), alg=ALGORITHM, protected=canonical_json(header))
    return token.serialize(compact=True)
