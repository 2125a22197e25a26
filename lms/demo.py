"""`flask demo load`: demo accounts (and the bundled courses), safe to run again."""

from __future__ import annotations

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demonstration data.")

# Listed in README.md. Secrets are for a local demonstration only.
DEMO_USERS = [
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
]


def load_demo_users() -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""
    from accounts import services
    from accounts.passwords import hash_secret

    created = 0
    for spec in DEMO_USERS:
        spec = dict(spec)
        sign_in = spec.get("email") or spec.get("service_number")
        if services.find_by_sign_in_name(sign_in) is not None:
            continue
        initial_pin = spec.pop("initial_pin", None)
        user, _ = services.create_user(spec.pop("role"), spec.pop("full_name"), actor=None, **spec)
        if initial_pin:
            user.credential_hash = hash_secret(initial_pin)
            user.is_credential_temporary = True
        created += 1
    return created


def enrol_demo_trainees() -> int:
    """Enrol every demo trainee in every loaded course; return how many enrolments were new."""
    from accounts import services as accounts
    from courses import services as courses

    new = 0
    for spec in DEMO_USERS:
        if spec["role"] != "trainee":
            continue
        user = accounts.find_by_sign_in_name(spec["service_number"])
        for course in courses.all_courses():
            if user is not None and courses.enrolment_for(user, course) is None:
                courses.enrol(user, course, by=None)
                new += 1
    return new


DEMO_COHORT = "Demo battalion (rotation 2027)"


def load_demo_cohort() -> bool:
    """The demo trainer's cohort: the demo trainees and every course; False if it exists."""
    from datetime import timedelta

    from sqlalchemy import select

    from accounts import services as accounts
    from cohorts.models import Cohort
    from courses import services as courses
    from lms.db import db, utcnow

    if db.session.scalars(select(Cohort).where(Cohort.name == DEMO_COHORT)).first() is not None:
        return False
    trainer = accounts.find_by_sign_in_name("trainer@example.org")
    members = [
        accounts.find_by_sign_in_name(spec["service_number"])
        for spec in DEMO_USERS
        if spec["role"] == "trainee"
    ]
    cohort = Cohort(
        name=DEMO_COHORT,
        country="NPL",
        unit="Demo unit",
        mission="UNMISS",
        deployment_date=utcnow().date() + timedelta(days=90),
    )
    cohort.trainers = [trainer] if trainer else []
    cohort.members = [member for member in members if member is not None]
    cohort.courses = courses.all_courses()
    db.session.add(cohort)
    return True


@demo_cli.command("load")
def load() -> None:
    """Create the demo accounts and enrol the trainees (existing data is left as it is)."""
    from lms.db import db

    created = load_demo_users()
    db.session.flush()
    enrolled = enrol_demo_trainees()
    cohort = load_demo_cohort()
    db.session.commit()
    click.echo(f"Demo accounts: {created} created, {len(DEMO_USERS) - created} already present.")
    click.echo(f"Demo enrolments: {enrolled} new.")
    click.echo("Demo cohort: created." if cohort else "Demo cohort: already present.")
