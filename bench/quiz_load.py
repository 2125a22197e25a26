"""The quiz under load: N simulated trainees take the quiz at once against gunicorn + PostgreSQL.

Run by hand (as root, PostgreSQL 15 and `make bench-deps` installed):
`.venv/bin/python bench/quiz_load.py [--users 200] [--duration-limit 300]`; record the printed
table in docs/benchmarks.md. Everything it starts (PostgreSQL, four gunicorn servers, locust)
listens on or targets 127.0.0.1 only, and is stopped and deleted at the end, even on Ctrl+C.

Phases: the quiz run (each simulated trainee takes a whole quiz; latency per request kind, then the
database is checked against the saves the clients saw succeed), then four 20 s windows of no-wait
GETs: the bare Flask + Jinja app rendering the LMS's question template from the same data (the
ratio target's baseline, checked identical to the LMS's page first), the same app also making the
page's two database reads with plain psycopg (for comparison: what a page that needs the database
as the LMS's does can reach), the bare app serving the captured page (for comparison), and the
LMS's question page. See bench/bare_quiz_app.py.

`--paced` replaces the quiz run by the capacity run at a realistic pace: trainees who sign in,
start the quiz, answer one question every 15-30 s (uniform), then submit and read the result in
the same response (--client form: no JavaScript, one POST an answer that answers with the next
question; --client js: static/js/quiz.js, the sheet once and each answer as JSON) (a new
trainee then takes the seat, so the number in a quiz stays constant); their number is raised in
steps (--steps, default 500,750,1000,1500,2000,3000,4000,5000), each measured for --step-seconds
after its ramp (--ramp-rate new trainees a second) and --settle seconds; after each step the database is checked against the saves the clients
saw succeed, and the run stops at the first step where a request kind's p99 reaches 250 ms, a
request fails or an answer is lost. The load comes from --locust-processes locust processes (2 by
default, so that the load generator is not the bottleneck; their CPU is printed). The server,
PostgreSQL and locust share the machine's cores. Then the baselines as above; the ratio target is
the LMS's question page against the bare page making the same two reads (--ratio-rounds windows of
each, alternated).
"""

from __future__ import annotations

import argparse
import atexit
import http.cookiejar
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))  # after the project: bench/certificates.py is not the package

from machine import machine_busy, machine_line  # noqa: E402

PG_PORT = 55433
COURSE = "sea-zero-tolerance"
PIN = "482913"  # must match bench/quiz_locust.py
CAPTURE_USER = "LOAD-PAGE"
SECRET_KEY = "quiz-load-bench-not-a-secret"
KINDS = (
    "sign-in form",
    "sign-in",
    "quiz page",
    "start",
    "question page",
    "save answer",
    "submit",
    "result",
)
# Longer than the longest think time (3 s): with gunicorn's default of 2 s, a request sent just as
# gunicorn closes the idle connection fails (a browser would retry it; in production nginx sits in
# front and opens its own connections to gunicorn).
KEEP_ALIVE = 5
P99_TARGET_MS = 250.0
# The question page's throughput against the bare page that makes the same two database reads
# (issue 20; the old target, 35% of the bare render without the reads, is retired).
RATIO_TARGET = 0.85
CAPACITY_TARGET = 5000
PACED_KINDS = (
    "sign-in form",
    "sign-in",
    "quiz page",
    "start",
    "question page",
    "sheet",
    "save answer",
    "review",
    "submit",
)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def service_number(number: int) -> str:
    """The service number of simulated trainee `number` (LOAD-0001, ...)."""
    return f"LOAD-{number:04d}"


class Cleanup:
    """Things to undo, last first; runs once, from `finally`, atexit or a signal."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, Callable[[], None]]] = []
        atexit.register(self.run)

    def add(self, label: str, action: Callable[[], None]) -> None:
        """Remember an action to run at the end."""
        self.actions.append((label, action))

    def run(self) -> None:
        """Run every action, newest first, reporting (not raising) failures."""
        while self.actions:
            label, action = self.actions.pop()
            try:
                action()
            except Exception as error:  # noqa: BLE001 - cleanup goes on whatever happens
                print(f"cleanup: {label} failed: {error}", file=sys.stderr)


def _raise_exit(signum: int, _frame: Any) -> None:
    """Signal handler: exit through `finally`, so that everything is cleaned up."""
    raise SystemExit(128 + signum)


def stop_process(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM a process we started, then SIGKILL it if it is still there after `grace` s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_bin() -> Path:
    """The bin directory of the newest installed PostgreSQL."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    return versions[-1]


def _as_postgres(command: list[str]) -> list[str]:
    """The command run as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg(command: list[str]) -> None:
    """Run a PostgreSQL tool (bounded in time), failing on error."""
    subprocess.run(
        _as_postgres(command),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
        start_new_session=True,
    )


def start_postgres(cleanup: Cleanup) -> tuple[str, int, str]:
    """A throwaway server on 127.0.0.1:55433 (fsync off); return (URL, postmaster pid, version)."""
    if port_in_use(PG_PORT):
        raise SystemExit(f"port {PG_PORT} is in use: is an earlier run still going?")
    pg_bin = _pg_bin()
    workdir = Path(tempfile.mkdtemp(prefix="lms-quiz-load-pg."))
    cleanup.add(
        "delete the PostgreSQL directory", lambda: shutil.rmtree(workdir, ignore_errors=True)
    )
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    data = workdir / "data"
    _pg(
        [
            str(pg_bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    options = (
        f"-p {PG_PORT} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    cleanup.add(
        "stop PostgreSQL",
        lambda: _pg([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
    )
    _pg(
        [
            str(pg_bin / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(workdir / "server.log"),
            "-w",
            "start",
            "-o",
            options,
        ]
    )
    _pg(
        [
            str(pg_bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PG_PORT),
            "-U",
            "postgres",
            "lms_bench",
        ]
    )
    pid = int((data / "postmaster.pid").read_text().split()[0])
    banner = subprocess.run(
        [str(pg_bin / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    version = re.search(r"\d+\.\d+", banner).group(0)  # type: ignore[union-attr]
    return f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/lms_bench", pid, version


# --- Schema and data -----------------------------------------------------------------------------


def make_app(url: str) -> Any:
    """The LMS app on the throwaway database (production password hashing)."""
    from app import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASHING": "default",
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # the app refuses to start without one
        }
    )


def seed(url: str, users: int) -> None:
    """Schema, bundled courses, and the trainees enrolled with every lesson complete (bulk: a few
    seconds for 20,000)."""
    from lms import migrate
    from lms.db import db

    migrate.upgrade(url)
    with make_app(url).app_context():
        from studio.sync import load_catalog

        load_catalog()
        db.session.commit()
        numbers = [service_number(n) for n in range(1, users + 1)] + [CAPTURE_USER]
        ids = _insert_trainees(numbers)
        _insert_progress(ids)
        db.session.commit()


def _insert_trainees(numbers: list[str]) -> list[int]:
    """Insert the trainees in one statement, all with one PIN hash; return their ids."""
    from sqlalchemy import insert, select

    from accounts.models import User
    from accounts.passwords import hash_secret
    from lms.db import db, utcnow

    pin_hash = hash_secret(PIN)  # once: Argon2id is deliberately slow
    now = utcnow()
    rows = [
        {
            "role": "trainee",
            "centre_id": 1,  # the centre the migrations create
            "service_number": number,
            "full_name": f"Load trainee {number}",
            "preferred_language": "en",
            "credential_hash": pin_hash,
            "is_credential_temporary": False,
            "is_enabled": True,
            "session_version": 1,
            "created_at": now,
            "credential_changed_at": now,
        }
        for number in numbers
    ]
    db.session.execute(insert(User), rows)
    return list(db.session.scalars(select(User.id).where(User.service_number.like("LOAD-%"))))


def _insert_progress(user_ids: list[int]) -> None:
    """Enrol the trainees and complete every current lesson for them, in two statements."""
    from sqlalchemy import insert

    from courses import services as courses
    from courses.models import Enrolment, LessonProgress
    from lms.db import db, utcnow

    course = courses.get_course(COURSE)
    if course is None:
        raise SystemExit(f"course {COURSE} was not loaded")
    now = utcnow()
    db.session.execute(
        insert(Enrolment),
        [{"user_id": uid, "course_id": course.id, "enrolled_at": now} for uid in user_ids],
    )
    db.session.execute(
        insert(LessonProgress),
        [
            {
                "user_id": uid,
                "lesson_id": lesson.id,
                "content_hash": lesson.content_hash,
                "course_version": course.version,
                "language": "en",
                "completed_at": now,
            }
            for uid in user_ids
            for lesson in course.current_lessons
        ],
    )


# --- Servers -------------------------------------------------------------------------------------


def start_gunicorn(
    spec: str,
    chdir: Path,
    port: int,
    env: dict[str, str],
    args: argparse.Namespace,
    log: Path,
    cleanup: Cleanup,
) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1:port with the bench's workers and threads; stopped at the end."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
        "--keep-alive",
        str(KEEP_ALIVE),
        "--error-logfile",
        str(log),
        spec,
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cleanup.add(f"stop gunicorn {spec}", lambda: stop_process(process))
    wait_ready(f"http://127.0.0.1:{port}/healthz", process, log)
    return process


def wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    """Poll a health URL until it answers 200 (bounded), or fail with the server's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise SystemExit(f"server at {url} did not start:\n{tail}")


# --- The captured page and the bare app's template ----------------------------------------------


class Browser:
    """A tiny cookie-keeping HTTP client for the capture (urllib follows redirects)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        """GET a page, following redirects; the body as text."""
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, data: dict[str, str]) -> str:
        """POST a form, following the redirect; the final body as text."""
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=30) as response:
            return response.read().decode("utf-8")


def _token(page: str) -> str:
    """The CSRF token of a form on a page."""
    match = CSRF_RE.search(page)
    if not match:
        raise SystemExit("no CSRF token on a captured page")
    return match.group(1)


def capture_question_page(base: str) -> tuple[str, str, int]:
    """Sign in as the capture trainee, start an attempt; return (HTML, CSRF token, attempt id)."""
    browser = Browser(base)
    form = browser.get("/sign-in")
    browser.post(
        "/sign-in", {"csrf_token": _token(form), "identifier": CAPTURE_USER, "secret": PIN}
    )
    quiz = browser.get(f"/assessments/{COURSE}/quiz")
    page = browser.post(f"/assessments/{COURSE}/quiz/start", {"csrf_token": _token(quiz)})
    match = re.search(r'/assessments/attempts/(\d+)/questions/1"', page)
    if not re.search(r"Question 1 of \d+<", page) or not match:
        saved = Path(tempfile.gettempdir()) / "quiz-load-captured.html"
        saved.write_text(page, encoding="utf-8")
        raise SystemExit(f"the captured page is not the first question of an attempt: {saved}")
    page = browser.get(f"/assessments/attempts/{match.group(1)}/questions/1")  # at its address
    return page, _token(page), int(match.group(1))


def questions_of(page: str) -> int:
    """The number of questions of the attempt whose question page this is."""
    return int(re.search(r"Question \d+ of (\d+)<", page).group(1))  # type: ignore[union-attr]


def to_template(html: str, token: str, attempt_id: int) -> str:
    """The captured page as a Jinja template: token, attempt, position and time as variables."""
    if any(mark in html for mark in ("{{", "{%", "{#")):
        raise SystemExit("the captured page contains Jinja syntax; cannot template it safely")
    template = html.replace(token, "{{ csrf_token }}")
    template = template.replace(
        f"/assessments/attempts/{attempt_id}/", "/assessments/attempts/{{ attempt_id }}/"
    )
    template = re.sub(r"Question 1 of \d+", "Question {{ position }} of {{ total }}", template)
    template = re.sub(
        r'data-seconds-left="\d+"', 'data-seconds-left="{{ minutes_left * 60 }}"', template
    )
    return re.sub(r"Time left: \d+ min", "Time left: {{ minutes_left }} min", template)


def capture_question_context(url: str, attempt_id: int) -> dict[str, Any]:
    """What the LMS renders the capture trainee's question pages from (the rendered baseline)."""
    from sqlalchemy import select

    from accounts.models import User
    from lms.db import db

    app = make_app(url)
    with app.app_context():
        user_id = db.session.scalars(
            select(User.id).where(User.service_number == CAPTURE_USER)
        ).one()
    return question_context(app, user_id, attempt_id)


def question_context(app: Any, user_id: int, attempt_id: int) -> dict[str, Any]:
    """The data, templates, catalogue and URL rules the LMS renders this attempt's pages from."""
    from accounts.models import User
    from assessments import quiz
    from lms.assets import Digests
    from lms.db import db
    from lms.i18n import HTML_LANG, LANGUAGE_NAMES, is_rtl

    with app.test_request_context():
        user = db.session.get(User, user_id)
        opened = quiz.open_sheet(user, attempt_id) if user is not None else None
        if opened is None:
            raise SystemExit(f"attempt {attempt_id} is not user {user_id}'s")
        language = user.preferred_language
        return {
            "templates": str(ROOT / "templates"),  # the core blueprint's template folder
            "translations": app.config["BABEL_TRANSLATION_DIRECTORIES"],
            "language": language,
            "lang": language,
            "html_lang": HTML_LANG.get(language, language),
            "text_dir": "rtl" if is_rtl(language) else "ltr",
            "language_names": LANGUAGE_NAMES,
            "languages": list(app.config["LANGUAGES"]),
            "role": user.role,
            "deadline_at": opened.sheet.deadline_at.isoformat(),
            "started_at": opened.sheet.started_at.isoformat(),
            # The hashed names url_for gives the LMS's static files (lms/assets.py).
            "static_names": {
                name: Digests(ROOT / "static").hashed(name)
                for name in ("css/app.css", "js/quiz.js")
            },
            "items": [
                {
                    "id": item.id,
                    "position": item.position,
                    "kind": item.kind,
                    "standard_code": item.standard_code,
                    "served": dict(item.served),
                }
                for item in opened.sheet.items
            ],
            "answers": {str(item_id): keys for item_id, keys in opened.answers.items()},
            "rules": [(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()],
            "reads": page_reads(db.engine(app).dialect, user_id, attempt_id),
        }


def page_reads(dialect: Any, user_id: int, attempt_id: int) -> dict[str, Any]:
    """The SQL of the LMS's question-page reads (the signed-in user with their session, the
    attempt's state and answers) as its statements compile on this database, for the bare `reads`
    app; the user's latest open session stands for the browser's."""
    from sqlalchemy import select

    from accounts.login import IDLE_LIMIT, USER_OF_SESSION
    from accounts.models import UserSession
    from assessments.quiz import OPEN_SHEET
    from lms.db import db, utcnow

    session_id = db.session.scalars(
        select(UserSession.id)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc())
    ).first()
    return {
        "user_sql": str(USER_OF_SESSION.compile(dialect=dialect)),
        "user_params": {
            "user_id": user_id,
            "session_id": session_id,
            "idle_since": (utcnow() - IDLE_LIMIT).isoformat(),
        },
        "sheet_sql": str(OPEN_SHEET.compile(dialect=dialect)),
        "attempt_id": attempt_id,
    }


def same_page(lms_page: str, bare_page: str) -> bool:
    """Whether two question pages are the same apart from their CSRF tokens and minutes left."""

    def normalised(html: str) -> str:
        html = html.replace(_token(html), "TOKEN")
        html = re.sub(r'data-seconds-left="\d+"', 'data-seconds-left="N"', html)
        return re.sub(r"Time left: \d+ min", "Time left: N min", html)

    return normalised(lms_page) == normalised(bare_page)


def check_rendered_baseline(
    context: dict[str, Any], page: str, attempt_id: int, work: Path, dsn: str
) -> None:
    """Stop unless the rendered and reads baselines give the LMS's page (apart from token and
    minutes)."""
    import psycopg
    from bare_quiz_app import create_reads_app, create_rendered_app

    for mode, bare in (
        ("rendered", create_rendered_app(context)),
        ("reads", create_reads_app(context, lambda: psycopg.connect(dsn))),
    ):
        path = f"/assessments/attempts/{attempt_id}/questions/1"
        rendered = bare.test_client().get(path).get_data(as_text=True)
        if not same_page(page, rendered):
            (work / "lms-page.html").write_text(page, encoding="utf-8")
            (work / f"{mode}-page.html").write_text(rendered, encoding="utf-8")
            raise SystemExit(
                f"the {mode} baseline differs from the LMS's page; compare {work}/lms-page.html "
                f"and {work}/{mode}-page.html"
            )


# --- Load ---------------------------------------------------------------------------------------


def run_locust(
    phase: str,
    host: str,
    out: Path,
    args: argparse.Namespace,
    pids: tuple[int, int],
    log: Path,
    timeout: float,
) -> dict[str, Any]:
    """Run one phase of bench/quiz_locust.py in its own process; return what it measured."""
    command = locust_command(phase, host, out, args, pids)
    with log.open("ab") as stderr:
        process = subprocess.Popen(command, stdout=stderr, stderr=stderr, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"locust phase {phase} did not end within {timeout:.0f} s") from None
        finally:
            stop_process(process, grace=5)
    if process.returncode != 0 or not out.exists():
        raise SystemExit(f"locust phase {phase} failed:\n{log.read_text(errors='replace')[-3000:]}")
    show_log_problems(log)
    return json.loads(out.read_text())


def locust_command(
    phase: str, host: str, out: Path, args: argparse.Namespace, pids: tuple[int, int]
) -> list[str]:
    """The command line of one bench/quiz_locust.py process."""
    return [
        sys.executable,
        str(BENCH / "quiz_locust.py"),
        phase,
        "--host",
        host,
        "--users",
        str(args.users),
        "--out",
        str(out),
        "--spawn-rate",
        str(args.spawn_rate),
        "--time-limit",
        str(args.duration_limit),
        "--seconds",
        str(args.baseline_seconds),
        "--app-pid",
        str(pids[0]),
        "--db-pid",
        str(pids[1]),
        "--connection",
        args.connection,
        "--questions",
        str(args.questions),
        "--client",
        args.client,
    ]


def show_log_problems(log: Path) -> None:
    """Print (then clear) locust's log when it holds a traceback or an error."""
    text = log.read_text(errors="replace") if log.exists() else ""
    if "Traceback" in text or "Error" in text:
        print(f"locust log (last lines):\n{text[-2500:]}", flush=True)
    log.write_text("")


# --- Figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def verdict(met: bool) -> str:
    """MET or MISSED."""
    return "MET" if met else "MISSED"


def latency_rows(measured: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """One line per request kind: count, errors, p50/p95/p99 and the p99 verdict."""
    lines = [
        f"{'request kind':<16}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"   p99 < {P99_TARGET_MS:.0f} ms"
    ]
    for kind in kinds:
        values = measured["latencies"].get(kind, [])
        errors = "-" if measured["failures"] is None else measured["failures"].get(kind, 0)
        if not values:
            lines.append(f"{kind:<16}{0:>9}{errors:>8}{'-':>9}{'-':>9}{'-':>9}   (no requests)")
            continue
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        lines.append(
            f"{kind:<16}{len(values):>9}{errors:>8}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}"
            f"   {verdict(p99 < P99_TARGET_MS)}"
        )
    return lines


def after_sign_ins(measured: dict[str, Any]) -> dict[str, Any]:
    """The same figures, keeping only requests that started after the last sign-in had ended."""
    pairs = zip(measured["starts"]["sign-in"], measured["latencies"]["sign-in"], strict=True)
    last = max((start + ms / 1000 for start, ms in pairs), default=0.0)
    latencies = {
        kind: [
            ms for start, ms in zip(measured["starts"][kind], values, strict=True) if start > last
        ]
        for kind, values in measured["latencies"].items()
    }
    return {**measured, "latencies": latencies, "failures": None}  # failures are not timed


def worst_p99(measured: dict[str, Any]) -> tuple[str, float]:
    """The request kind with the highest p99, and that p99 (inf when a kind has no requests)."""
    p99s = {
        kind: percentile(v, 99) if (v := measured["latencies"].get(kind)) else math.inf
        for kind in KINDS
    }
    kind = max(p99s, key=lambda k: p99s[k])
    return kind, p99s[kind]


def unattributed_share(measured: dict[str, Any]) -> float:
    """Share of the machine's busy time not charged to any process seen at the start and end of a
    phase: about 15-20% on an idle machine (per-task and per-CPU accounting differ), more when
    short-lived processes of someone else ran in between."""
    cpu = measured["cpu"]
    seen = cpu["app"] + cpu["db"] + cpu["client"] + cpu["irq"] + cpu["other"]
    return max(0.0, cpu["machine"] - seen) / cpu["machine"] if cpu["machine"] else 0.0


def cpu_line(measured: dict[str, Any], seconds: float) -> str:
    """CPU seconds used by app, PostgreSQL, locust, interrupts and others during a phase."""
    cpu = measured["cpu"]
    busy = cpu["machine"] / cpu["all"] if cpu["all"] else 0.0
    steal = cpu["steal"] / cpu["all"] if cpu["all"] else 0.0
    shares = measured.get("cpu_per_app_process", [])
    per_process = f"(by process: {', '.join(f'{share:.1f}' for share in shares)})"
    return (
        f"CPU: app (gunicorn) {cpu['app']:.1f} s {per_process}, PostgreSQL {cpu['db']:.1f} s, "
        f"locust {cpu['client']:.1f} s, kernel interrupts {cpu['irq']:.1f} s, "
        f"other processes {cpu['other']:.1f} s in {seconds:.0f} s; machine ({os.cpu_count()} cores) "
        f"{busy:.0%} busy ({unattributed_share(measured):.0%} of it unattributed), {steal:.0%} steal"
    )


def throughput(measured: dict[str, Any], kind: str) -> float:
    """Requests per second of one kind in a fixed-time window."""
    return len(measured["latencies"].get(kind, [])) / measured["window"]


def interference(phases: dict[str, dict[str, Any]]) -> list[str]:
    """A warning for each phase during which other processes used the CPU noticeably."""
    warnings = []
    for name, measured in phases.items():
        cpu = measured["cpu"]
        other = cpu["other"] / cpu["all"] if cpu["all"] else 0.0
        unattributed = unattributed_share(measured)
        if other > 0.05 or unattributed > 0.3:
            warnings.append(
                f"warning: during the {name} other processes used {other:.0%} of the CPU and "
                f"{unattributed:.0%} of the busy time was unattributed; the figures are lower "
                "than on an idle machine"
            )
    return warnings


# --- Database check -----------------------------------------------------------------------------


def db_check(url: str, users: int, saves: dict[str, int]) -> dict[str, int]:
    """Compare answers in the database with the saves each trainee saw succeed; find open attempts."""
    from sqlalchemy import create_engine, text

    numbers = [service_number(n) for n in range(1, users + 1)]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    text(
                        "SELECT u.service_number, count(r.id) FROM users u "
                        "JOIN quiz_attempts a ON a.user_id = u.id JOIN attempt_items i ON i.attempt_id = a.id "
                        "JOIN answer_records r ON r.item_id = i.id "
                        "WHERE u.service_number = ANY(:numbers) GROUP BY u.service_number"
                    ),
                    {"numbers": numbers},
                ).all()
            )
            attempts, without = connection.execute(
                text(
                    "SELECT count(a.id), count(a.id) FILTER (WHERE r.id IS NULL) FROM quiz_attempts a "
                    "JOIN users u ON u.id = a.user_id LEFT JOIN attempt_results r ON r.attempt_id = a.id "
                    "WHERE u.service_number = ANY(:numbers)"
                ),
                {"numbers": numbers},
            ).one()
    finally:
        engine.dispose()
    lost = sum(max(0, saves.get(n, 0) - stored.get(n, 0)) for n in numbers)
    extra = sum(max(0, stored.get(n, 0) - saves.get(n, 0)) for n in numbers)
    mismatched = sum(1 for n in numbers if saves.get(n, 0) != stored.get(n, 0))
    return {
        "lost": lost,
        "extra": extra,
        "mismatched": mismatched,
        "attempts": attempts,
        "without": without,
        "stored": sum(stored.values()),
        "saved": sum(saves.values()),
    }


# --- Report -------------------------------------------------------------------------------------


def quiz_report(quiz: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """The quiz run: per-kind latencies, overall rate, completion, CPU."""
    total = sum(len(v) for v in quiz["latencies"].values())
    errors = sum(quiz["failures"].values())
    lines = [
        f"Quiz run: {args.users} trainees, spawned {args.spawn_rate:g}/s, each: sign in, quiz page, "
        "start (question 1), 20 x (think 1-3 s, save answer with the next question), submit (result) "
        f"({args.questions} questions: the saves go round them)",
        "",
    ]
    lines += latency_rows(quiz, KINDS)
    lines += [
        f"{'all':<16}{total:>9}{errors:>8}",
        "",
        f"Requests/s overall: {total / quiz['span']:.1f} ({total} requests in {quiz['span']:.1f} s)",
        f"Quizzes completed: {quiz['completed']} of {args.users} (finished {quiz['finished']}); "
        f"errors: {errors}",
        cpu_line(quiz, quiz["window"]),
    ]
    lines += [
        f"  error: {message} x{count}" for message, count in list(quiz["errors"].items())[:10]
    ]
    if quiz["latencies"].get("sign-in"):
        kinds = ("question page", "save answer", "submit", "result")
        lines += [
            "",
            "The same, for requests started after the last sign-in had ended (no Argon2 load):",
        ]
        lines += latency_rows(after_sign_ins(quiz), kinds)
    return lines


def ratio_to(bare: dict[str, Any], app: dict[str, Any], kind: str = "app question page") -> float:
    """The throughput of `app`'s page of this kind (the LMS's question page unless told) as a share
    of a bare page's (0 if the bare page failed)."""
    bare_rate = throughput(bare, "bare page")
    return throughput(app, kind) / bare_rate if bare_rate else 0.0


def baseline_report(
    rendered: dict[str, Any],
    reads: dict[str, Any],
    captured: dict[str, Any],
    app: dict[str, Any],
    args: argparse.Namespace,
) -> list[str]:
    """The four fixed-time windows and the app's ratio to each bare page."""
    lines = [
        f"Baseline: {args.users} users each, no wait, {args.baseline_seconds:g} s each (app users "
        "signed in and started an attempt before the window; captured page template "
        f"{'compiled on every request' if args.bare_recompile else 'compiled once'})",
        "",
        f"{'page':<26}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for label, measured, kind in (
        ("bare Flask + Jinja render", rendered, "bare page"),
        ("bare render + 2 reads", reads, "bare page"),
        ("bare captured page", captured, "bare page"),
        ("app question page", app, "app question page"),
    ):
        values = measured["latencies"].get(kind) or [math.nan]
        lines.append(
            f"{label:<26}{len(measured['latencies'].get(kind, [])):>9}"
            f"{measured['failures'].get(kind, 0):>8}{throughput(measured, kind):>9.1f}"
            + "".join(f"{percentile(values, q):>9.0f}" for q in (50, 95, 99))
        )
    lines += [
        f"Ratio app / bare render + the page's two reads (plain psycopg; the target's baseline): "
        f"{ratio_to(reads, app):.1%}"
        + (
            f" (windows alternated {args.ratio_rounds} times; each round: "
            + ", ".join(f"{ratio:.1%}" for ratio in round_ratios(reads, app))
            + ")"
            if args.ratio_rounds > 1
            else ""
        ),
        f"Ratio app / bare Flask + Jinja render (no reads; the retired target's baseline): "
        f"{ratio_to(rendered, app):.1%}; bare render + reads / bare render: "
        f"{ratio_to(rendered, reads, 'bare page'):.1%}",
        f"Ratio app / bare captured page (no rendering left; for comparison): "
        f"{ratio_to(captured, app):.1%}",
        f"  rendered: {cpu_line(rendered, rendered['window'])}",
        f"  reads:    {cpu_line(reads, reads['window'])}",
        f"  captured: {cpu_line(captured, captured['window'])}",
        f"  app:      {cpu_line(app, app['window'])}",
    ]
    if app["ready"] < args.users:
        lines.append(
            f"  warning: only {app['ready']} of {args.users} app users were signed in in time"
        )
    return lines


def round_ratios(reads: dict[str, Any], app: dict[str, Any]) -> list[float]:
    """The ratio app / reads of each alternated round."""
    return [
        ratio_to(bare, mine)
        for bare, mine in zip(reads.get("rounds", [reads]), app.get("rounds", [app]), strict=True)
    ]


def merge_windows(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Fixed-time windows of one kind of page as one (latencies added, windows summed)."""
    if len(runs) == 1:
        return runs[0]
    merged: dict[str, Any] = {**runs[0], "rounds": runs}
    merged["latencies"] = {
        kind: [ms for run in runs for ms in run["latencies"].get(kind, [])]
        for kind in runs[0]["latencies"]
    }
    merged["failures"] = {
        kind: sum(run["failures"].get(kind, 0) for run in runs) for kind in runs[0]["latencies"]
    }
    merged["window"] = sum(run["window"] for run in runs)
    merged["cpu"] = {key: sum(run["cpu"][key] for run in runs) for key in runs[0]["cpu"]}
    merged["ready"] = min(run["ready"] for run in runs)
    shares = [sorted(run["cpu_per_app_process"], reverse=True) for run in runs]
    merged["cpu_per_app_process"] = [
        round(sum(share[i] for share in shares if i < len(share)), 1)
        for i in range(max(len(share) for share in shares))
    ]
    return merged


def paced_targets_report(held: int | None, steps: list[dict[str, Any]], ratio: float) -> list[str]:
    """The capacity and ratio targets with their figures and MET or MISSED."""
    rows = [
        (
            "trainees at 15-30 s an answer (largest step held)",
            f"{held or 0}",
            f">= {CAPACITY_TARGET:,}",
            (held or 0) >= CAPACITY_TARGET,
        ),
        (
            "ratio app / bare render + 2 reads",
            f"{ratio:.1%}",
            f">= {RATIO_TARGET:.0%}",
            ratio >= RATIO_TARGET,
        ),
    ]
    lines = [f"{'target':<50}{'figure':>10}{'target':>12}   verdict"]
    lines += [
        f"{name:<50}{figure:>10}{target:>12}   {verdict(met)}" for name, figure, target, met in rows
    ]
    broken = [step for step in steps if step_problems(step)]
    if broken:
        lines.append(
            f"First step that broke: {broken[0]['users']} trainees ({'; '.join(step_problems(broken[0]))})"
        )
    elif steps:
        lines.append(f"Every step held, up to {steps[-1]['users']} trainees (the last step run)")
    return lines


def targets_report(quiz: dict[str, Any], check: dict[str, int], ratio: float) -> list[str]:
    """Each target with its figure and MET or MISSED."""
    errors = sum(quiz["failures"].values())
    kind, p99 = worst_p99(quiz)
    rows = [
        ("errors (quiz run)", f"{errors}", "0", errors == 0),
        ("lost answers", f"{check['lost']}", "0", check["lost"] == 0),
        ("attempts without a result", f"{check['without']}", "0", check["without"] == 0),
        (
            f"p99, every kind (worst: {kind})",
            f"{p99:.0f} ms",
            f"< {P99_TARGET_MS:.0f} ms",
            p99 < P99_TARGET_MS,
        ),
        (
            "ratio app / bare render + 2 reads",
            f"{ratio:.1%}",
            f">= {RATIO_TARGET:.0%}",
            ratio >= RATIO_TARGET,
        ),
    ]
    lines = [f"{'target':<40}{'figure':>10}{'target':>12}   verdict"]
    lines += [
        f"{name:<40}{figure:>10}{target:>12}   {verdict(met)}" for name, figure, target, met in rows
    ]
    return lines


def check_report(check: dict[str, int], users: int) -> list[str]:
    """The database check after the quiz run."""
    return [
        f"Database check ({users} trainees): {check['saved']} saves answered 200, "
        f"{check['stored']} answer records stored",
        f"lost answers: {check['lost']}",
        f"answers stored but not seen as saved by the client: {check['extra']}",
        f"trainees whose record count differs: {check['mismatched']}",
        f"attempts without a result: {check['without']} (of {check['attempts']} attempts)",
    ]


# --- The paced capacity run ---------------------------------------------------------------------


def paced_steps(args: argparse.Namespace) -> list[int]:
    """The numbers of trainees of the paced run's steps."""
    return [int(n) for n in args.steps.split(",")]


def paced_trainees(args: argparse.Namespace) -> int:
    """Trainees to seed for the paced run: every seat at its first quiz, then a new trainee each
    time a quiz ends (at the fastest, 12 x 15 s), with a margin."""
    from quiz_locust import paced_schedule

    steps = paced_steps(args)
    schedule = paced_schedule(steps, args.ramp_rate, args.settle, args.step_seconds)
    quiz = 12 * 15.0
    replaced = sum(
        users * (end - ramp) / quiz for users, (ramp, _, end) in zip(steps, schedule, strict=True)
    )
    return int((max(steps) + replaced) * 1.15) + 100


def run_paced(
    app_url: str,
    url: str,
    args: argparse.Namespace,
    pids: tuple[int, int],
    work: Path,
    cleanup: Cleanup,
) -> tuple[int | None, list[dict[str, Any]]]:
    """Run the steps in --locust-processes locust processes on a common schedule; after each step
    check the database and print the step; stop at the first step that breaks a target. Return the
    largest step that held (None if the first broke) and each step's merged figures."""
    from quiz_locust import paced_schedule

    steps = paced_steps(args)
    schedule = paced_schedule(steps, args.ramp_rate, args.settle, args.step_seconds)
    start_at = time.time() + 5
    processes = []
    for index in range(args.locust_processes):
        command = locust_command("paced", app_url, work / f"paced{index}", args, pids)
        command += [
            "--steps",
            args.steps,
            "--spawn-rate",
            str(args.ramp_rate),
            "--seconds",
            str(args.step_seconds),
            "--settle",
            str(args.settle),
            "--start-at",
            str(start_at),
            "--processes",
            str(args.locust_processes),
            "--index",
            str(index),
            "--first-number",
            str(args.users + 1),  # 1..--users are the baselines' trainees
            "--last-number",
            str(args.users + args.paced_trainees),
        ]
        command[command.index("--connection") + 1] = "close"  # as nginx opens to gunicorn
        log = (work / f"paced{index}.log").open("ab")
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        cleanup.add(f"stop locust process {index}", lambda p=process: stop_process(p, grace=5))
        processes.append(process)
    held: int | None = None
    measured: list[dict[str, Any]] = []
    try:
        for step, (users, (_, _, close_at)) in enumerate(zip(steps, schedule, strict=True)):
            parts = wait_for_step(work, step, start_at + close_at + 60, processes)
            merged = merge_step(parts)
            merged["check"] = paced_check(url, merged["saves"], merged["submitted"])
            measured.append(merged)
            problems = step_problems(merged)
            print_lines(paced_step_report(merged, args, problems))
            if problems:
                break
            held = users
    finally:
        for process in processes:
            stop_process(process, grace=5)
        for index in range(args.locust_processes):
            show_log_problems(work / f"paced{index}.log")
    return held, measured


def wait_for_step(
    work: Path, step: int, deadline: float, processes: list[subprocess.Popen[bytes]]
) -> list[dict[str, Any]]:
    """Each locust process's file for a step, once all are written (bounded in time)."""
    paths = [work / f"paced{index}.step{step}.json" for index in range(len(processes))]
    while not all(path.exists() for path in paths):
        if time.time() > deadline:
            raise SystemExit(f"step {step + 1} of the paced run did not end in time")
        if any(process.poll() not in (None, 0) for process in processes):
            logs = "".join(
                (work / f"paced{i}.log").read_text(errors="replace")[-2000:]
                for i in range(len(processes))
            )
            raise SystemExit(f"a locust process of the paced run failed:\n{logs}")
        time.sleep(0.5)
    return [json.loads(path.read_text()) for path in paths]


def merge_step(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One step's figures from every locust process: latencies and failures added, CPU of the
    server and PostgreSQL from the first process (every process measures the same windows), each
    locust process's own CPU."""
    from collections import Counter

    latencies: dict[str, list[float]] = {}
    failures: Counter[str] = Counter()
    before: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    saves: dict[str, int] = {}
    submitted: list[str] = []
    for part in parts:
        for kind, values in part["latencies"].items():
            latencies.setdefault(kind, []).extend(values)
        failures.update(part["failures"])
        before.update(part["failures_before"])
        errors.update(part["errors"])
        saves.update(part["saves"])
        submitted += part["submitted"]
    clients = [part["cpu"]["client"] for part in parts]
    cpu = dict(parts[0]["cpu"])
    cpu["client"] = sum(clients)
    cpu["other"] = max(0.0, cpu["other"] - sum(clients[1:]))  # the other locust processes
    return {
        "users": parts[0]["users"],
        "running": sum(part["running"] for part in parts),
        "window": min(part["window"] for part in parts),
        "latencies": latencies,
        "failures": failures,
        "failures_before": before,
        "errors": errors,
        "saves": saves,
        "submitted": submitted,
        "started_quizzes": sum(part["started_quizzes"] for part in parts),
        "completed": sum(part["completed"] for part in parts),
        "out_of_trainees": sum(part["out_of_trainees"] for part in parts),
        "cpu": cpu,
        "cpu_clients": clients,
        "cpu_per_app_process": parts[0]["cpu_per_app_process"],
    }


def paced_check(url: str, saves: dict[str, int], submitted: list[str]) -> dict[str, int]:
    """The database against the saves and submits the clients had seen succeed by the end of a
    step's window (each was committed before its response, so every one must be stored; more
    stored is allowed: saves still in flight)."""
    from sqlalchemy import create_engine, text

    numbers = sorted(saves)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    text(
                        "SELECT u.service_number, count(r.id) FROM users u "
                        "JOIN quiz_attempts a ON a.user_id = u.id "
                        "JOIN attempt_items i ON i.attempt_id = a.id "
                        "JOIN answer_records r ON r.item_id = i.id "
                        "WHERE u.service_number = ANY(:numbers) GROUP BY u.service_number"
                    ),
                    {"numbers": numbers},
                ).all()
            )
            without = connection.execute(
                text(
                    "SELECT count(*) FROM quiz_attempts a JOIN users u ON u.id = a.user_id "
                    "LEFT JOIN attempt_results r ON r.attempt_id = a.id "
                    "WHERE u.service_number = ANY(:numbers) AND r.id IS NULL"
                ),
                {"numbers": submitted},
            ).scalar_one()
    finally:
        engine.dispose()
    return {
        "saved": sum(saves.values()),
        "stored": sum(stored.get(n, 0) for n in numbers),
        "lost": sum(max(0, saves[n] - stored.get(n, 0)) for n in numbers),
        "submitted": len(submitted),
        "without": without,
    }


def step_problems(step: dict[str, Any]) -> list[str]:
    """Why a step broke the targets (empty when it held). A kind with no request in the window
    (possible in short test runs only) is shown as such, not judged."""
    problems = []
    for kind in PACED_KINDS:
        values = step["latencies"].get(kind)
        if values and (p99 := percentile(values, 99)) >= P99_TARGET_MS:
            problems.append(f"{kind} p99 {p99:.0f} ms")
    if errors := sum(step["failures"].values()):
        problems.append(f"{errors} failed requests in the window")
    if step["check"]["lost"]:
        problems.append(f"{step['check']['lost']} lost answers")
    if step["check"]["without"]:
        problems.append(f"{step['check']['without']} submitted attempts without a result")
    if step["out_of_trainees"]:
        problems.append("the seeded trainees ran out (raise --paced-trainees)")
    return problems


def paced_step_report(
    step: dict[str, Any], args: argparse.Namespace, problems: list[str]
) -> list[str]:
    """One step: per-kind latencies in its window, rates, the database check, CPU, verdict."""
    window = step["window"]
    total = sum(len(v) for v in step["latencies"].values())
    answers = len(step["latencies"].get("save answer", []))
    check = step["check"]
    clients = ", ".join(f"{seconds / window:.0%}" for seconds in step["cpu_clients"])
    lines = [
        "",
        f"-- Step: {step['users']} trainees in a quiz ({step['running']} running), "
        f"measured {window:.0f} s after the ramp and {args.settle:g} s --",
    ]
    lines += latency_rows(step, PACED_KINDS)
    lines += [
        f"Requests/s: {total / window:.1f} ({total} in the window); answers saved: "
        f"{answers / window:.1f}/s, {answers / step['users']:.1f} per trainee in the window; "
        f"sign-ins: {len(step['latencies'].get('sign-in', [])) / window:.1f}/s",
        f"Failed requests: {sum(step['failures'].values())} in the window, "
        f"{sum(step['failures_before'].values())} during the ramp and settling",
        f"Database: {check['saved']} saves confirmed so far, {check['stored']} answer records of "
        f"those trainees, lost {check['lost']}; {check['submitted']} submitted, "
        f"{check['without']} without a result",
        cpu_line(step, window),
        f"Locust processes' CPU (share of one core each): {clients}"
        + (
            "  warning: locust is near a full core; it may be the bottleneck"
            if max(step["cpu_clients"]) / window > 0.8
            else ""
        ),
    ]
    lines += [f"  error: {message} x{count}" for message, count in list(step["errors"].items())[:6]]
    lines.append(f"Verdict: {'HELD' if not problems else 'BROKEN (' + '; '.join(problems) + ')'}")
    return lines


# --- Main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated trainees (default 200)")
    parser.add_argument(
        "--duration-limit",
        type=float,
        default=300.0,
        help="seconds the quiz run may last at most (default 300)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=5.0, help="trainees starting per second (default 5)"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=20.0,
        help="measured seconds of each baseline (default 20)",
    )
    parser.add_argument(
        "--bare-recompile",
        action="store_true",
        help="let the bare page compile its template on every request, as Flask's "
        "render_template_string does (default: compile once, like the LMS's templates)",
    )
    parser.add_argument(
        "--connection",
        choices=("close", "keep-alive"),
        default="keep-alive",
        help="close: a new connection per request, as nginx opens to gunicorn in production; "
        "keep-alive: each simulated browser keeps one connection to gunicorn (default)",
    )
    parser.add_argument(
        "--paced",
        action="store_true",
        help="instead of the quiz run, the capacity run at a realistic pace (see the module's doc)",
    )
    parser.add_argument(
        "--steps",
        default="500,750,1000,1500,2000,3000,4000,5000",
        help="paced run: trainees in a quiz at each step (default 500,750,1000,1500,2000,3000,"
        "4000,5000)",
    )
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=180.0,
        help="paced run: measured seconds of each step (default 180: about 8 answers a trainee, "
        "and at 500 trainees some 200 of the rarer kinds, so that their p99 is not one request)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=45.0,
        help="paced run: seconds between the end of a ramp and its window (default 45)",
    )
    parser.add_argument(
        "--ramp-rate",
        type=float,
        default=10.0,
        help="paced run: new trainees a second during a ramp (default 10: each signs in and "
        "starts an attempt, about 60 ms of server time; at 25 a second the ramp left a backlog "
        "that the window still measured)",
    )
    parser.add_argument(
        "--locust-processes",
        type=int,
        default=2,
        help="paced run: locust processes sharing the trainees (default 2)",
    )
    parser.add_argument(
        "--client",
        choices=("form", "js"),
        default="form",
        help="paced run: the trainees' browser: form (no JavaScript: one POST an answer, answered "
        "with the next question) or js (static/js/quiz.js: the sheet once, each answer as JSON in "
        "the background); default form",
    )
    parser.add_argument(
        "--ratio-rounds",
        type=int,
        default=1,
        help="windows of the reads baseline and the app's page, alternated (default 1)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads per worker (default 2, as docs/deploy.md; 4 until 2026-12-03)",
    )
    args = parser.parse_args()
    if not 1 <= args.users <= 9999 or args.duration_limit <= 0 or args.baseline_seconds <= 0:
        parser.error("--users must be 1-9999 and the durations positive")
    args.paced_trainees = paced_trainees(args) if args.paced else 0
    return args


def heading(title: str) -> None:
    """Print a section title."""
    print(f"\n== {title} ==", flush=True)


def print_lines(lines: list[str]) -> None:
    """Print report lines."""
    print("\n".join(lines), flush=True)


def bench(args: argparse.Namespace, cleanup: Cleanup) -> None:
    """Start everything, run the three phases, check the database, print the figures."""
    work = Path(tempfile.mkdtemp(prefix="lms-quiz-load."))
    cleanup.add("delete the work directory", lambda: shutil.rmtree(work, ignore_errors=True))
    heading("Set-up")
    busy = machine_busy()
    print(machine_line(busy))
    if busy > 0.15:
        print(
            "  warning: other processes are using the CPUs; the figures will be lower than on an idle machine"
        )
    url, pg_pid, pg_version = start_postgres(cleanup)
    print(f"PostgreSQL {pg_version} on 127.0.0.1:{PG_PORT} (throwaway, fsync off)")
    started = time.monotonic()
    seed(url, args.users + args.paced_trainees)
    print(
        f"Schema, bundled courses and {args.users + args.paced_trainees} trainees enrolled in "
        f"{COURSE} with every lesson complete: {time.monotonic() - started:.1f} s"
    )
    print(
        "RATELIMIT_ENABLED=0: every simulated trainee signs in from 127.0.0.1, and this bench measures "
        "the quiz, not the sign-in throttle."
    )
    if args.paced:
        print(
            f"QUIZ_SHEETS_CACHED={max(3000, *paced_steps(args))}: each worker keeps every trainee's "
            "attempt in memory, as docs/deploy.md asks for this many trainees in a quiz."
        )
    app_port, rendered_port, captured_port = free_port(), free_port(), free_port()
    reads_port = free_port()
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "0",
        "PASSWORD_HASHING": "default",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        # As docs/deploy.md asks: at least as many cached attempts as trainees in a quiz at once.
        "QUIZ_SHEETS_CACHED": str(max([3000, *paced_steps(args)] if args.paced else [3000])),
    }
    app = start_gunicorn("app:create_app()", ROOT, app_port, env, args, work / "app.log", cleanup)
    app_url = f"http://127.0.0.1:{app_port}"
    page, token, attempt_id = capture_question_page(app_url)
    args.questions = questions_of(page)
    context = capture_question_context(url, attempt_id)
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)  # psycopg's own form
    check_rendered_baseline(context, page, attempt_id, work, dsn)
    context_file = work / "question-context.json"
    context_file.write_text(json.dumps(context), encoding="utf-8")
    rendered = start_gunicorn(
        "bare_quiz_app:create_app()",
        BENCH,
        rendered_port,
        {"BARE_MODE": "rendered", "BARE_CONTEXT": str(context_file)},
        args,
        work / "bare-rendered.log",
        cleanup,
    )
    reads = start_gunicorn(
        "bare_quiz_app:create_app()",
        BENCH,
        reads_port,
        {"BARE_MODE": "reads", "BARE_CONTEXT": str(context_file), "BARE_DSN": dsn},
        args,
        work / "bare-reads.log",
        cleanup,
    )
    template = work / "question.html.j2"
    template.write_text(to_template(page, token, attempt_id), encoding="utf-8")
    captured = start_gunicorn(
        "bare_quiz_app:create_app()",
        BENCH,
        captured_port,
        {
            "BARE_MODE": "captured",
            "BARE_TEMPLATE": str(template),
            "BARE_RECOMPILE": "1" if args.bare_recompile else "0",
            "BARE_TOTAL": str(args.questions),
        },
        args,
        work / "bare-captured.log",
        cleanup,
    )
    print(
        f"LMS: gunicorn {args.workers} workers x {args.threads} threads, keep-alive {KEEP_ALIVE} s, "
        f"on {app_url}; bare Flask apps with as many workers and threads: the LMS's question "
        f"template rendered from the same data (checked: the same {len(page)} B page) on "
        f"http://127.0.0.1:{rendered_port}, the same with the page's two reads (plain psycopg) on "
        f"http://127.0.0.1:{reads_port}, and the captured page on http://127.0.0.1:{captured_port}"
    )
    locust_log = work / "locust.log"
    if args.paced:
        heading("Capacity at a realistic pace")
        print(
            f"Steps of {args.steps} trainees in a quiz, each answering one question every 15-30 s "
            f"(uniform), then submit with the result in the response; browser: "
            f"{'static/js/quiz.js (the sheet once, each answer as JSON)' if args.client == 'js' else 'no JavaScript (one POST an answer, answered with the next question)'}; "
            f"a finished trainee's seat is taken by a new "
            f"one (sign-in). Ramp {args.ramp_rate:g} trainees/s, then {args.settle:g} s, then "
            f"{args.step_seconds:g} s measured. {args.locust_processes} locust processes, a new "
            f"connection per request (as nginx opens to gunicorn). Server, PostgreSQL and locust "
            f"share the machine's {os.cpu_count()} cores. Stops at the first step where a kind's "
            f"p99 reaches {P99_TARGET_MS:.0f} ms, a request fails or an answer is lost.",
            flush=True,
        )
        held, steps = run_paced(app_url, url, args, (app.pid, pg_pid), work, cleanup)
        print(f"\nLargest step held: {held or 0} trainees", flush=True)
        quiz, check = None, None
    else:
        quiz, check = burst_run(app_url, url, args, (app.pid, pg_pid), work, locust_log)
    heading("Baseline")
    timeout = args.baseline_seconds + 300
    rendered_url = f"http://127.0.0.1:{rendered_port}"
    captured_url = f"http://127.0.0.1:{captured_port}"
    rendered_run = run_locust(
        "bare",
        rendered_url,
        work / "rendered.json",
        args,
        (rendered.pid, pg_pid),
        locust_log,
        timeout,
    )
    captured_run = run_locust(
        "bare",
        captured_url,
        work / "captured.json",
        args,
        (captured.pid, pg_pid),
        locust_log,
        timeout,
    )
    reads_runs, app_runs = [], []
    for _ in range(args.ratio_rounds):  # alternated, so that a slow spell touches both
        reads_runs.append(
            run_locust(
                "bare",
                f"http://127.0.0.1:{reads_port}",
                work / "reads.json",
                args,
                (reads.pid, pg_pid),
                locust_log,
                timeout,
            )
        )
        app_runs.append(
            run_locust(
                "app-question",
                app_url,
                work / "app.json",
                args,
                (app.pid, pg_pid),
                locust_log,
                timeout,
            )
        )
    reads_run, app_run = merge_windows(reads_runs), merge_windows(app_runs)
    print_lines(baseline_report(rendered_run, reads_run, captured_run, app_run, args))
    heading("Targets")
    ratio = ratio_to(reads_run, app_run)
    if quiz is not None and check is not None:
        print_lines(targets_report(quiz, check, ratio))
    else:
        print_lines(paced_targets_report(held, steps, ratio))
    phases = {
        "rendered baseline": rendered_run,
        "captured baseline": captured_run,
        "reads baseline": reads_run,
        "app baseline": app_run,
    }
    if quiz is not None:
        phases["quiz run"] = quiz
    print_lines(interference(phases))
    busy = machine_busy()
    print(f"Machine busy after the bench (its own servers idle): {busy:.0%}")


def burst_run(
    app_url: str,
    url: str,
    args: argparse.Namespace,
    pids: tuple[int, int],
    work: Path,
    locust_log: Path,
) -> tuple[dict[str, Any], dict[str, int]]:
    """The quiz run (every trainee takes a whole quiz at once) and its database check, printed."""
    heading("Quiz run")
    quiz = run_locust(
        "quiz", app_url, work / "quiz.json", args, pids, locust_log, args.duration_limit + 120
    )
    check = db_check(url, args.users, quiz["saves"])
    print_lines(quiz_report(quiz, args))
    heading("Database check")
    print_lines(check_report(check, args.users))
    return quiz, check


def main() -> None:
    """Run the bench; whatever happens, stop and delete what it started."""
    args = parse_args()
    cleanup = Cleanup()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    print(
        f"Quiz load bench, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    print(f"Command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    try:
        bench(args, cleanup)
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        print("\nCleaning up (servers, temporary directories)...", flush=True)
        cleanup.run()


if __name__ == "__main__":
    main()
