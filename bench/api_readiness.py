"""Read API at scale: a 5,000-trainee cohort read page by page, and its summary.

Run by hand on SQLite:      .venv/bin/python bench/api_readiness.py
and on PostgreSQL:          scripts/with-postgres.sh .venv/bin/python bench/api_readiness.py
Seeds the same cohort as bench/dashboard.py. Prints figures; nothing is asserted.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from bench.dashboard import TRAINEES, _seed  # noqa: E402
from lms import migrate  # noqa: E402


def _get(client, url: str, token: str):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = client.get(
        url, headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return response, elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # the app refuses to start without one
            }
        )
        with app.app_context():
            from api.tokens import create_token
            from lms.db import db
            from studio.sync import load_catalog

            load_catalog()
            db.session.commit()
            cohort_id = _seed(db, random.Random(7))
            if database == "PostgreSQL":
                from sqlalchemy import text

                db.session.execute(text("ANALYZE"))
            _token, secret = create_token(
                "bench",
                all_cohorts=True,
                cohort_ids=[],
                expires_at=None,
                actor=None,
                centre_id=1,  # the centre the migrations create
            )
            db.session.commit()
        client = app.test_client()
        base = f"/api/v1/cohorts/{cohort_id}"
        _get(client, f"{base}/summary", secret)  # warm-up
        print(f"\n{database}, {TRAINEES} trainees x 3 courses (in-process)")
        times = [_get(client, f"{base}/summary", secret)[1] for _ in range(3)]
        print(f"  summary (median of 3)                         {statistics.median(times):8.0f} ms")
        for limit in (200, 1000):
            cursor, pages, total, sizes = None, [], 0, []
            while True:
                query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
                response, elapsed = _get(client, f"{base}/readiness{query}", secret)
                body = response.json
                pages.append(elapsed)
                sizes.append(len(response.data))
                total += len(body["trainees"])
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            print(
                f"  readiness, limit={limit:<5} {len(pages):3} pages, {total} trainees: "
                f"median {statistics.median(pages):5.0f} ms/page, all {sum(pages) / 1000:5.1f} s, "
                f"{statistics.median(sizes) / 1024:5.0f} KiB/page"
            )


if __name__ == "__main__":
    main()
