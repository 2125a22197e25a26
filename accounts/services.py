"""Account logic: signing in, credentials, creating and managing users."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from accounts.models import Centre, Role, User
from accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    PIN_LENGTH,
    UNUSABLE_HASH,
    WEAK_PINS,
    hash_secret,
    needs_rehash,
    new_initial_pin,
    new_temporary_password,
    verify_secret,
)
from lms import audit, scope
from lms.db import db, utcnow
from lms.settings import LANGUAGES

log = logging.getLogger(__name__)


class AccountError(ValueError):
    """A problem the user can fix; the message is already translated (or lazily translatable)."""


def normalise_service_number(value: str) -> str:
    """Service numbers compare without case or surrounding spaces."""
    return value.strip().upper()


def normalise_email(value: str) -> str:
    """E-mail addresses compare without case or surrounding spaces."""
    return value.strip().lower()


# More accounts than this behind one service number and country are not tried at sign-in.
MAX_SIGN_IN_CANDIDATES = 5


def sign_in_candidates(identifier: str, country: str | None = None) -> list[User]:
    """The accounts that sign in with this e-mail address (one at most) or service number.

    A service number is unique only within its country (and centre): two countries may both issue
    "12345". The country chooses between them, and only then: the form suggests the centre's
    country, which must not shut out a trainee of another nationality whose number is unique.
    """
    identifier = identifier.strip()
    if "@" in identifier:
        query = select(User).where(User.email == normalise_email(identifier))
    else:
        query = select(User).where(User.service_number == normalise_service_number(identifier))
    found = list(db.session.scalars(query.order_by(User.id).limit(MAX_SIGN_IN_CANDIDATES + 1)))
    if country and len({user.nationality for user in found}) > 1:
        found = [user for user in found if user.nationality == country.strip().upper()]
    return found


def find_by_sign_in_name(identifier: str, country: str | None = None) -> User | None:
    """The one user who signs in with this service number (in this country) or e-mail address."""
    matches = sign_in_candidates(identifier, country)
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt."""

    user: User | None
    reason: str | None  # None on success; "wrong", "disabled" or "choose_country"


def authenticate(identifier: str, secret: str, country: str | None = None) -> SignInResult:
    """Check a sign-in; a disabled account is only revealed to someone who knows its secret.

    When the service number belongs to accounts of several countries and no country is given,
    the person is asked for their country. Accounts of one country in several centres are told
    apart by their secrets.
    """
    candidates = sign_in_candidates(identifier, country)
    if len({user.nationality for user in candidates}) > 1:
        verify_secret(None, secret)  # the same time as any other answer
        return SignInResult(None, "choose_country")
    matching = [
        user
        for user in candidates[:MAX_SIGN_IN_CANDIDATES]
        if verify_secret(user.credential_hash, secret)
    ]
    if not candidates:
        verify_secret(None, secret)  # an unknown account costs the same hashing time
    if len(matching) != 1:
        return SignInResult(None, "wrong")
    user = matching[0]
    if not user.is_enabled:
        return SignInResult(None, "disabled")
    if needs_rehash(user.credential_hash):
        # Hashed with older parameters: the secret is at hand only now, so upgrade it now.
        user.credential_hash = hash_secret(secret)
    user.last_sign_in_at = utcnow()
    return SignInResult(user, None)


def throttle_key(identifier: str, country: str | None = None) -> str:
    """What failed sign-ins are counted against: the account the identifier names (whichever of its
    service number or e-mail address, in whatever case, is typed), else the normalised text."""
    user = find_by_sign_in_name(identifier, country)
    if user is not None:
        return f"account:{user.id}"
    text = identifier.strip()
    return "name:" + (normalise_email(text) if "@" in text else normalise_service_number(text))


def check_new_secret(user: User, secret: str) -> None:
    """Refuse a new PIN or password that is too weak (AccountError with the reason)."""
    if user.uses_pin and secret.isdigit():
        if len(secret) < PIN_LENGTH:
            raise AccountError(_("A PIN must have at least %(n)d digits.", n=PIN_LENGTH))
        if secret in WEAK_PINS or len(set(secret)) == 1:
            raise AccountError(_("This PIN is too easy to guess. Choose another one."))
        return
    if len(secret) < MIN_PASSWORD_LENGTH:
        if user.uses_pin:
            raise AccountError(
                _(
                    "Choose a PIN of at least %(pin)d digits or a password of at least %(pw)d characters.",
                    pin=PIN_LENGTH,
                    pw=MIN_PASSWORD_LENGTH,
                )
            )
        raise AccountError(
            _("A password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )


def change_credential(user: User, current: str | None, new: str) -> None:
    """Set a user's own new PIN or password; the current one is required unless temporary."""
    if not user.is_credential_temporary and not verify_secret(user.credential_hash, current or ""):
        raise AccountError(_("Your current PIN or password is not correct."))
    if verify_secret(user.credential_hash, new):
        raise AccountError(_("The new PIN or password must differ from the current one."))
    check_new_secret(user, new)
    _set_credential(user, new, temporary=False)
    audit.record("credential.changed", "user", user.id, user.id)


def _set_credential(user: User, secret: str, *, temporary: bool) -> None:
    user.credential_hash = hash_secret(secret)
    user.is_credential_temporary = temporary
    user.credential_changed_at = utcnow()
    user.session_version = (user.session_version or 0) + 1


def reset_credential(user: User, actor: User) -> str:
    """Give a user a new temporary PIN (trainee) or password (staff); return it to show once."""
    secret = new_initial_pin() if user.uses_pin else new_temporary_password()
    _set_credential(user, secret, temporary=True)
    audit.record("credential.reset", "user", user.id, actor.id)
    return secret


def create_user(
    role: str,
    full_name: str,
    *,
    actor: User | None,
    email: str | None = None,
    service_number: str | None = None,
    secret: str | None = None,
    preferred_language: str = "en",
    centre: Centre | None = None,
    **profile: Any,
) -> tuple[User, str]:
    """Create a user of a centre (the actor's unless given; none for a platform administrator);
    without a secret one is generated. Returns the user and the secret."""
    role = Role(role)
    email = normalise_email(email) if email else None
    service_number = normalise_service_number(service_number) if service_number else None
    if role is Role.TRAINEE and not service_number:
        raise AccountError(_("A trainee needs a service number."))
    if role is not Role.TRAINEE and not email:
        raise AccountError(_("Trainers and administrators need an e-mail address."))
    if preferred_language not in LANGUAGES:
        raise AccountError(_("This language is not available."))
    centre = None if role is Role.PLATFORM_ADMIN else centre or (actor.centre if actor else None)
    if role is not Role.PLATFORM_ADMIN and centre is None:
        raise AccountError(_("Choose the training centre of this account."))
    if role is Role.TRAINEE and centre is not None:  # a trainee always has a centre (above)
        profile["nationality"] = profile.get("nationality") or centre.country
    _refuse_taken(email, service_number, profile.get("nationality"))
    if secret is None:
        secret = new_initial_pin() if role is Role.TRAINEE else new_temporary_password()
        temporary = True
    else:
        temporary = False
    user = User(
        role=role.value,
        full_name=full_name.strip(),
        email=email,
        service_number=service_number,
        preferred_language=preferred_language,
        credential_hash=hash_secret(secret),
        is_credential_temporary=temporary,
        centre_id=centre.id if centre else None,
        **profile,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, actor.id if actor else None, role=role.value)
    return user, secret


def _refuse_taken(email: str | None, service_number: str | None, nationality: str | None) -> None:
    with scope.unscoped(db.session):  # an address is unique on the whole installation
        email_taken = email and db.session.scalar(select(User.id).where(User.email == email))
    if email_taken:
        raise AccountError(_("This e-mail address is already used by another account."))
    # A service number is unique within its country, in the acting centre.
    if service_number and db.session.scalar(
        select(User.id).where(
            User.service_number == service_number, User.nationality == nationality
        )
    ):
        raise AccountError(_("This service number is already used by another account."))


def set_enabled(user: User, enabled: bool, actor: User) -> None:
    """Enable or disable an account; disabling signs it out everywhere."""
    if user.id == actor.id and not enabled:
        raise AccountError(_("You cannot disable your own account."))
    user.is_enabled = enabled
    user.session_version += 1
    audit.record("user.enabled" if enabled else "user.disabled", "user", user.id, actor.id)


def set_course_author(user: User, granted: bool, actor: User) -> None:
    """Grant or withdraw the course author permission (trainers and administrators only)."""
    if granted and user.role not in (Role.TRAINER, Role.ADMIN):
        raise AccountError(_("Only trainers and administrators can be course authors."))
    if user.is_course_author == granted:
        return
    user.is_course_author = granted
    audit.record(
        "user.author_granted" if granted else "user.author_withdrawn", "user", user.id, actor.id
    )


def set_preferred_language(user: User, language: str) -> None:
    """Save the user's interface language."""
    if language in LANGUAGES and user.preferred_language != language:
        user.preferred_language = language
        log.info("user %s switched language to %s", user.id, language)


def search_users(
    role: str | None, query: str | None, page: int, per_page: int = 50
) -> tuple[list[User], int]:
    """A page of users for the admin list, filtered by role and a search term, and the total."""
    conditions = []
    if role in {r.value for r in Role}:
        conditions.append(User.role == role)
    if query:
        like = f"%{query.strip().lower()}%"
        conditions.append(
            or_(
                func.lower(User.full_name).like(like),
                func.lower(User.email).like(like),
                func.lower(User.service_number).like(like),
            )
        )
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    users = db.session.scalars(
        select(User)
        .where(*conditions)
        .order_by(User.role, User.full_name)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(users), total


def administrator_home(user: User) -> dict[str, Any]:
    """The centre administrator's home page: accounts of the centre by role."""
    counts = dict(
        db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all()
    )
    return {"user_counts": counts, "centre": user.centre}


def platform_home(user: User) -> dict[str, Any]:
    """The platform administrator's home page: the centres."""
    return {"centres": list(db.session.scalars(select(Centre).order_by(Centre.name)))}


def initials(full_name: str) -> str:
    """The initials of a name in any script ("Sita Gurung" -> "S. G.")."""
    return " ".join(f"{part[0]}." for part in full_name.split() if part) or "—"


def hashed_service_number(user: User, secret: bytes) -> str:
    """A keyed hash of a service number: the same person gives the same value, and the number
    cannot be read back (nor guessed without the installation's secret key)."""
    message = f"{user.nationality or ''}:{user.service_number or ''}".encode()
    return "H-" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:24].upper()


def pseudonymise(user: User, secret: bytes) -> None:
    """Replace a trainee's identity under the retention policy: initials for the name, a keyed
    hash for the service number, contact and profile details removed, signed out for good."""
    user.service_number = hashed_service_number(user, secret)
    user.full_name = initials(user.full_name)
    user.email = None
    user.unit = None
    user.credential_hash = UNUSABLE_HASH
    user.is_enabled = False
    user.session_version += 1
    user.pseudonymised_at = utcnow()


def default_sign_in_country() -> str | None:
    """The country the sign-in form suggests: the centres' country when they all share one."""
    countries = set(db.session.scalars(select(Centre.country).where(Centre.is_enabled)))
    return countries.pop() if len(countries) == 1 else None
