"""A 12-question quiz over a satellite link, in a real browser: how long the trainee waits.

Target (issue 20, point 4): with Chromium's network emulation at a 2 s round trip and 256 kbit/s
both ways, a trainee taking a 12-question quiz (start to result) waits at most 15 s in total with
JavaScript and at most 30 s without.

Run by hand: `.venv/bin/python bench/satellite_quiz.py [ROOT] [--think SECONDS] [--mode js|nojs]`.
ROOT is the checkout to measure (default: this one; e.g. an older worktree, for the figure
before). Needs Debian's Chromium (`make test` installs it) and Playwright from requirements.lock.

How: the app (ROOT's code) on a new SQLite database, served by a threaded server on loopback; the
bundled strategic-communication course with its quiz drawing 3 questions for each of its 4
standards (12); one trainee per mode, signed in with every lesson done, unthrottled. Then the
link is throttled through CDP (`Network.emulateNetworkConditions`: latency 2000 ms, 32,000
bytes/s down and up), the quiz page is opened, and the trainee starts, answers each question
(picks an option after reading for --think seconds, default 3, not counted), moves on with
"Save and continue" (the last with "Save and review", then submits from the review page; without
JavaScript the last with "Save and submit", the button a trainee sees there once every other
question has an answer). Waiting is the time from each
click to the next question or page being there and loaded (the question's "Question N of 12", or
the review's submit button, or the result's heading), summed. Requests and bytes are what the
browser sent and received from the start click to the result, background saves included (CDP
Network events: encodedDataLength received; request bodies sent). The result's answers are
checked in the database: every answer must count.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT_ARG = next((a for a in sys.argv[1:] if not a.startswith("-") and Path(a).is_dir()), None)
ROOT = Path(ROOT_ARG or HERE.parent).resolve()
sys.path.insert(0, str(ROOT))
sys.path.append(str(HERE))

from machine import machine_line  # noqa: E402

COURSE = "strategic-communication"
QUESTIONS = 12
DEBUG = False
# In the page (also without scripts: Playwright evaluates in a world of its own). window.name
# survives the navigation to the next page of the same tab.
MARK_CLICK = """() => {
  const now = () => performance.timeOrigin + performance.now();
  window.name = "";
  document.addEventListener("click", () => {
    window.name = JSON.stringify({clicked: now()});
    const label = document.querySelector(".quiz-meta");
    if (label) {
      new MutationObserver((_, observer) => {
        window.name = JSON.stringify({...JSON.parse(window.name), swapped: now()});
        observer.disconnect();
      }).observe(label, {subtree: true, childList: true, characterData: true});
    }
  }, {capture: true, once: true});
}"""
MEASURE = """() => {
  if (!window.name) return null;
  const mark = JSON.parse(window.name);
  const navigation = performance.getEntriesByType("navigation")[0];
  const loaded = performance.timeOrigin + navigation.loadEventEnd;
  const end = loaded > mark.clicked ? loaded : mark.swapped;
  return end === undefined ? null : (end - mark.clicked) / 1000;
}"""
PIN = "bench-secret-1"
LATENCY_MS = 2000
BYTES_PER_SECOND = 32000  # 256 kbit/s
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class Traffic:
    """What the browser sent and received while counting (CDP Network events)."""

    counting: bool = False
    sent: int = 0
    received: int = 0
    urls: dict[str, str] = field(default_factory=dict)  # request id -> "METHOD path"
    from_cache: set[str] = field(default_factory=set)  # answered by the browser's cache

    @property
    def requests(self) -> int:
        return len(self.urls) - len(self.from_cache)

    def over_the_link(self) -> list[str]:
        return [url for key, url in self.urls.items() if key not in self.from_cache]

    def on_request(self, event: dict[str, Any]) -> None:
        if self.counting:
            request = event["request"]
            path = request["url"].split("/", 3)[-1]
            key = event["requestId"]
            while key in self.urls:  # a redirect keeps the request's id: one more request
                key += "+"
            self.urls[key] = f"{request['method']} {path}"
            self.sent += len(request.get("postData", "").encode())

    def on_cached(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.urls:
            self.from_cache.add(event["requestId"])

    def on_finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.urls:
            self.received += int(event.get("encodedDataLength", 0))


def seed(app: Any) -> None:
    """The bundled courses, the course's quiz at 12 questions, and one trainee per mode."""
    from accounts import services as accounts
    from courses import services as courses
    from courses.models import LessonProgress
    from lms.db import db
    from studio.sync import load_catalog

    with app.app_context():
        load_catalog()
        db.session.commit()
        course = next(c for c in courses.all_courses() if c.slug == COURSE)
        per_standard = QUESTIONS // len(course.standards)
        course.quiz = {**course.quiz, "questions_per_standard": per_standard}
        extra: dict[str, Any] = {}
        try:
            from accounts.models import Centre

            extra["centre"] = db.session.get(Centre, 1)
        except ImportError:
            pass
        for number in ("SAT-JS", "SAT-NOJS"):
            user, _ = accounts.create_user(
                "trainee",
                f"Trainee {number}",
                actor=None,
                secret=PIN,
                service_number=number,
                **extra,
            )
            db.session.flush()
            courses.enrol(user, course)
            for lesson in course.current_lessons:
                db.session.add(
                    LessonProgress(
                        user_id=user.id,
                        lesson_id=lesson.id,
                        content_hash=lesson.content_hash,
                        course_version=course.version,
                        language="en",
                    )
                )
        db.session.commit()


def serve(app: Any) -> tuple[str, Any]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def counted_answers(app: Any, service_number: str) -> int:
    """How many answers the trainee's last attempt counted (scored by the server)."""
    from sqlalchemy import select

    from accounts.models import User
    from assessments.models import AttemptResult, QuizAttempt
    from lms.db import db

    with app.app_context():
        result = db.session.scalars(
            select(AttemptResult)
            .join(QuizAttempt, QuizAttempt.id == AttemptResult.attempt_id)
            .join(User, User.id == QuizAttempt.user_id)
            .where(User.service_number == service_number)
            .order_by(AttemptResult.id.desc())
        ).first()
        return len(result.counted_answers) if result else 0


def take_quiz(browser: Any, base: str, javascript: bool, think: float) -> dict[str, Any]:
    """One trainee's quiz over the throttled link; the waits per step and the traffic."""
    number = "SAT-JS" if javascript else "SAT-NOJS"
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(120_000)
    # Signed in and on the course, unthrottled (not measured): the style sheet is in the cache.
    page.goto(f"{base}/sign-in")
    page.locator("#identifier").fill(number)
    page.locator("#secret").fill(PIN)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/home")

    traffic = Traffic()
    cdp = context.new_cdp_session(page)
    cdp.on("Network.requestWillBeSent", traffic.on_request)
    cdp.on("Network.requestServedFromCache", traffic.on_cached)
    cdp.on("Network.loadingFinished", traffic.on_finished)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND,
            "uploadThroughput": BYTES_PER_SECOND,
        },
    )
    started = time.perf_counter()
    page.goto(f"{base}/assessments/{COURSE}/quiz", wait_until="load")
    quiz_page = time.perf_counter() - started

    steps: list[tuple[str, float]] = []

    def step(name: str, click: Any, ready: Any) -> None:
        """Click, wait until the next question or page is there and loaded. The wait is taken
        from the browser's own clock: from the click (a capture listener) to the load event of
        the page it led to, or, when no page was loaded (scripts swap the question), to the
        change of the question's label (a mutation observer). Playwright's own time to find and
        click the button is not the trainee's wait."""
        page.evaluate(MARK_CLICK)
        seen = len(traffic.urls)
        began = time.perf_counter()
        click()
        ready()
        page.wait_for_load_state("load")
        measured = page.evaluate(MEASURE)
        steps.append((name, measured if measured is not None else time.perf_counter() - began))
        if DEBUG:
            print(name, list(traffic.urls.values())[seen:])

    def question_shown(position: int) -> Any:
        return lambda: page.locator(
            ".quiz-meta", has_text=f"Question {position} of {QUESTIONS}"
        ).wait_for()

    page.wait_for_timeout(think * 1000)  # reading the rules
    traffic.counting = True
    step(
        "start -> question 1",
        lambda: page.locator(f"form[action$='/{COURSE}/quiz/start'] button").click(),
        question_shown(1),
    )
    for position in range(1, QUESTIONS + 1):
        page.wait_for_timeout(think * 1000)  # reading and choosing: not waiting
        page.locator("#answer-form input[name=answer]").first.check()
        if position < QUESTIONS:
            step(
                f"answer {position} -> question {position + 1}",
                page.locator("#answer-form button[name=go][value=next]").click,
                question_shown(position + 1),
            )
        elif not javascript:  # every other question answered: "Save and submit" skips the review
            step(
                f"answer {position} + submit -> result",
                page.locator("#answer-form button[name=go][value=submit]").click,
                lambda: page.locator("h1", has_text="Your result").wait_for(),
            )
        else:
            step(
                f"answer {position} -> review",
                page.locator("#answer-form button[name=go][value=review]").click,
                lambda: page.locator("form[action$='/submit'] button").wait_for(),
            )
            page.wait_for_timeout(think * 1000)
            step(
                "submit -> result",
                lambda: page.locator("form[action$='/submit'] button").click(),
                lambda: page.locator("h1", has_text="Your result").wait_for(),
            )
    traffic.counting = False
    context.close()
    return {
        "mode": "with JavaScript" if javascript else "without JavaScript",
        "number": number,
        "quiz_page": quiz_page,
        "steps": steps,
        "traffic": traffic,
    }


def report(run: dict[str, Any], counted: int, target: float) -> list[str]:
    steps = run["steps"]
    total = sum(seconds for _, seconds in steps)
    traffic: Traffic = run["traffic"]
    answers = sum(seconds for name, seconds in steps if name.startswith("answer"))
    lines = [
        f"{run['mode']}: waited {total:.1f} s from start to result in {len(steps)} steps (target "
        f"<= {target:.0f} s: {'met' if total <= target else 'MISSED'}), of which {answers:.1f} s "
        f"for the {QUESTIONS} answers; answers counted {counted} of {QUESTIONS}",
        f"  opening the quiz page (not counted): {run['quiz_page']:.2f} s",
    ]
    lines += [f"  {name:<28} {seconds:6.2f} s" for name, seconds in steps]
    lines.append(
        f"  requests over the link {traffic.requests} (and {len(traffic.from_cache)} answered by the "
        f"browser's cache), received {traffic.received / 1024:.1f} KiB, request bodies sent "
        f"{traffic.sent / 1024:.1f} KiB"
    )
    kinds: dict[str, int] = {}
    for url in traffic.over_the_link():
        method, path = url.split(" ", 1)
        kind = (
            method
            + " "
            + "/".join(p if not p.isdigit() else "N" for p in path.split("?")[0].split("/"))
        )
        kinds[kind] = kinds.get(kind, 0) + 1
    lines += [f"    {count:3d} x {kind}" for kind, count in sorted(kinds.items())]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", nargs="?", help="the checkout to measure")
    parser.add_argument(
        "--think", type=float, default=3.0, help="seconds per question, not counted"
    )
    parser.add_argument("--mode", choices=("js", "nojs", "both"), default="both")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from app import create_app
    from lms import migrate

    print(machine_line())
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, checkout {ROOT}")
    print(
        f"link: {LATENCY_MS} ms round trip, {BYTES_PER_SECOND} bytes/s down and up (Chromium "
        f"emulation); think time {args.think:g} s per question (not counted)"
    )
    executable = shutil.which("chromium")
    if not executable:
        raise SystemExit("Debian's chromium is not installed (make test installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "satellite-bench-not-a-secret",
                "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                "RATELIMIT_ENABLED": False,
                "JOB_RESULTS_FOLDER": tmp,
            }
        )
        seed(app)
        base, server = serve(app)
        modes = {"js": [True], "nojs": [False], "both": [True, False]}[args.mode]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_FLAGS
                )
                for javascript in modes:
                    run = take_quiz(browser, base, javascript, args.think)
                    counted = counted_answers(app, run["number"])
                    print("\n".join(report(run, counted, 15.0 if javascript else 30.0)))
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
