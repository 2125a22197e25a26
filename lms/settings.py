"""Settings from environment variables, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

LANGUAGES = ("en", "fr", "zh", "ar", "es", "ru")  # the six official languages of the UN
RTL_LANGUAGES = frozenset({"ar"})


def _instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in the instance folder, creating it once."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers may narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Plain os.environ reads and this helper: environs/pydantic-settings add a dependency, not clarity.
def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def apply_defaults(app: Flask, values: Mapping[str, Any]) -> None:
    """Give the app these settings where its configuration leaves them unset (a domain's own
    keys, from its settings.py): what the app or a host configured wins."""
    for key, value in values.items():
        if app.config.get(key) is None:
            app.config[key] = value


def load_settings(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration: environment first, then embedded defaults, then overrides."""
    instance = Path(instance_path)
    overrides = dict(overrides or {})
    env = os.environ
    settings: dict[str, Any] = {
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{instance / 'lms.sqlite3'}"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Storage errors raised as limits' StorageError (a 503 page, lms/errors.py); a Redis that
        # does not answer fails within seconds instead of holding the request.
        "RATELIMIT_STORAGE_OPTIONS": {
            "wrap_exceptions": True,
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
        },
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "SIGN_IN_LIMIT_PER_ACCOUNT": env.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 10 minutes"),
        "SIGN_IN_LIMIT_PER_ADDRESS": env.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 10 minutes"),
        # Level of the app's log lines on standard error (lms/logs.py): DEBUG, INFO, WARNING...
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_NAME": "lms_session",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # Open quiz attempts whose questions each worker process keeps in memory (about 25 KB
        # each): at least as many as trainees in a quiz at once (assessments.quiz.SheetCache).
        "QUIZ_SHEETS_CACHED": int(env.get("QUIZ_SHEETS_CACHED", "3000")),
        # Tokens live as long as the session, so a page revalidated with 304 keeps a valid form.
        "WTF_CSRF_TIME_LIMIT": None,
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "application/json",
            "image/svg+xml",
            "text/csv",
        ],
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": LANGUAGES,
        "PASSWORD_HASHING": env.get("PASSWORD_HASHING", "default"),
        # The base of every address that leaves the app (certificate QR codes, badges, LTI, xAPI,
        # login slips); required in production (lms.urls.require_public_base_url).
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", ""),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute"),
        # Outbox (xAPI statements, LTI scores): back-off between tries, doubling from the base.
        "OUTBOX_RETRY_BASE_SECONDS": float(env.get("OUTBOX_RETRY_BASE_SECONDS", "30")),
        "OUTBOX_RETRY_MAX_SECONDS": float(env.get("OUTBOX_RETRY_MAX_SECONDS", "3600")),
        # Hand each committed message to the task queue (off: only `flask outbox deliver` and
        # the periodic sweep send them).
        "OUTBOX_QUEUE_DELIVERY": _env_bool("OUTBOX_QUEUE_DELIVERY", True),
        # The task queue (lms/tasks.py): unset is SQLite in instance/tasks.sqlite3; redis://...
        "TASK_QUEUE_URL": env.get("TASK_QUEUE_URL", ""),
        "TASK_QUEUE_IMMEDIATE": _env_bool("TASK_QUEUE_IMMEDIATE", False),
        # Workers of `flask tasks worker` (one per core by default), threads or processes.
        "TASK_QUEUE_WORKERS": int(env.get("TASK_QUEUE_WORKERS", "0") or "0") or _usable_cpus(),
        "TASK_QUEUE_WORKER_TYPE": env.get("TASK_QUEUE_WORKER_TYPE", "process"),
        # A running job marks itself alive this often; one silent for JOB_STALE_SECONDS (its
        # worker died) is queued again by the periodic rescue (lms/jobs.py).
        "JOB_HEARTBEAT_SECONDS": float(env.get("JOB_HEARTBEAT_SECONDS", "10")),
        "JOB_STALE_SECONDS": float(env.get("JOB_STALE_SECONDS", "60")),
        # Where result files are kept (unset: instance/job-results/); web and workers must share it.
        "JOB_RESULTS_FOLDER": env.get("JOB_RESULTS_FOLDER", ""),
        # A cohort larger than this gets its readiness report and exports as a job (the request
        # answers at once); a roster with more rows than this is checked as a job.
        "JOB_THRESHOLD_TRAINEES": int(env.get("JOB_THRESHOLD_TRAINEES", "200")),
        "JOB_THRESHOLD_ROSTER_ROWS": int(env.get("JOB_THRESHOLD_ROSTER_ROWS", "500")),
        "TRAINING_CENTRE_NAME": env.get(
            "TRAINING_CENTRE_NAME", "National Peacekeeping Training Centre"
        ),
        # Worker processes that render a cohort's certificates (certificates.services.
        # issue_certificates); 1 renders them one after another in the request's process.
        # A centre's own learning-outcome frameworks (*.yaml, docs/course-format.md), added to the
        # bundled ones in courses/frameworks/.
        "OUTCOME_FRAMEWORKS_FOLDER": env.get(
            "OUTCOME_FRAMEWORKS_FOLDER", str(instance / "frameworks")
        ),
        "CERTIFICATE_RENDER_PROCESSES": int(env.get("CERTIFICATE_RENDER_PROCESSES", "0") or "0")
        or _usable_cpus(),
    }

    settings.update(overrides)
    if "SECRET_KEY" not in overrides:
        settings["SECRET_KEY"] = env.get("SECRET_KEY") or _instance_secret_key(instance)
    return settings
