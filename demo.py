"""`flask demo load`: demo accounts (and the bundled courses), safe to run again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from accounts import services
from accounts.centres import save_centre
from accounts.models import Centre, User
from accounts.passwords import hash_secret
from cohorts.models import Cohort
from courses import services as courses
from lms.db import db, utcnow

demo_cli = AppGroup("demo", help="Demonstration data.")

# Two centres, so that the centre boundary can be seen: A is the installation's first centre.
DEMO_CENTRES: dict[str, dict[str, Any]] = {
    "A": {
        "country": "NPL",
        "languages": ["en", "fr", "zh", "ar", "es", "ru"],
        "time_zone": "Asia/Kathmandu",
    },
    "B": {
        "name": "Regional Peacekeeping Training Centre (demo)",
        "country": "SEN",
        "languages": ["fr", "en"],
        "time_zone": "Africa/Dakar",
        "certificate_name": "Centre régional de formation au maintien de la paix",
    },
}

# Listed in README.md. Secrets are for a local demonstration only. Centre A unless "centre" says.
DEMO_USERS: list[dict[str, Any]] = [
    {
        "role": "platform_admin",
        "full_name": "Demo Platform Administrator",
        "email": "platform@example.org",
        "secret": "platform-demo-2026",
    },
    {
        "role": "admin",
        "full_name": "Demo Administrator",
        "email": "admin@example.org",
        "secret": "admin-demo-2026",
    },
    {
        "role": "trainer",
        "full_name": "Amina Trainer",
        "email": "trainer@example.org",
        "secret": "trainer-demo-2026",
        "rank": "Major",
        "course_author": True,  # the course studio, shown in the demo
    },
    {
        "role": "trainee",
        "full_name": "Sita Gurung",
        "service_number": "NP-40112",
        "secret": "402519",
        "rank": "Captain",
        "gender": "F",
        "nationality": "NPL",
        "unit": "NEPBATT 2 / Alpha Coy",
        "preferred_language": "en",
    },
    {
        "role": "trainee",
        "full_name": "Aminata Diop",
        "service_number": "SN-22001",
        "secret": "731846",
        "rank": "Adjudant",
        "gender": "F",
        "nationality": "SEN",
        "unit": "SENFPU 3",
        "preferred_language": "fr",
    },
    {
        "role": "trainee",
        "full_name": "张伟",
        "service_number": "CN-30001",
        "secret": "586204",
        "rank": "上尉",
        "gender": "M",
        "nationality": "CHN",
        "unit": "中国维和工兵分队",
        "preferred_language": "zh",
    },
    {
        "role": "trainee",
        "full_name": "محمد العلوي",
        "service_number": "MA-51001",
        "secret": "913572",
        "rank": "Capitaine",
        "gender": "M",
        "nationality": "MAR",
        "unit": "FAR-BAT 12",
        "preferred_language": "ar",
    },
    # This one must choose a new PIN at first sign-in, as every real trainee does.
    {
        "role": "trainee",
        "full_name": "Claudine Uwase",
        "service_number": "RW-60011",
        "secret": None,
        "initial_pin": "480257",
        "rank": "Private",
        "gender": "F",
        "nationality": "RWA",
        "unit": "RWABATT 3",
        "preferred_language": "en",
    },
    {
        "centre": "B",
        "role": "admin",
        "full_name": "Fatou Administratrice",
        "email": "admin-b@example.org",
        "secret": "admin-b-demo-2026",
        "preferred_language": "fr",
    },
    {
        "centre": "B",
        "role": "trainer",
        "full_name": "Ousmane Formateur",
        "email": "trainer-b@example.org",
        "secret": "trainer-b-demo-2026",
        "rank": "Commandant",
        "preferred_language": "fr",
    },
    {
        "centre": "B",
        "role": "trainee",
        "full_name": "Moussa Ndiaye",
        "service_number": "SN-31001",
        "secret": "604918",
        "rank": "Sergent",
        "gender": "M",
        "nationality": "SEN",
        "unit": "SENBAT 9",
        "preferred_language": "fr",
    },
    {
        "centre": "B",
        "role": "trainee",
        "full_name": "Awa Fall",
        "service_number": "SN-31002",
        "secret": "275036",
        "rank": "Lieutenant",
        "gender": "F",
        "nationality": "SEN",
        "unit": "SENFPU 4",
        "preferred_language": "fr",
    },
]

DEMO_COHORTS = {
    "A": {"name": "Demo battalion (rotation 2027)", "country": "NPL", "mission": "UNMISS"},
    "B": {"name": "Demo police unit (rotation 2027)", "country": "SEN", "mission": "MINUSCA"},
}
DEMO_TRAINERS = {"A": "trainer@example.org", "B": "trainer-b@example.org"}


def load_demo_centres() -> dict[str, Any]:
    """The two demo centres: A is the installation's first centre (given a country if it has
    none), B is created once."""

    first = db.session.scalars(select(Centre).order_by(Centre.id)).first()
    if first is None:
        first = save_centre(None, {"name": "National Peacekeeping Training Centre"}, None)
    first.country = first.country or DEMO_CENTRES["A"]["country"]
    first.time_zone = first.time_zone or DEMO_CENTRES["A"]["time_zone"]
    spec_b = DEMO_CENTRES["B"]
    second = db.session.scalars(select(Centre).where(Centre.name == spec_b["name"])).first()
    if second is None:
        second = save_centre(None, dict(spec_b), None)
    return {"A": first, "B": second}


def _existing(spec: dict[str, Any], centre: Any) -> Any:

    if spec.get("email"):
        return db.session.scalars(select(User).where(User.email == spec["email"])).first()
    return db.session.scalars(
        select(User).where(
            User.centre_id == centre.id,
            User.service_number == spec["service_number"],
            User.nationality == spec["nationality"],
        )
    ).first()


def load_demo_users(centres: dict[str, Any]) -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""

    created = 0
    for spec in DEMO_USERS:
        spec = dict(spec)
        centre = centres[spec.pop("centre", "A")]
        if _existing(spec, centre) is not None:
            continue
        initial_pin = spec.pop("initial_pin", None)
        author = spec.pop("course_author", False)
        user, _ = services.create_user(
            spec.pop("role"), spec.pop("full_name"), actor=None, centre=centre, **spec
        )
        user.is_course_author = author
        if initial_pin:
            user.credential_hash = hash_secret(initial_pin)
            user.is_credential_temporary = True
        created += 1
    return created


def _demo_trainees(centres: dict[str, Any], key: str) -> list[Any]:
    found = [
        _existing(spec, centres[key])
        for spec in DEMO_USERS
        if spec["role"] == "trainee" and spec.get("centre", "A") == key
    ]
    return [user for user in found if user is not None]


def enrol_demo_trainees(centres: dict[str, Any]) -> int:
    """Enrol every demo trainee in every loaded course; return how many enrolments were new."""
    new = 0
    for key in centres:
        for user in _demo_trainees(centres, key):
            for course in courses.all_courses():
                if courses.enrolment_for(user, course) is None:
                    courses.enrol(user, course, by=None)
                    new += 1
    return new


def load_demo_cohorts(centres: dict[str, Any]) -> int:
    """Each centre's demo cohort: its trainer, its trainees, every course; how many were new."""

    new = 0
    for key, spec in DEMO_COHORTS.items():
        centre = centres[key]
        exists = db.session.scalars(
            select(Cohort).where(Cohort.name == spec["name"], Cohort.centre_id == centre.id)
        ).first()
        if exists is not None:
            continue
        trainer = db.session.scalars(select(User).where(User.email == DEMO_TRAINERS[key])).first()
        cohort = Cohort(
            centre_id=centre.id,
            unit="Demo unit",
            deployment_date=utcnow().date() + timedelta(days=90),
            **spec,
        )
        cohort.trainers = [trainer] if trainer else []
        cohort.members = _demo_trainees(centres, key)
        cohort.courses = courses.all_courses()
        db.session.add(cohort)
        new += 1
    return new


@demo_cli.command("load")
def load() -> None:
    """Create the demo centres and accounts and enrol the trainees (existing data is kept)."""
    centres = load_demo_centres()
    created = load_demo_users(centres)
    db.session.flush()
    enrolled = enrol_demo_trainees(centres)
    cohorts = load_demo_cohorts(centres)
    db.session.commit()
    click.echo(f"Demo centres: {', '.join(c.name for c in centres.values())}.")
    click.echo(f"Demo accounts: {created} created, {len(DEMO_USERS) - created} already present.")
    click.echo(f"Demo enrolments: {enrolled} new.")
    click.echo(f"Demo cohorts: {cohorts} created.")
