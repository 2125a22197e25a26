"""Quiz attempts: drawing questions, saving answers, closing an attempt once, the attempt limit."""

from __future__ import annotations

import logging
import random
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from cachetools import LRUCache
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload, undefer

from accounts.models import User
from assessments.completion import notify_if_complete
from assessments.models import (
    AnswerRecord,
    AttemptItem,
    AttemptResult,
    Question,
    QuizAttempt,
    Standard,
)
from assessments.scoring import Score, ScoredItem, score_attempt
from courses.models import Course
from lms.db import db, utcnow
from lms.events import quiz_scored, sender

log = logging.getLogger(__name__)
SINGLE_ANSWER_KINDS = {"single", "scenario", "true_false"}
Q = TypeVar("Q")


class QuizError(ValueError):
    """A quiz action refused: `status` is the HTTP status, `message` is translated."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class QuizStatus:
    """What a trainee may do with a course's quiz right now."""

    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None
    used_in_window: int
    max_attempts: int
    next_allowed_at: datetime | None

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.next_allowed_at is None

    @property
    def has_passed(self) -> bool:
        return any(a.result is not None and a.result.passed for a in self.attempts)


def attempts_of(user: User, course: Course) -> list[QuizAttempt]:
    """The trainee's attempts at a course's quiz, oldest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
            .order_by(QuizAttempt.number)
        )
    )


def quiz_status(user: User, course: Course, now: datetime | None = None) -> QuizStatus:
    """Open attempt, attempts used in the cool-down window, and when the next one is allowed.

    The attempt limit: at most `max_attempts` attempts may start within any `cooldown_hours`
    window; the next one is allowed when the oldest of them leaves the window.
    """
    now = now or utcnow()
    attempts = attempts_of(user, course)
    for attempt in attempts:
        close_if_expired(attempt, now)
    open_attempt = next((a for a in attempts if a.result is None), None)
    window = timedelta(hours=course.quiz["cooldown_hours"])
    recent = [a.started_at for a in attempts if a.started_at > now - window]
    limit = course.quiz["max_attempts"]
    next_allowed = min(recent) + window if len(recent) >= limit else None
    return QuizStatus(attempts, open_attempt, len(recent), limit, next_allowed)


def start_attempt(
    user: User,
    course: Course,
    language: str,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> QuizAttempt:
    """Start an attempt (or return the open one: a double click starts only one)."""
    now = now or utcnow()
    status = quiz_status(user, course, now)
    if status.open_attempt is not None:
        return status.open_attempt
    if status.next_allowed_at is not None:
        raise QuizError(
            _(
                "You have used all your attempts for now. You can try again after the cool-down period."
            ),
            429,
        )
    rng = rng or random.SystemRandom()
    standards = current_standards(course.standards)
    attempt = QuizAttempt(
        user_id=user.id,
        course_id=course.id,
        number=len(status.attempts) + 1,
        course_version=course.version,
        language=language,
        pass_mark=course.pass_mark,
        thresholds=quiz_thresholds(course, standards),
        standard_versions={code: s.version for code, s in standards.items()},
        started_at=now,
        deadline_at=now + timedelta(minutes=course.quiz["time_limit_minutes"]),
    )
    db.session.add(attempt)
    db.session.flush()
    seen = questions_seen(user, course)
    for position, question in enumerate(draw_questions(course, rng, seen), start=1):
        db.session.add(serve_item(attempt, position, question, language, rng))
    db.session.flush()
    log.info("user %s started attempt %s of %s", user.id, attempt.number, course.slug)
    return attempt


def current_standards(codes: list[str]) -> dict[str, Standard]:
    rows = db.session.scalars(select(Standard).where(Standard.code.in_(codes), Standard.is_current))
    return {row.code: row for row in rows}


def quiz_thresholds(course: Course, standards: dict[str, Standard]) -> dict[str, float]:
    """The share of each standard's questions an attempt needs: the course's quiz rule (a sample of
    a few questions per standard), or the standard's mastery threshold for a course without one."""
    return thresholds_for(
        course.quiz, {code: standard.mastery_threshold for code, standard in standards.items()}
    )


def thresholds_for(quiz: Mapping[str, int], mastery: Mapping[str, float]) -> dict[str, float]:
    """quiz_thresholds from a course's quiz settings and its standards' mastery thresholds (also
    for a draft's preview, whose standards are read from their files)."""
    rule = quiz.get("standard_threshold")
    return {code: rule or threshold for code, threshold in mastery.items()}


def questions_seen(user: User, course: Course) -> dict[str, datetime]:
    """Each question (by its id in the bank) the trainee was shown in this course, and when last."""
    rows = db.session.execute(
        select(Question.qid, func.max(QuizAttempt.started_at))
        .join(AttemptItem, AttemptItem.question_id == Question.id)
        .join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.course_id == course.id)
        .group_by(Question.qid)
    )
    return {qid: last for qid, last in rows}


def draw_questions(
    course: Course, rng: random.Random, seen: dict[str, datetime] | None = None
) -> list[Question]:
    """Draw the course's number of questions for each standard, in a random order: questions the
    trainee has not been shown first, then, once the pool runs out, those shown longest ago."""
    seen = seen or {}
    # The bank without its texts (every language's question, options and explanations: most of a
    # row), then the texts of the drawn questions only, in one more statement: decoding the whole
    # bank's texts was about a tenth of starting an attempt.
    current = db.session.scalars(
        select(Question)
        .options(defer(Question.content))
        .where(Question.course_id == course.id, Question.is_current)
        .order_by(Question.qid)
    ).all()
    drawn = draw_from(
        [DrawnQuestion(q.qid, q.standard_code, q) for q in current],
        course.standards,
        course.quiz["questions_per_standard"],
        rng,
        seen,
    )
    db.session.scalars(  # fills in the drawn questions' texts (the same objects)
        select(Question)
        .options(undefer(Question.content))
        .where(Question.id.in_([question.id for question in drawn]))
    ).all()
    return drawn


class DrawnQuestion(NamedTuple, Generic[Q]):
    """A question of a bank as the drawing rule sees it: its id in the bank and its standard."""

    qid: str
    standard: str
    question: Q


def draw_from(
    bank: Sequence[DrawnQuestion[Q]],
    standards: Sequence[str],
    wanted: int,
    rng: random.Random,
    seen: Mapping[str, datetime],
) -> list[Q]:
    """The drawing rule of draw_questions on any bank (a course's rows, or a draft's questions for
    its preview): `wanted` questions of each standard, unseen first, then the longest ago seen."""
    drawn: list[Q] = []
    # In code-point order of their ids, whatever the database's collation: a draft's preview and a
    # trainee's attempt given the same randomness draw the same questions on SQLite and PostgreSQL.
    bank = sorted(bank, key=lambda q: q.qid)
    for code in standards:
        pool = [q for q in bank if q.standard == code]
        fresh = [q for q in pool if q.qid not in seen]
        picked = rng.sample(fresh, min(wanted, len(fresh)))
        if len(picked) < wanted:
            shown = [q for q in pool if q.qid in seen]
            rng.shuffle(shown)  # random among equals, then the oldest first
            shown.sort(key=lambda q: seen[q.qid])
            picked += shown[: wanted - len(picked)]
        drawn.extend(q.question for q in picked)
    rng.shuffle(drawn)
    return drawn


def _text(texts: dict[str, str] | None, language: str) -> str | None:
    if not texts:
        return None
    return texts.get(language) or texts["en"]


def serve_item(
    attempt: QuizAttempt, position: int, question: Question, language: str, rng: random.Random
) -> AttemptItem:
    """Freeze what the trainee will see: texts in their language and options shuffled under
    opaque keys, so that nothing sent to the browser tells which option is right."""
    served, correct = serve_content(question.kind, question.content, language, rng)
    return AttemptItem(
        attempt_id=attempt.id,
        position=position,
        question_id=question.id,
        standard_code=question.standard_code,
        kind=question.kind,
        served=served,
        correct_keys=correct,
    )


def serve_content(
    kind: str,
    content: Mapping[str, Any],
    language: str,
    rng: random.Random,
    new_key: Callable[[], str] = lambda: secrets.token_hex(4),
) -> tuple[dict[str, Any], list[str]]:
    """A question's content as served in a language (serve_item), and its correct option keys."""
    choices: list[tuple[str, str | None, bool]]
    if kind == "true_false":
        choices = [
            ("true", None, content["answer"] is True),
            ("false", None, content["answer"] is False),
        ]
    else:
        choices = [(o["id"], _text(o["text"], language), o["correct"]) for o in content["options"]]
        rng.shuffle(choices)
    options, correct = [], []
    for option_id, text, is_correct in choices:
        key = new_key()
        options.append({"key": key, "option_id": option_id, "text": text})
        if is_correct:
            correct.append(key)
    served = {
        # The language the question is shown in: English where it is not yet translated.
        "language": language if content["text"].get(language) else "en",
        "text": _text(content["text"], language),
        "case": _text(content.get("case"), language),
        "explanation": _text(content["explanation"], language),
        "options": options,
    }
    return served, correct


def latest_answers(attempt: QuizAttempt, before: datetime | None = None) -> dict[int, list[str]]:
    """The last answer saved for each item (optionally only those saved by a time)."""
    query = select(AnswerRecord.item_id, AnswerRecord.chosen_keys).where(
        AnswerRecord.item_id.in_([item.id for item in attempt.items])
    )
    if before is not None:
        query = query.where(AnswerRecord.saved_at <= before)
    # Oldest first: a later record of an item replaces an earlier one.
    rows = db.session.execute(query.order_by(AnswerRecord.saved_at, AnswerRecord.id))
    return {item_id: chosen for item_id, chosen in rows}


def save_answer(
    attempt: AttemptSheet, item: ServedItem, keys: list[str], now: datetime | None = None
) -> None:
    """Save an answer as given (a new record each time); refused once the attempt is closed.

    attempt is the sheet of an attempt that was open when the request read it (open_sheet).
    """
    now = now or utcnow()
    check_answer(attempt, item, keys, now)
    db.session.add(AnswerRecord(item_id=item.id, chosen_keys=sorted(set(keys)), saved_at=now))


def check_answer(
    attempt: AttemptSheet, item: ServedItem, keys: list[str], now: datetime | None = None
) -> None:
    """Refuse (QuizError) an answer that cannot be saved: the question is not the attempt's, the
    deadline has passed, a key is not one of the question's options, or two for a one-answer
    question."""
    now = now or utcnow()
    if item not in attempt.items:
        raise QuizError(_("This question is not part of your attempt."), 404)
    if now > attempt.deadline_at:
        raise QuizError(closed_message("deadline"), 409)
    valid = {option["key"] for option in item.served["options"]}
    if not set(keys) <= valid:
        raise QuizError(_("This answer does not belong to this question."), 400)
    if item.kind in SINGLE_ANSWER_KINDS and len(keys) > 1:
        raise QuizError(_("Choose one answer only."), 400)


def save_answer_if_changed(
    attempt: AttemptSheet,
    item: ServedItem,
    keys: list[str],
    previous: list[str] | None,
    now: datetime | None = None,
) -> list[str]:
    """Save an answer unless it is the one last saved (a reload, a retry, or moving without
    changing anything sends it again: harmless); returns the answer as kept (sorted keys).

    Clearing an answer saves the empty choice; a question never answered and left empty saves
    nothing. Checks as save_answer, in every case (the deadline included).
    """
    chosen = sorted(set(keys))
    if chosen == sorted(previous or []):
        check_answer(attempt, item, chosen, now)
        return chosen
    save_answer(attempt, item, chosen, now)
    return chosen


MAX_BATCH = 200  # answers in one background request (a device offline for a whole quiz)


def read_answer_batch(payload: Any, attempt: AttemptSheet) -> list[tuple[ServedItem, list[str]]]:
    """The answers of a background save (`{"answers": [{"question": 3, "answer": [keys]}]}`) as
    (question, keys) pairs; QuizError (400) names what is wrong with anything else."""
    entries = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_BATCH:
        raise QuizError(_("The answers sent could not be read."), 400)
    batch = []
    for entry in entries:
        position = entry.get("question") if isinstance(entry, dict) else None
        keys = entry.get("answer") if isinstance(entry, dict) else None
        if (
            type(position) is not int
            or not isinstance(keys, list)
            or not all(isinstance(key, str) for key in keys)
        ):
            raise QuizError(_("The answers sent could not be read."), 400)
        if not 1 <= position <= len(attempt.items):
            raise QuizError(_("This question is not part of your attempt."), 404)
        batch.append((attempt.items[position - 1], keys))
    return batch


def save_answers_if_changed(
    attempt: AttemptSheet,
    batch: list[tuple[ServedItem, list[str]]],
    answers: dict[int, list[str]],
) -> None:
    """Save a batch of answers, all or none: each is checked before any is saved. answers (the
    latest saved for each item) is updated; a question twice in a batch keeps the later answer."""
    now = utcnow()
    for item, keys in batch:
        check_answer(attempt, item, sorted(set(keys)), now)
    for item, keys in batch:
        answers[item.id] = save_answer_if_changed(attempt, item, keys, answers.get(item.id), now)


def closed_message(closed_by: str) -> str:
    """Why a closed attempt takes no more answers (closed by the deadline or the trainee)."""
    if closed_by == "deadline":
        return _("The time for this attempt is over. Only answers saved before the deadline count.")
    return _("This attempt has already been submitted.")


def close_attempt(
    attempt: QuizAttempt, closed_by: str, now: datetime | None = None
) -> AttemptResult:
    """Score and close an attempt exactly once; a second close returns the first result."""
    now = now or utcnow()
    if attempt.result is not None:
        return attempt.result
    counted = latest_answers(attempt, before=attempt.deadline_at)
    score = _score(attempt, counted)
    result = AttemptResult(
        attempt_id=attempt.id,
        submitted_at=min(now, attempt.deadline_at) if closed_by == "deadline" else now,
        closed_by=closed_by,
        percent=score.percent,
        by_standard=score.by_standard,
        passed=score.passed,
        counted_answers={str(item_id): keys for item_id, keys in counted.items()},
    )
    try:
        with db.session.begin_nested():
            db.session.add(result)
    except IntegrityError:
        # A concurrent submission of the same attempt won the race: that one counts.
        db.session.expire(attempt)
        return db.session.scalars(
            select(AttemptResult).where(AttemptResult.attempt_id == attempt.id)
        ).one()
    attempt.result = result
    quiz_scored.send(sender(), attempt=attempt, result=result)
    log.info(
        "attempt %s closed by %s: %s%% passed=%s",
        attempt.id,
        closed_by,
        score.percent,
        score.passed,
    )
    _after_close(attempt)
    return result


def _score(attempt: QuizAttempt, counted: dict[int, list[str]]) -> Score:
    items = [
        ScoredItem(
            item.standard_code, frozenset(item.correct_keys), frozenset(counted.get(item.id, []))
        )
        for item in attempt.items
    ]
    return score_attempt(items, attempt.pass_mark, attempt.thresholds)


def close_if_expired(attempt: QuizAttempt, now: datetime | None = None) -> None:
    """Close an attempt whose time is over, counting what was saved before the deadline."""
    now = now or utcnow()
    if attempt.result is None and now > attempt.deadline_at:
        close_attempt(attempt, "deadline", now)


def _after_close(attempt: QuizAttempt) -> None:
    user = db.session.get(User, attempt.user_id)
    course = db.session.get(Course, attempt.course_id)
    if user is not None and course is not None:
        notify_if_complete(user, course)


# --- The sheet of an attempt: what the question pages need, read in one small query ------------
#
# An attempt's items (the questions and options served, in order) are written once, when it
# starts, and never change; the attempt's own columns neither. The question page and the save of
# an answer, the two requests of a quiz that come dozens of times per trainee, read them from a
# per-process copy (the sheet; one cache per application) and ask the database only for what
# changes: whether the attempt has been closed, and the answers. A copy is used only while the
# attempt row has the same owner, start time and deadline, so a database that is emptied and
# refilled (tests) cannot serve another attempt's questions.


@dataclass(frozen=True, slots=True)
class ServedItem:
    """One question of an attempt as served, without its correct options or explanation."""

    id: int
    position: int
    kind: str
    standard_code: str
    served: Mapping[str, Any]


@dataclass(frozen=True)
class AttemptSheet:
    """The unchanging part of an attempt: its owner, deadline and served questions."""

    id: int
    user_id: int
    started_at: datetime
    deadline_at: datetime
    items: tuple[ServedItem, ...]


class SheetCache:
    """The sheets of the attempts this process served lately (least recently used dropped).

    Every trainee in a quiz needs theirs in every process that serves them (gunicorn hands a
    request to any worker), so the cache must hold as many sheets as trainees are in a quiz at
    once, or most saves load their sheet again: with 500 and 1,500 trainees in a quiz, loading
    sheets was a fifth of the workers' time. A sheet of 20 questions takes about 25 KB (the texts
    are shared between sheets, see _shared: 52 KB before), so the default QUIZ_SHEETS_CACHED of
    3,000 is about 75 MB a process when full; a sheet that was dropped costs one statement (about
    1.5 ms) to load again.
    """

    def __init__(self, size: int = 3000) -> None:
        self._sheets: LRUCache[int, AttemptSheet] = LRUCache(maxsize=size)
        self._lock = threading.Lock()  # gunicorn's threads share it; cachetools does not lock

    def get(self, attempt_id: int) -> AttemptSheet | None:
        with self._lock:
            return self._sheets.get(attempt_id)

    def put(self, sheet: AttemptSheet) -> None:
        with self._lock:
            self._sheets[sheet.id] = sheet


def _sheets() -> SheetCache:
    # One cache per application: two mounted instances may use two databases. Made on first use
    # only (setdefault would build a throwaway cache on every question page).
    cache: SheetCache | None = current_app.extensions.get("lms.attempt_sheets")
    if cache is None:
        size = current_app.config["QUIZ_SHEETS_CACHED"]
        cache = current_app.extensions.setdefault("lms.attempt_sheets", SheetCache(size))
    return cache


# An attempt's owner and times with its items in order, as columns: a sheet that is not cached
# costs one statement and no ORM objects (the ORM's load with its identity map took about 5 ms).
LOAD_SHEET = (
    select(
        QuizAttempt.user_id,
        QuizAttempt.started_at,
        QuizAttempt.deadline_at,
        AttemptItem.id,
        AttemptItem.position,
        AttemptItem.kind,
        AttemptItem.standard_code,
        AttemptItem.served,
    )
    .outerjoin(AttemptItem, AttemptItem.attempt_id == QuizAttempt.id)
    .where(QuizAttempt.id == bindparam("attempt_id"))
    .order_by(AttemptItem.position)
)


def _load_sheet(attempt_id: int) -> AttemptSheet:
    rows = db.session.connection().execute(LOAD_SHEET, {"attempt_id": attempt_id}).all()
    assert rows  # the caller has just read the attempt's row
    first = rows[0]
    return AttemptSheet(
        id=attempt_id,
        user_id=first.user_id,
        started_at=first.started_at,
        deadline_at=first.deadline_at,
        items=tuple(
            ServedItem(row.id, row.position, row.kind, row.standard_code, _served(row.served))
            for row in rows
            if row.id is not None
        ),
    )


# One copy of each question text, option text and language code for all the cached sheets: every
# trainee of a course is served the same texts, which would otherwise be held once per sheet.
# Bounded by the content taught (emptied if it ever grows past the limit).
_TEXTS: dict[str, str] = {}
_TEXTS_LIMIT = 100_000


def _shared(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    if len(_TEXTS) > _TEXTS_LIMIT:
        _TEXTS.clear()
    return _TEXTS.setdefault(text, text)


def _served(served: Mapping[str, Any]) -> dict[str, Any]:
    """What the question pages need of an item as served: the explanation is for the result page,
    and the texts are shared (each option's key is the attempt's own)."""
    return {
        **{
            _shared(key): _shared(value)
            for key, value in served.items()
            if key not in ("explanation", "options")
        },
        "options": [
            {
                _shared(key): value if key == "key" else _shared(value)
                for key, value in option.items()
            }
            for option in served["options"]
        ],
    }


# The state of an attempt and its answers, oldest first (a later record of an item replaces an
# earlier one, as in latest_answers). Built once: it runs on every question page and save.
OPEN_SHEET = (
    select(
        QuizAttempt.user_id,
        QuizAttempt.started_at,
        QuizAttempt.deadline_at,
        AttemptResult.closed_by,
        AnswerRecord.item_id,
        AnswerRecord.chosen_keys,
    )
    .outerjoin(AttemptResult, AttemptResult.attempt_id == QuizAttempt.id)
    .outerjoin(
        AnswerRecord,
        AnswerRecord.item_id.in_(
            select(AttemptItem.id)
            .where(AttemptItem.attempt_id == bindparam("attempt_id"))
            .scalar_subquery()
        ),
    )
    .where(QuizAttempt.id == bindparam("attempt_id"))
    .order_by(AnswerRecord.saved_at, AnswerRecord.id)
)


class OpenedSheet(NamedTuple):
    """An attempt's sheet as a question page or a save needs it, read in one round trip."""

    sheet: AttemptSheet
    closed_by: str | None  # None while the attempt is open
    answers: dict[int, list[str]]  # the last answer saved for each item, as latest_answers


def open_sheet(user: User, attempt_id: int) -> OpenedSheet | None:
    """The sheet of this trainee's attempt, how it was closed and its latest answers.

    None if the attempt is not this trainee's (another trainee's is as good as missing). An
    attempt past its deadline but not yet closed is closed here, as close_if_expired does.
    The attempt's state and its answers come from one statement: the question page is the hot
    path of a quiz under load, and on PostgreSQL each round trip costs more than the query.
    It runs on the session's connection as a Core statement: it reads columns, not objects, so
    the ORM's execution (its events, the centre boundary's options and their cache key) added
    about 0.3 ms a page and nothing else. The boundary has nothing to add here: none of these
    tables belongs to a centre, and the attempt must be the signed-in trainee's own.
    """
    rows = db.session.connection().execute(OPEN_SHEET, {"attempt_id": attempt_id}).all()
    if not rows or rows[0].user_id != user.id:
        return None
    state = rows[0]
    sheet = _sheets().get(attempt_id)
    if sheet is None or (sheet.user_id, sheet.started_at, sheet.deadline_at) != tuple(state[:3]):
        sheet = _load_sheet(attempt_id)
        _sheets().put(sheet)
    closed_by = state.closed_by
    if closed_by is None and utcnow() > sheet.deadline_at:
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        closed_by = close_attempt(attempt, "deadline").closed_by
    answers = {row.item_id: row.chosen_keys for row in rows if row.item_id is not None}
    return OpenedSheet(sheet, closed_by, answers)


def get_attempt_for(user: User, attempt_id: int) -> QuizAttempt | None:
    """An attempt of this trainee (another trainee's attempt is as good as missing)."""
    # One round trip for the attempt, its items and its result (instead of one each).
    attempt = db.session.get(
        QuizAttempt,
        attempt_id,
        options=[joinedload(QuizAttempt.items), joinedload(QuizAttempt.result)],
    )
    return attempt if attempt is not None and attempt.user_id == user.id else None


def result_view(attempt: QuizAttempt) -> list[dict[str, Any]]:
    """Each question with the trainee's answer, the right answer and the explanation (after close)."""
    result = attempt.result
    counted = {int(k): v for k, v in (result.counted_answers if result else {}).items()}
    return [
        {
            "item": item,
            "chosen": counted.get(item.id, []),
            "is_correct": bool(counted.get(item.id))
            and sorted(counted.get(item.id, [])) == sorted(item.correct_keys),
        }
        for item in attempt.items
    ]
