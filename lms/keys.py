"""Private signing keys (the LTI tool's RSA key, the badge issuer's Ed25519 key).

A key comes from a PEM file named by an environment variable (for deployments with several app
servers, which must share it) or else from the instance folder, where it is created once with
mode 0600, like the secret key. The public half is derived; nothing private leaves this module
except as a `cryptography` key object.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

KeyKind = Literal["rsa", "ed25519"]


def _generate(kind: KeyKind) -> PrivateKeyTypes:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


def private_key_pem(instance_path: str | Path, name: str, kind: KeyKind, env_var: str) -> bytes:
    """The PEM of a private key: from the file in `env_var`, else `<instance>/<name>.pem`."""
    configured = os.environ.get(env_var)
    if configured:
        return Path(configured).read_bytes()
    path = Path(instance_path) / f"{name}.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = _generate(kind).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Write aside, then link into place: atomic, and the first of several workers wins.
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def load_private_key(
    instance_path: str | Path, name: str, kind: KeyKind, env_var: str
) -> PrivateKeyTypes:
    """The private key object (RSA or Ed25519) for `name`."""
    pem = private_key_pem(instance_path, name, kind, env_var)
    return serialization.load_pem_private_key(pem, password=None)
