"""Certificate speed: issue one (render, hash, store), issue 1,000 for a cohort, ZIP 1,000 stored.

Run by hand: `.venv/bin/python bench/certificates.py`; record the figures in docs/benchmarks.md.
Targets on the 2-core machine: one certificate <= 50 ms median; 1,000 in < 30 s; the ZIP < 2 s.
One certificate is issued as a single completion does (issue_certificate, then commit), the four
languages taking turns; the 1,000 as a cohort's form does (issue_certificates: rendered on CERTIFICATE_RENDER_PROCESSES workers, one
commit). `--sequential` also times the 1,000 one by one. CPU figures are this process's only (the
rendering workers are not its children); wall time is the target.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

sys.path.append(str(Path(__file__).resolve().parent))

from machine import cpu_check, machine_line  # noqa: E402

from app import create_app  # noqa: E402
from lms import migrate  # noqa: E402

ROSTER = Path(__file__).resolve().parent.parent / "tests" / "data" / "roster-sample.csv"
NAMES = (
    [row["full_name"] for row in csv.DictReader(ROSTER.open(encoding="utf-8"))]
    if ROSTER.exists()
    else ["Sita Gurung"]
)


def _trainees(count: int, language: str | None, start: int):  # type: ignore[no-untyped-def]
    from accounts.models import User
    from lms.db import db

    users = [
        User(
            centre_id=1,  # the centre the migrations create
            role="trainee",
            service_number=f"B-{start + i:06d}",
            full_name=NAMES[(start + i) % len(NAMES)],
            rank="Captain",
            nationality="NPL",
            credential_hash="!unusable",
            preferred_language=language or ("en", "fr", "zh", "ar")[(start + i) % 4],
        )
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    return users


def _issue_timed(users, course) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU milliseconds of each issuance, one by one."""
    from certificates.services import issue_certificate
    from lms.db import db

    times, cpu = [], []
    for user in users:
        started, started_cpu = time.perf_counter(), time.process_time()
        issue_certificate(user, course)
        db.session.commit()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    print(f"Certificate bench, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "PUBLIC_BASE_URL": "https://training.example.org",
            }
        )
        with app.app_context():
            from courses import services as courses
            from lms.db import db
            from lms.pdf import harfbuzz_subset_available
            from studio.sync import load_catalog

            load_catalog()
            db.session.commit()
            course = courses.get_course("sea-zero-tolerance")
            print(f"HarfBuzz subsetter available: {harfbuzz_subset_available()}")
            from certificates.services import issue_certificates

            _issue_timed(_trainees(5, "en", 0), course)  # warm-up
            # The four languages take turns, one certificate each: this VM's speed drifts within
            # a run, and in turns every language sees the same drift.
            languages = ("en", "fr", "ar", "zh")
            groups = [
                _trainees(50, language, 100 * (n + 1)) for n, language in enumerate(languages)
            ]
            times: dict[str, list[float]] = {language: [] for language in languages}
            cpu: dict[str, list[float]] = {language: [] for language in languages}
            for turn in zip(*groups, strict=True):
                for language, user in zip(languages, turn, strict=True):
                    wall, used = _issue_timed([user], course)
                    times[language] += wall
                    cpu[language] += used
            print(f"{'one certificate (ms)':34} {'median':>8} {'p95':>8} {'CPU med':>8}  (n)")
            for language in languages:
                print(
                    f"  language {language:24} {statistics.median(times[language]):8.1f} "
                    f"{_percentile(times[language], 0.95):8.1f} "
                    f"{statistics.median(cpu[language]):8.1f}  ({len(times[language])})"
                )
            print(f"CPU check after the single certificates: {cpu_check():.0f} ms")
            processes = app.config["CERTIFICATE_RENDER_PROCESSES"]
            cohort = _trainees(1000, None, 10_000)
            started, started_cpu = time.perf_counter(), time.process_time()
            issued = issue_certificates([(user, course) for user in cohort])
            db.session.commit()
            bulk = time.perf_counter() - started
            print(
                f"1,000 certificates for a cohort (names in 8 scripts, en/fr/zh/ar), together on "
                f"{processes} processes: {bulk:.1f} s (target < 30 s; {len(issued)} issued, "
                f"{time.process_time() - started_cpu:.1f} s CPU in this process)"
            )
            if "--sequential" in sys.argv:
                started = time.perf_counter()
                _issue_timed(_trainees(1000, None, 20_000), course)
                print(f"1,000 certificates one by one: {time.perf_counter() - started:.1f} s")
            from sqlalchemy import select

            from certificates.models import Certificate
            from certificates.services import stream_zip

            ids = list(
                db.session.scalars(
                    select(Certificate.id).where(Certificate.trainee_id.in_([u.id for u in cohort]))
                )
            )
            started = time.perf_counter()
            size = sum(len(chunk) for chunk in stream_zip(ids))
            elapsed = time.perf_counter() - started
            print(
                f"ZIP of {len(ids)} stored certificates: {elapsed:.2f} s, {size / 1e6:.1f} MB (target < 2 s)"
            )


if __name__ == "__main__":
    main()
