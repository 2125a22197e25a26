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
- No explanation names an option by its letter in the file ("Option c gives...", "les options a et
  b", "选项a", "الخيار (ب)"): options are shuffled for every attempt and shown without letters, so the
  trainee cannot tell which option is meant. The explanation names the option by its content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

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

# A word for "option" (or "answer") followed by a letter a-f: the letter in the file, which the trainee
# never sees. Arabic writes the word with its attached prefixes (والخيار, فالخياران) and the letters
# أ ب ج د هـ و, usually in parentheses; Chinese writes no space (选项a, 答案B).
OPTION_WORDS = {
    "en": r"(?<!\w)(?:options?|answers?|choices?)\s+",
    "fr": r"(?<!\w)(?:options?|réponses?|propositions?|choix)\s+",
    "es": r"(?<!\w)(?:opci[oó]n|opciones|respuestas?|alternativas?)\s+",
    "ru": r"(?<!\w)(?:вариант|ответ)\w{0,3}\s+",
    "zh": r"(?:选项|答案)\s*",
    "ar": r"(?<!\w)[وفبلك]?(?:ال)?(?:خيار(?:ان|ين|ات)?|إجاب(?:ة|تان|تين|ات)|بديل)\s+",
}
_LETTER = r"(?:[a-fA-F]|[а-еА-Е]|هـ|[أبجدهو])"
# After a bare letter that is also a word of the language (the English article "a", the French verb
# "a", the Spanish "a" and "e", the Russian "а" and "в", the Arabic "و" written apart), the letter is a
# label only when punctuation, another letter of a list or a verb follows: "the option a trainee
# picks", "l'option a été retirée", "la opción a elegir" are ordinary sentences.
_AMBIGUOUS = {"en": "a", "fr": "a", "es": "ae", "ru": "ав", "ar": "و"}
_LABEL_FOLLOWS = (
    r"\s*(?:$|[.,;:!?)\]»”—–、，。；：]|(?:and|or|et|ou|y|o|и|или|和|或)\s*\(?"
    + _LETTER
    + r"(?!\w))"
)
_VERB_FOLLOWS = {
    "en": r"\s+(?:is|was|seems|sounds|looks|feels|can|could|may|might|must|should|would|will|does|"
    r"did|has|had|\w+[^\Wsiu]s)\b",
    "fr": r"\s+(?:est|était|sera|serait|para[iî]t|semble|peut|pourrait|doit|reste|correspond|confond|"
    r"repose|ressemble|traduit|décrit|définit|donne|évite|inverse|applique|enfreint|piège|ne|n['’]|se|"
    r"s['’])",
    "es": r"\s+(?:es|era|será|sería|parece|puede|podría|debe|resulta|suena|confunde|invierte|evita|"
    r"aplica|infringe|se)\b",
}
LETTER_REFERENCE = {
    language: re.compile(
        words
        + r"(?P<open>[(«“\"‘]\s*)?(?P<letter>"
        + _LETTER
        + r")(?(open)\s*[)»”\"’])"
        + (r"(?![A-Za-z0-9'’-])" if language == "zh" else r"(?![\w'’-])"),
        re.IGNORECASE if language != "zh" else 0,
    )
    for language, words in OPTION_WORDS.items()
}


def names_option_by_letter(text: str, language: str) -> str | None:
    """The words of `text` that name an option by its letter ("Option c", "选项b"), or None."""
    for language_pattern in [language] if language in LETTER_REFERENCE else list(LETTER_REFERENCE):
        for match in LETTER_REFERENCE[language_pattern].finditer(text):
            letter = match.group("letter")
            if not match.group("open") and letter in _AMBIGUOUS.get(language_pattern, ""):
                rest = text[match.end() :]
                verb = _VERB_FOLLOWS.get(language_pattern)
                if not (
                    re.match(_LABEL_FOLLOWS, rest) or (verb and re.match(verb, rest, re.IGNORECASE))
                ):
                    continue
            return match.group(0).strip()
    return None


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
    if not right or not wrong or not sum(wrong):
        return None
    # The means' ratio; sum / len of integers is the same correctly rounded float as statistics.mean,
    # at a fraction of its cost.
    return (sum(right) / len(right)) / (sum(wrong) / len(wrong))


def check_bank(questions: Sequence[QuestionSpec], languages: Sequence[str]) -> list[Finding]:
    """Every finding for a bank, in every language given (English first)."""
    findings: list[Finding] = []
    for language in languages:
        findings.extend(_length_findings(questions, language))
    findings.extend(_count_findings(questions))
    findings.extend(_catch_all_findings(questions, languages))
    findings.extend(_negative_stem_findings(questions))
    for language in languages:
        findings.extend(_letter_reference_findings(questions, language))
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


def _letter_reference_findings(questions: Sequence[QuestionSpec], language: str) -> list[Finding]:
    found: dict[str, str] = {}
    for question in questions:
        text = question.content.get("explanation", {}).get(language, "")
        words = names_option_by_letter(text, language) if text else None
        if words:
            found[question.id] = words
    if not found:
        return []
    example = next(iter(found.values()))
    return [
        Finding(
            f'an explanation names an option by its letter (e.g. "{example}"); options are shuffled'
            " and shown without letters, so name the option by what it says",
            tuple(found),
            language,
        )
    ]
