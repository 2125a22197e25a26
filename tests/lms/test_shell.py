"""The application shell: health check, error pages, migrations, settings."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from lms.db import Base


def test_healthz_checks_the_database_and_the_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_migrations_produce_exactly_the_models_schema(connection):
    differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_404_page_is_in_the_users_language(client):
    response = client.get("/nowhere", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert '<html lang="fr"' in response.get_data(as_text=True)
    assert "Page introuvable" in response.get_data(as_text=True)


def test_500_page_is_plain_and_logged(app, client, caplog):
    from lms.access import public

    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "core.broken", public(broken))
    response = client.get("/broken")
    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)
    assert "Something went wrong" in response.get_data(as_text=True)
    assert any("unhandled error" in record.message for record in caplog.records)


def test_a_failed_request_writes_nothing(app, client, db_session):
    from sqlalchemy import func, select

    from accounts.models import User
    from lms.access import public
    from lms.db import db

    def half_done() -> tuple[str, int]:
        db.session.add(
            User(
                role="trainee",
                service_number="HALF-1",
                full_name="Half",
                credential_hash="x",
                centre_id=1,
            )
        )
        db.session.flush()
        return "refused", 400

    app.add_url_rule("/half", "core.half", public(half_done))
    assert client.get("/half").status_code == 400
    assert db_session.scalar(select(func.count()).where(User.service_number == "HALF-1")) == 0


def test_secret_key_is_generated_once_in_the_instance_folder(tmp_path, monkeypatch):
    from lms.settings import load_settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_settings(str(tmp_path))["SECRET_KEY"]
    second = load_settings(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    from lms.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/lms")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://localhost:6379/0")
    monkeypatch.setenv("JOB_RESULTS_FOLDER", "/srv/lms/results")
    monkeypatch.setenv("JOB_THRESHOLD_TRAINEES", "300")
    settings = load_settings(str(tmp_path))
    assert settings["JOB_RESULTS_FOLDER"] == "/srv/lms/results"
    assert settings["JOB_THRESHOLD_TRAINEES"] == 300
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@db/lms"
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://localhost:6379/0"
    assert not (tmp_path / "secret_key").exists()


def test_demo_load_is_idempotent_and_keeps_changes(app, db_session):
    from sqlalchemy import select

    from accounts.models import Centre, User
    from cohorts.models import Cohort

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert "12 created" in first.output and "Demo cohorts: 2 created" in first.output, first.output
    trainee = db_session.scalars(select(User).where(User.service_number == "NP-40112")).one()
    trainee.full_name = "Renamed"
    db_session.commit()
    again = runner.invoke(args=["demo", "load"]).output
    assert "0 created, 12 already present" in again and "Demo cohorts: 0 created" in again
    db_session.expire_all()
    assert db_session.get(User, trainee.id).full_name == "Renamed"
    languages = set(
        db_session.scalars(select(User.preferred_language).where(User.role == "trainee"))
    )
    assert {"en", "fr", "zh", "ar"} <= languages
    # Two centres, each with its own staff, trainees and cohort.
    centres = db_session.scalars(select(Centre).order_by(Centre.id)).all()
    assert len(centres) == 2
    for centre in centres:
        roles = set(db_session.scalars(select(User.role).where(User.centre_id == centre.id)))
        assert {"admin", "trainer", "trainee"} <= roles, centre.name
        cohort = db_session.scalars(select(Cohort).where(Cohort.centre_id == centre.id)).one()
        assert {m.centre_id for m in cohort.members} == {centre.id}
