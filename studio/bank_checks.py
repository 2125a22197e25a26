"""Checks that a question bank cannot be gamed by test-wise guessing (item-writing rules).

Run by the loader on every bank, in every language of the course, so a course written in the studio
meets the same rules as the bundled ones. Each finding names the questions it is about.

- The correct option is strictly the longest option of at most 35% of single-answer and scenario
  questions: with four options of varied length, chance alone gives about 25%.
- Correct options are not systematically longer: the median, over choice questions, of the length of
  the correct option(s) divided by the mean length of the wrong ones is at most 1.2.
- "Select all that apply" questions do not always have the same number of correct options.
- No option reads "all of the above", "none of these" or the like, in any language.
- A negative stem shows its negation in capitals (NOT, EXCEPT, NEVER, LEAST, CANNOT).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean, median

from studio.questions import QuestionSpec

LONGEST_CORRECT_MAX = 0.35
LENGTH_RATIO_MAX = 1.2
CHOICE_KINDS = {"single", "scenario"}

# "All/none of the above" and their kin, in the languages courses are written in.
CATCH_ALL = re.compile(
    r"\b(all|none|both|neither) of (the )?(above|these|those|them|the options)\b"
    r"|\ball (the )?(answers|options) (above )?are correct\b"
    r"|\btoutes? les (réponses|propositions|options) ci-dessus\b|\baucune (des|de ces) (réponses|propositions)\b"
    r"|\btodas las anteriores\b|\bninguna de las anteriores\b"
    r"|\bвсе (вышеперечисленное|перечисленное)\b|\bничего из (вышеперечисленного|перечисленного)\b"
    r"|以上都|以上皆|以上全部|以上均|以上各项都|都不是"
    r"|جميع ما (سبق|ذكر)|كل ما سبق|لا شيء مما (سبق|ذكر)",
    re.IGNORECASE,
)
# Words that turn a stem negative; written in lower case they are easy to miss under exam stress.
NEGATIONS = re.compile(r"\b(not|except|never|least|cannot|\w+n't)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One problem of a bank: what is wrong, and which questions it is about."""

    message: str
    questions: tuple[str, ...]
    language: str | None = None

    def __str__(self) -> str:
        where = f" [{self.language}]" if self.language else ""
        return f"{self.message}{where}: {', '.join(self.questions)}"


def _options(question: QuestionSpec, language: str) -> list[tuple[str, bool]]:
    return [
        (option["text"].get(language) or option["text"].get("en", ""), option["correct"])
        for option in question.content.get("options", [])
    ]


def _length_ratio(options: list[tuple[str, bool]]) -> float | None:
    right = [len(text) for text, correct in options if correct]
    wrong = [len(text) for text, correct in options if not correct]
    if not right or not wrong or not mean(wrong):
        return None
    return mean(right) / mean(wrong)


def check_bank(questions: Sequence[QuestionSpec], languages: Sequence[str]) -> list[Finding]:
    """Every finding for a bank, in every language given (English first)."""
    findings: list[Finding] = []
    for language in languages:
        findings.extend(_length_findings(questions, language))
    findings.extend(_count_findings(questions))
    findings.extend(_catch_all_findings(questions, languages))
    findings.extend(_negative_stem_findings(questions))
    return findings


def _length_findings(questions: Sequence[QuestionSpec], language: str) -> list[Finding]:
    findings = []
    choice = [q for q in questions if q.kind in CHOICE_KINDS]
    longest = []
    for question in choice:
        options = _options(question, language)
        right = max((len(text) for text, correct in options if correct), default=0)
        wrong = max((len(text) for text, correct in options if not correct), default=0)
        if options and right > wrong:
            longest.append(question.id)
    if choice and len(longest) / len(choice) > LONGEST_CORRECT_MAX:
        findings.append(
            Finding(
                f"the correct option is the longest in {len(longest)} of {len(choice)} single-answer"
                f" and scenario questions ({len(longest) / len(choice):.0%}; at most"
                f" {LONGEST_CORRECT_MAX:.0%} allowed)",
                tuple(longest),
                language,
            )
        )
    ratios = {}
    for question in questions:
        if question.kind in CHOICE_KINDS | {"multiple"}:
            ratio = _length_ratio(_options(question, language))
            if ratio is not None:
                ratios[question.id] = ratio
    if ratios and median(ratios.values()) > LENGTH_RATIO_MAX:
        worst = sorted(ratios, key=lambda qid: -ratios[qid])[: max(1, len(ratios) // 2)]
        findings.append(
            Finding(
                f"correct options are systematically longer than wrong ones (median length ratio"
                f" {median(ratios.values()):.2f}; at most {LENGTH_RATIO_MAX} allowed); longest"
                " relative to their wrong options",
                tuple(worst),
                language,
            )
        )
    return findings


def _count_findings(questions: Sequence[QuestionSpec]) -> list[Finding]:
    multiple = [q for q in questions if q.kind == "multiple"]
    counts = {q.id: sum(1 for o in q.content.get("options", []) if o["correct"]) for q in multiple}
    if len(multiple) >= 2 and len(set(counts.values())) == 1:
        only = next(iter(counts.values()))
        return [
            Finding(
                f"every select-all question has exactly {only} correct options; vary the number",
                tuple(counts),
            )
        ]
    return []


def _catch_all_findings(
    questions: Sequence[QuestionSpec], languages: Sequence[str]
) -> list[Finding]:
    found = []
    for question in questions:
        for option in question.content.get("options", []):
            texts = option["text"]
            if any(CATCH_ALL.search(texts.get(language, "")) for language in languages):
                found.append(question.id)
                break
    if not found:
        return []
    return [Finding('an option says "all of the above", "none of these" or the like', tuple(found))]


def _negative_stem_findings(questions: Sequence[QuestionSpec]) -> list[Finding]:
    found = [
        question.id
        for question in questions
        if any(
            not word.isupper()
            for word in NEGATIONS.findall(question.content.get("text", {}).get("en", ""))
        )
    ]
    if not found:
        return []
    return [
        Finding(
            "a negative stem must show its negation in capitals (NOT, EXCEPT, NEVER, LEAST, CANNOT)",
            tuple(found),
        )
    ]
