"""Locust users for bench/quiz_load.py, run by it as a subprocess (locust used as a library).

`python bench/quiz_locust.py PHASE --host URL --users N --out FILE [...]` where PHASE is
`quiz` (each user takes a whole quiz), `bare` or `app-question` (no-wait GETs of a question page
for a fixed time), or `paced` (trainees answering one question every 15-30 s, their number raised
in steps; see run_paced). Writes raw latencies per request kind, failures, saves per user and CPU
time to FILE as JSON (`paced`: one FILE.stepN.json per step); quiz_load.py computes and prints the
figures.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from locust.log import setup_logging  # noqa: E402

COURSE = "sea-zero-tolerance"
PIN = "482913"
SAVES = 20
QUESTIONS = 12  # set from --questions (the attempt's number of questions)
THINK_SECONDS = (1.0, 3.0)
# The paced phase: a trainee reads a question and answers it 15-30 s later (uniform).
PACED_THINK_SECONDS = (15.0, 30.0)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# --connection close: a new connection per request, as nginx opens to gunicorn by default (so the
# gunicorn worker that is free accepts it); keep-alive: each simulated browser keeps its connection.
CONNECTION: dict[str, str] = {}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
OPTION_RE = re.compile(
    r'<input type="(?:radio|checkbox)" name="answer" value="([^"]+)"[^>]*?( checked)?>'
)
# The questions of a sheet (static/js/quiz.js's one request for all of an attempt's questions).
SHEET_RE = re.compile(r"<template data-position=.*?</template>", re.DOTALL)
# The paced phase's browser: "form" (no JavaScript) or "js" (static/js/quiz.js); see PacedTrainee.
CLIENT = {"kind": "form"}
# The start answers with question 1 (no redirect); its form posts to question 2.
FIRST_QUESTION_RE = re.compile(r'action="/assessments/attempts/(\d+)/questions/2"')


def service_number(number: int) -> str:
    """The service number of simulated trainee `number` (LOAD-0001, ...)."""
    return f"LOAD-{number:04d}"


@dataclass
class Recorder:
    """What this process measured: raw latencies and failures per request kind, saves per user."""

    measuring: bool = True
    users: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    starts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    saves: Counter[str] = field(default_factory=Counter)
    submitted: set[str] = field(default_factory=set)
    started_quizzes: int = 0
    out_of_trainees: int = 0
    finished: int = 0
    completed: int = 0
    ready: int = 0
    first_start: float | None = None
    last_end: float | None = None

    def on_request(
        self, name: str, response_time: float, exception: Any, start_time: float, **_: Any
    ) -> None:
        """Locust's request event: keep the figures while measuring."""
        if not self.measuring:
            return
        self.latencies[name].append(response_time)
        self.starts[name].append(start_time)
        end = start_time + response_time / 1000
        self.first_start = (
            start_time if self.first_start is None else min(self.first_start, start_time)
        )
        self.last_end = end if self.last_end is None else max(self.last_end, end)
        if exception is not None:
            self.failures[name] += 1
            self.errors[f"{name}: {str(exception)[:160]}"] += 1

    def record_exception(self, error: Exception) -> None:
        """An exception in the client outside any request: counted as an error."""
        self.failures["(client exception)"] += 1
        self.errors[f"(client exception): {error!r}"[:200]] += 1


RECORD = Recorder()
NUMBERS = itertools.count(1)


class Aborted(Exception):
    """A step of a simulated trainee failed; the failure is already recorded."""


class Browser:
    """One trainee's requests: each checked, named by kind, redirects not followed."""

    def __init__(self, client: Any) -> None:
        """Wrap a locust FastHttpSession (it keeps the cookies)."""
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        kind: str,
        data: dict[str, Any] | None = None,
        expect: int = 200,
        location: re.Pattern[str] | None = None,
        json_body: dict[str, Any] | None = None,
        token: str = "",
    ) -> tuple[str, str]:
        """Send a request (a form, or JSON with the CSRF token in its header, as quiz.js sends);
        return (body, Location) or raise Aborted after recording a failure."""
        headers = dict(CONNECTION)
        body: str | None = None
        if json_body is not None:
            body = json.dumps(json_body)
            headers |= {"Content-Type": "application/json", "X-CSRFToken": token}
        elif data is not None:
            body = urlencode(data, doseq=True)
            headers |= FORM
        with self.client.request(
            method,
            path,
            name=kind,
            data=body,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            text, where = response.text or "", urlsplit(_location(response)).path
            problem = _problem(response.status_code, expect, where, location)
            if problem:
                error = getattr(response, "error", None)
                response.failure(
                    f"{problem} on {method} {path}" + (f": {error!r}" if error else "")
                )
            else:
                response.success()
        if problem:
            raise Aborted(problem)
        return text, where

    def sign_in(self, number: str) -> None:
        """GET the sign-in form for its token, then POST the service number and PIN."""
        page, _ = self.call("GET", "/sign-in", "sign-in form")
        data = {"csrf_token": _token(page), "identifier": number, "secret": PIN}
        self.call("POST", "/sign-in", "sign-in", data, 302, re.compile(r"^/home$"))

    def start(self) -> tuple[int, str]:
        """Open the quiz page, then start (or resume) an attempt: (its id, its first question)."""
        page, _ = self.call("GET", f"/assessments/{COURSE}/quiz", "quiz page")
        first, _ = self.call(
            "POST", f"/assessments/{COURSE}/quiz/start", "start", {"csrf_token": _token(page)}
        )
        match = FIRST_QUESTION_RE.search(first)
        if match is None:
            raise Aborted("the start did not show the first question")
        return int(match.group(1)), first


def _location(response: Any) -> str:
    """The Location header, or "" (also when the request got no response at all)."""
    headers = response.headers
    return (headers.get("Location") if headers is not None else None) or ""


def _problem(status: int, expect: int, where: str, location: re.Pattern[str] | None) -> str | None:
    """What is wrong with a response (status, redirect target), or None."""
    if status != expect:
        return f"status {status} (expected {expect})"
    if location is not None and not location.match(where):
        return f"redirected to {where or 'nowhere'}"
    return None


def _token(page: str) -> str:
    """The CSRF token of a form on a page (Aborted when there is none)."""
    match = CSRF_RE.search(page)
    if not match:
        raise Aborted("no CSRF token on the page")
    return match.group(1)


def _other_option(page: str) -> str:
    """An option key that is not checked now, so every save changes the answer."""
    options = OPTION_RE.findall(page)
    unchecked = [key for key, checked in options if not checked]
    if not unchecked:
        raise Aborted("no option to choose on the question page")
    return random.choice(unchecked)


def _question_path(attempt_id: int, position: int) -> str:
    """The URL path of a question of an attempt."""
    return f"/assessments/attempts/{attempt_id}/questions/{position}"


class QuizTrainee(FastHttpUser):
    """A trainee taking the whole quiz once: sign in, start, 20 saves, submit, result."""

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0

    @task
    def take_quiz(self) -> None:
        """The whole quiz, then stop; a failed step ends this trainee's quiz."""
        number = next(NUMBERS)
        if number > RECORD.users:
            gevent.sleep(3600)  # a respawned user has no trainee left; the runner ends it
            raise StopUser
        try:
            self._quiz(Browser(self.client), service_number(number))
            RECORD.completed += 1
        except Aborted:
            pass  # already recorded as a failed request
        except Exception as error:  # noqa: BLE001 - any other client-side failure is an error too
            RECORD.record_exception(error)
        finally:
            RECORD.finished += 1
        raise StopUser

    def _quiz(self, browser: Browser, number: str) -> None:
        """Sign in, start, 20 saves a few seconds apart (cycling positions), submit, result."""
        browser.sign_in(number)
        attempt_id, page = browser.start()
        for save in range(SAVES):
            # One request per answer: it saves the answer to question `position` and answers
            # with the next question's page (the trainee cycles through the questions).
            position = save % QUESTIONS + 1
            data = {"csrf_token": _token(page), "answer": _other_option(page), "from": position}
            gevent.sleep(random.uniform(*THINK_SECONDS))
            page, _ = browser.call(
                "POST", _question_path(attempt_id, position % QUESTIONS + 1), "save answer", data
            )
            RECORD.saves[number] += 1
        browser.call(
            "POST",
            f"/assessments/attempts/{attempt_id}/submit",
            "submit",
            {"csrf_token": _token(page)},
        )


class Pace:
    """The paced phase's allocation of trainees: process `index` of `processes` takes the numbers
    first, first + processes, ... (each trainee takes the quiz once), up to `last`."""

    def __init__(self) -> None:
        self.numbers: itertools.count[int] = itertools.count(1)
        self.last = 0

    def configure(self, first: int, index: int, processes: int, last: int) -> None:
        """Set this process's share of the trainees."""
        self.numbers = itertools.count(first + index, processes)
        self.last = last

    def next_number(self) -> int | None:
        """The next unused trainee of this process, or None when none is left."""
        number = next(self.numbers)
        return number if number <= self.last else None


PACE = Pace()


class PacedTrainee(FastHttpUser):
    """A trainee at a realistic pace: sign in, open the quiz, start, then answer each of the
    attempt's questions after reading it for 15-30 s, then submit and read the result in the same
    response. Then a new trainee takes the seat (a new sign-in, fresh cookies), so the number of
    trainees in a quiz stays constant. Two kinds of browser (--client):

    - `form`, without JavaScript: each answer is one POST to the next question's address (the
      answer in `from`), which saves it and answers with the next question's page; the last one
      posts to the review page; then the submission.
    - `js`, with static/js/quiz.js: the question page, then the whole sheet once (the trainee moves
      between questions on the device), each answer sent as JSON in the background
      (`/answers`, one a time at this pace), then the review page and the submission.

    A seat's first trainee answers only the last k questions (k uniform from 1 to all of them),
    as if the seat had been taken part-way through: so the seats' quizzes end at random times and
    sign-ins, starts and submits come at their steady rate from the first measured window, not
    all together a quiz's length after the ramp."""

    def on_start(self) -> None:
        """The seat's first trainee starts at a random question."""
        self.first_position = random.randint(1, QUESTIONS)

    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0

    @task
    def take_quiz(self) -> None:
        """One trainee's whole quiz; a failed step ends that trainee's quiz (the seat is reused)."""
        number = PACE.next_number()
        if number is None:
            RECORD.out_of_trainees += 1
            gevent.sleep(3600)  # no trainee left (the bench seeds enough; reported if not)
            return
        self.client.cookiejar.clear()  # a new trainee, a new browser
        RECORD.started_quizzes += 1
        try:
            self._quiz(Browser(self.client), service_number(number))
            RECORD.completed += 1
        except Aborted:
            gevent.sleep(random.uniform(*PACED_THINK_SECONDS))  # recorded; no retry storm
        except Exception as error:  # noqa: BLE001 - any other client-side failure is an error too
            RECORD.record_exception(error)
            gevent.sleep(random.uniform(*PACED_THINK_SECONDS))
        finally:
            RECORD.finished += 1

    def _quiz(self, browser: Browser, number: str) -> None:
        """Sign in, start, an answer to each question 15-30 s apart, submit (with the result)."""
        browser.sign_in(number)
        attempt_id, page = browser.start()
        first, self.first_position = self.first_position, 1
        if first > 1:  # the seat's first trainee: as if they had come back to question `first`
            page, _ = browser.call("GET", _question_path(attempt_id, first), "question page")
        if CLIENT["kind"] == "js":
            page = self._answer_in_background(browser, number, attempt_id, page, first)
        else:
            page = self._answer_by_form(browser, number, attempt_id, page, first)
        browser.call(
            "POST",
            f"/assessments/attempts/{attempt_id}/submit",
            "submit",
            {"csrf_token": _token(page)},
        )
        RECORD.submitted.add(number)

    def _answer_by_form(
        self, browser: Browser, number: str, attempt_id: int, page: str, first: int
    ) -> str:
        """One POST an answer, answered with the next page; returns the review page."""
        for position in range(first, QUESTIONS + 1):
            data = {"csrf_token": _token(page), "answer": _other_option(page), "from": position}
            gevent.sleep(random.uniform(*PACED_THINK_SECONDS))
            to = (
                _question_path(attempt_id, position + 1)
                if position < QUESTIONS
                else f"/assessments/attempts/{attempt_id}/review"
            )
            page, _ = browser.call("POST", to, "save answer", data)
            RECORD.saves[number] += 1
        return page

    def _answer_in_background(
        self, browser: Browser, number: str, attempt_id: int, page: str, first: int
    ) -> str:
        """The sheet once, then each answer as JSON; returns the review page."""
        token = _token(page)
        sheet, _ = browser.call("GET", f"/assessments/attempts/{attempt_id}/sheet", "sheet")
        questions = SHEET_RE.findall(sheet)
        if len(questions) != QUESTIONS:
            raise Aborted(f"the sheet has {len(questions)} questions, not {QUESTIONS}")
        for position in range(first, QUESTIONS + 1):
            gevent.sleep(random.uniform(*PACED_THINK_SECONDS))
            body = {
                "answers": [
                    {"question": position, "answer": [_other_option(questions[position - 1])]}
                ]
            }
            browser.call(
                "POST",
                f"/assessments/attempts/{attempt_id}/answers",
                "save answer",
                json_body=body,
                token=token,
            )
            RECORD.saves[number] += 1
        page, _ = browser.call("GET", f"/assessments/attempts/{attempt_id}/review", "review")
        return page


class QuestionReader(FastHttpUser):
    """Baseline on the LMS: a signed-in trainee reloading question pages with no wait."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        """Sign in and start (or resume) an attempt before the measured window."""
        self.browser = Browser(self.client)
        self.attempt_id = 0
        self.position = 0
        try:
            self.browser.sign_in(service_number(next(NUMBERS)))
            self.attempt_id, _ = self.browser.start()
        except Aborted:
            return
        RECORD.ready += 1

    @task
    def read(self) -> None:
        """GET the next question page (positions 1-12 in turn)."""
        if not self.attempt_id:
            gevent.sleep(1)
            return
        self.position = self.position % QUESTIONS + 1
        with contextlib.suppress(Aborted):  # already recorded as a failure
            self.browser.call(
                "GET", _question_path(self.attempt_id, self.position), "app question page"
            )


class BareReader(FastHttpUser):
    """Baseline on the bare Flask app: the same question page, rendered without the LMS."""

    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        """Nothing to set up."""
        self.position = 0
        RECORD.ready += 1

    @task
    def read(self) -> None:
        """GET the next question page (positions 1-12 in turn)."""
        self.position = self.position % QUESTIONS + 1
        self.client.get(_question_path(1, self.position), name="bare page", headers=CONNECTION)


USER_CLASSES: dict[str, type[FastHttpUser]] = {
    "quiz": QuizTrainee,
    "paced": PacedTrainee,
    "bare": BareReader,
    "app-question": QuestionReader,
}


def _tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants (empty when it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _cpu(process: psutil.Process) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def cpu_by_process(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of each group (with children), and of every other one."""
    readings: dict[str, dict[int, float]] = {}
    for name, pids in groups.items():
        readings[name] = {p.pid: _cpu(p) for pid in pids for p in _tree(pid)}
    ours = {pid for reading in readings.values() for pid in reading}
    readings["other"] = {p.pid: _cpu(p) for p in psutil.process_iter() if p.pid not in ours}
    return readings


def machine_seconds() -> dict[str, float]:
    """Machine-wide CPU seconds so far: busy, of which interrupts (loopback traffic), steal, all."""
    times = psutil.cpu_times()
    kernel_irq = getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)
    busy = times.user + times.nice + times.system + kernel_irq
    idle = times.idle + getattr(times, "iowait", 0.0)
    steal = getattr(times, "steal", 0.0)
    return {"machine": busy, "irq": kernel_irq, "steal": steal, "all": busy + idle + steal}


class CpuMeter:
    """CPU seconds used in a window by the client, the app server, PostgreSQL, other processes
    (a process that started in the window counts whole) and the machine."""

    def __init__(self, app_pid: int, db_pid: int) -> None:
        self.groups = {"client": [psutil.Process().pid], "app": [app_pid], "db": [db_pid]}
        self.started: tuple[dict[str, dict[int, float]], dict[str, float]] = ({}, {})
        self.used: dict[str, float] = {}
        self.per_app_process: list[float] = []

    def start(self) -> None:
        """Take the first reading."""
        self.started = (cpu_by_process(self.groups), machine_seconds())

    def stop(self) -> None:
        """Take the second reading and keep the differences."""
        processes, machine = cpu_by_process(self.groups), machine_seconds()
        before, machine_before = self.started
        self.used = {
            name: sum(max(0.0, cpu - before[name].get(pid, 0.0)) for pid, cpu in reading.items())
            for name, reading in processes.items()
        }
        self.used.update({name: value - machine_before[name] for name, value in machine.items()})
        # Per gunicorn process (arbiter and workers), to show how evenly the workers share the load.
        self.per_app_process = sorted(
            (
                round(max(0.0, cpu - before["app"].get(pid, 0.0)), 1)
                for pid, cpu in processes["app"].items()
            ),
            reverse=True,
        )


def run_quiz(env: Environment, args: argparse.Namespace, cpu: CpuMeter) -> float:
    """Spawn the trainees; wait until every one has finished, or the time limit."""
    runner = env.create_local_runner()
    cpu.start()
    started = time.monotonic()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    deadline = started + args.time_limit
    while RECORD.finished < args.users and time.monotonic() < deadline:
        gevent.sleep(0.25)
    cpu.stop()
    runner.quit()
    return time.monotonic() - started


def run_baseline(env: Environment, args: argparse.Namespace, cpu: CpuMeter) -> float:
    """Spawn every user at once, wait until they are ready, then measure for a fixed time."""
    RECORD.measuring = False
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    deadline = time.monotonic() + args.ready_timeout
    while RECORD.ready < args.users and time.monotonic() < deadline:
        gevent.sleep(0.25)
    RECORD.measuring = True
    cpu.start()
    started = time.monotonic()
    gevent.sleep(args.seconds)
    RECORD.measuring = False
    cpu.stop()
    window = time.monotonic() - started
    runner.quit()
    return window


def paced_schedule(
    steps: list[int], spawn_rate: float, settle: float, window: float
) -> list[tuple[float, float, float]]:
    """For each step, seconds after the common start: (ramp starts, window starts, window ends).
    The ramp adds the step's new trainees at `spawn_rate` a second (all processes together);
    `settle` seconds later the measured window opens. quiz_load.py computes the same schedule."""
    schedule, now, users = [], 0.0, 0
    for target in steps:
        ramp = max(0, target - users) / spawn_rate
        schedule.append((now, now + ramp + settle, now + ramp + settle + window))
        now, users = now + ramp + settle + window, target
    return schedule


def in_window(measured: Recorder, opened: float, closed: float) -> dict[str, Any]:
    """Latencies and failures of the requests that ended inside [opened, closed] (epoch s)."""
    latencies: dict[str, list[float]] = defaultdict(list)
    for kind, values in measured.latencies.items():
        for start, ms in zip(measured.starts[kind], values, strict=True):
            if opened <= start + ms / 1000 <= closed:
                latencies[kind].append(ms)
    return latencies


def run_paced(env: Environment, args: argparse.Namespace, cpu: CpuMeter) -> None:
    """Raise this process's share of the trainees step by step on the common schedule; after
    each step's window write FILE.stepN.json (that window's latencies, the errors so far, the saves
    and submits seen so far) for quiz_load.py, which checks the database and stops the run at the
    first step that breaks a target."""
    steps = [int(n) for n in args.steps.split(",")]
    PACE.configure(args.first_number, args.index, args.processes, args.last_number)
    runner = env.create_local_runner()
    schedule = paced_schedule(steps, args.spawn_rate, args.settle, args.seconds)
    failures_before: Counter[str] = Counter()
    for step, (target, (ramp_at, open_at, close_at)) in enumerate(
        zip(steps, schedule, strict=True)
    ):
        gevent.sleep(max(0.0, args.start_at + ramp_at - time.time()))
        share = len(range(args.index, target, args.processes))  # this process's trainees
        runner.start(share, spawn_rate=args.spawn_rate / args.processes)
        gevent.sleep(max(0.0, args.start_at + open_at - time.time()))
        cpu.start()
        opened = time.time()
        failures_at_open = Counter(RECORD.failures)
        gevent.sleep(max(0.0, args.start_at + close_at - time.time()))
        cpu.stop()
        closed = time.time()
        result = {
            "step": step,
            "users": target,
            "share": share,
            "running": runner.user_count,
            "window": closed - opened,
            "latencies": in_window(RECORD, opened, closed),
            "failures": RECORD.failures - failures_at_open,
            "failures_before": failures_at_open - failures_before,
            "errors": RECORD.errors,
            "saves": RECORD.saves,
            "submitted": sorted(RECORD.submitted),
            "started_quizzes": RECORD.started_quizzes,
            "completed": RECORD.completed,
            "out_of_trainees": RECORD.out_of_trainees,
            "cpu": cpu.used,
            "cpu_per_app_process": cpu.per_app_process,
        }
        failures_before = Counter(RECORD.failures)
        # Drop what was measured before this window: memory stays bounded over long runs.
        for kind in list(RECORD.latencies):
            keep = [i for i, s in enumerate(RECORD.starts[kind]) if s >= closed - 120]
            RECORD.latencies[kind] = [RECORD.latencies[kind][i] for i in keep]
            RECORD.starts[kind] = [RECORD.starts[kind][i] for i in keep]
        path = f"{args.out}.step{step}.json"
        with open(path + ".part", "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        os.replace(path + ".part", path)  # quiz_load.py sees whole files only
    runner.quit()


def parse_args() -> argparse.Namespace:
    """Command line (given by quiz_load.py)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("phase", choices=sorted(USER_CLASSES))
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--spawn-rate", type=float, default=5.0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    parser.add_argument("--app-pid", type=int, required=True)
    parser.add_argument("--db-pid", type=int, required=True)
    parser.add_argument("--connection", choices=("close", "keep-alive"), default="keep-alive")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--client", choices=("form", "js"), default="form")
    # The paced phase (see run_paced).
    parser.add_argument("--steps", default="500", help="trainees at each step, comma-separated")
    parser.add_argument("--settle", type=float, default=30.0)
    parser.add_argument("--start-at", type=float, default=0.0, help="common start (epoch s)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--first-number", type=int, default=1)
    parser.add_argument("--last-number", type=int, default=9999)
    return parser.parse_args()


def main() -> None:
    """Run one phase and write what was measured."""
    global QUESTIONS  # noqa: PLW0603 - one setting for the whole process
    args = parse_args()
    QUESTIONS = args.questions
    CLIENT["kind"] = args.client
    if args.connection == "close":
        CONNECTION["Connection"] = "close"
    host = urlsplit(args.host).hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"refusing to load {host}: only loopback may be targeted")
    setup_logging("WARNING")
    RECORD.users = args.users
    env = Environment(user_classes=[USER_CLASSES[args.phase]], host=args.host)
    env.events.request.add_listener(RECORD.on_request)
    cpu = CpuMeter(args.app_pid, args.db_pid)
    if args.phase == "paced":
        run_paced(env, args, cpu)
        return
    window = run_quiz(env, args, cpu) if args.phase == "quiz" else run_baseline(env, args, cpu)
    result = {
        "phase": args.phase,
        "window": window,
        "span": (RECORD.last_end - RECORD.first_start)
        if RECORD.first_start and RECORD.last_end
        else 0.0,
        "latencies": RECORD.latencies,
        "starts": RECORD.starts,
        "failures": RECORD.failures,
        "errors": RECORD.errors,
        "saves": RECORD.saves,
        "finished": RECORD.finished,
        "completed": RECORD.completed,
        "ready": RECORD.ready,
        "cpu": cpu.used,
        "cpu_per_app_process": cpu.per_app_process,
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
