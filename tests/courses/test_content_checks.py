"""Content validity: the pass rule measures mastery, banks cannot be gamed, one term per language,
a worked scenario in every lesson; the loader refuses a package that fails, the bundled ones pass."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from assessments.scoring import ScoredItem, score_attempt
from lms.yamlfile import PackageError
from studio.bank_checks import check_bank
from studio.content_checks import (
    glossary_findings,
    lessons_without_scenario,
    load_glossaries,
    texts_in,
)
from studio.loader import read_catalog
from studio.pass_rule import check_pass_rule, pass_probability
from studio.questions import QuestionSpec
from tests.courses.factories import edit_yaml, write_package

# ---------------------------------------------------------------- the pass rule


def _by_enumeration(p, standards, per_standard, threshold, mark):
    """The same probability the slow way: every pattern of right and wrong answers, scored by the
    scoring module itself."""
    total = 0.0
    codes = [f"S-{n}" for n in range(standards)]
    for pattern in itertools.product([True, False], repeat=standards * per_standard):
        items = [
            ScoredItem(codes[i // per_standard], frozenset("a"), frozenset("a" if right else "b"))
            for i, right in enumerate(pattern)
        ]
        if score_attempt(items, mark, {code: threshold for code in codes}).passed:
            right = sum(pattern)
            total += p**right * (1 - p) ** (len(pattern) - right)
    return total


@pytest.mark.parametrize(
    "rule", [(2, 3, 60, 80), (3, 2, 50, 75), (2, 4, 75, 70), (1, 6, 80, 80), (3, 3, 67, 60)]
)
@pytest.mark.parametrize("p", [0.9, 0.6, 0.75])
def test_pass_probability_matches_scoring_every_answer_pattern(rule, p):
    assert pass_probability(p, *rule) == pytest.approx(_by_enumeration(p, *rule), abs=1e-12)


def test_the_old_rule_failed_masters_and_the_bundled_rule_does_not():
    old = check_pass_rule(standards=4, per_standard=3, standard_threshold=80, pass_mark=80)
    assert old.master_passes < 0.3  # one wrong answer failed the attempt
    assert old.problems and "0.282" in old.problems[0]
    for standards in (4, 5):
        new = check_pass_rule(standards, per_standard=5, standard_threshold=60, pass_mark=80)
        assert new.master_passes >= 0.9 and new.novice_fails >= 0.9 and not new.problems


def test_the_loader_refuses_a_rule_that_does_not_measure_mastery(tmp_path):
    path = write_package(tmp_path)
    edit_yaml(path / "course.yaml", lambda data: data["quiz"].update(standard_threshold=100))
    with pytest.raises(PackageError) as error:
        read_catalog(tmp_path)
    assert "pass rule: a trainee who answers 90% of items right passes an attempt" in str(
        error.value
    )


def test_the_loader_refuses_a_pool_too_small_for_attempts_without_repeats(tmp_path):
    path = write_package(tmp_path)
    edit_yaml(path / "questions.yaml", lambda data: data.update(questions=data["questions"][:-1]))
    with pytest.raises(PackageError) as error:
        read_catalog(tmp_path)
    assert "standard SEA-2 has 15 questions; 16 are needed so that 2 attempts never repeat" in str(
        error.value
    )


# ---------------------------------------------------------------- bank checks


def _question(qid, kind="single", right=("a",), options=None, stem=None, standard="S-1"):
    options = options or {"a": "Report it now", "b": "Wait for news", "c": "Ask a friend!"}
    content = {
        "text": {"en": stem or f"What do you do in case {qid}?"},
        "explanation": {"en": "Because."},
        "options": [
            {"id": oid, "text": {"en": text}, "correct": oid in right}
            for oid, text in options.items()
        ],
    }
    return QuestionSpec(qid, standard, kind, content)


def _findings(bank):
    found = check_bank(bank, ["en"])
    return {finding.message.split(" (")[0].split(";")[0]: finding for finding in found}


def test_a_balanced_bank_has_no_finding():
    bank = [
        _question("q1", right=("a",)),
        _question("q2", right=("b",)),
        _question("q3", kind="scenario", right=("c",)),
        _question("q4", kind="multiple", right=("a", "b")),
        _question("q5", kind="multiple", right=("c",)),
        _question("q6", stem="Which of these is NOT allowed?"),
    ]
    assert check_bank(bank, ["en"]) == []


def test_a_bank_whose_right_answers_are_the_longest_is_refused():
    long_right = {"a": "Report it at once through the channels", "b": "Wait", "c": "Ignore"}
    bank = [_question(f"q{n}", options=long_right) for n in range(3)]
    bank += [_question(f"s{n}", kind="scenario", right=("b",)) for n in range(4)]
    found = _findings(bank)
    longest = found[
        "the correct option is the longest in 3 of 7 single-answer and scenario questions"
    ]
    assert longest.questions == ("q0", "q1", "q2") and longest.language == "en"
    assert "systematically longer" not in str(found)  # the median question is balanced
    bank += [
        _question(f"m{n}", kind="multiple", right=("a",), options=long_right) for n in range(2)
    ]
    ratio = _findings(bank)["correct options are systematically longer than wrong ones"]
    assert set(ratio.questions) == {"q0", "q1", "q2", "m0"}


def test_select_all_questions_must_vary_their_number_of_right_options():
    bank = [_question(f"m{n}", kind="multiple", right=("a", "b")) for n in range(3)]
    found = _findings(bank)["every select-all question has exactly 2 correct options"]
    assert found.questions == ("m0", "m1", "m2")
    assert check_bank(bank + [_question("m3", kind="multiple", right=("c",))], ["en"]) == []


def test_catch_all_options_and_quiet_negations_are_named():
    bank = [
        _question("c1", options={"a": "Report it", "b": "All of the above", "c": "Wait a bit"}),
        _question("c2", options={"a": "Report it", "b": "None of these", "c": "Wait a bit"}),
        _question("n1", stem="Which of these is not allowed?"),
        _question("n2", stem="Which of these is NOT allowed?"),
        _question("n3", stem="Which step would you do last, except the report?"),
    ]
    found = _findings(bank)
    assert found['an option says "all of the above", "none of these" or the like'].questions == (
        "c1",
        "c2",
    )
    assert found["a negative stem must show its negation in capitals"].questions == ("n1", "n3")


def test_the_checks_run_in_every_language():
    options = {"a": "Signaler", "b": "Attendre", "c": "Ignorer"}
    question = _question("q1")
    for option in question.content["options"]:
        option["text"]["fr"] = options[option["id"]] + (
            " immédiatement par écrit" if option["correct"] else ""
        )
    findings = check_bank([question], ["en", "fr"])
    assert {finding.language for finding in findings} == {"fr"}
    french = _question(
        "q2", options={"a": "Signaler", "b": "Toutes les réponses ci-dessus", "c": "Non"}
    )
    assert any("all of the above" in f.message for f in check_bank([french], ["en"]))


def _explained(qid, **explanation):
    question = _question(qid, right=("b",))
    question.content["explanation"] = explanation
    return question


def test_an_explanation_naming_an_option_by_its_letter_is_refused_in_each_language():
    # Options are shuffled per attempt and shown without letters: "option c" means nothing on screen.
    bank = [
        _explained("en1", en="Option c gives the time and guesses nothing."),
        _explained("en2", en="Options a, b and c each trade a job or food for sex."),
        _explained("en3", en="Sexual harassment concerns colleagues, so option a misplaces it."),
        _explained("fr1", fr="L'option c donne l'heure et ne suppose rien."),
        _explained("fr2", fr="Les options b et d sont donc fausses elles aussi."),
        _explained("ar1", ar="أما الخيار (ب) فهو تعريف الانتهاك الجنسي."),
        _explained("ar2", ar="والخيار ج يذكر الوقت والاتجاه."),
        _explained("ar3", ar="ولذلك فالخياران (ب) و(د) خاطئان أيضاً."),
        _explained("zh1", zh="选项a、b、c都是利用工作、食物或职权获取性。"),
        _explained("es1", es="Las opciones a y b son tentadoras."),
        _explained("ru1", ru="Многие ожидают варианта a, поскольку действие произошло там."),
    ]
    findings = check_bank(bank, ["en", "fr", "zh", "ar", "es", "ru"])
    named = {f.language: f.questions for f in findings if "by its letter" in f.message}
    assert named == {
        "en": ("en1", "en2", "en3"),
        "fr": ("fr1", "fr2"),
        "ar": ("ar1", "ar2", "ar3"),
        "zh": ("zh1",),
        "es": ("es1",),
        "ru": ("ru1",),
    }
    english = next(f for f in findings if f.language == "en")
    assert 'e.g. "Option c"' in str(english) and str(english).endswith("[en]: en1, en2, en3")


def test_option_as_an_ordinary_word_and_a_as_an_article_pass():
    legitimate = _explained(
        "ok",
        en="Choosing the safest option a second time is not enough; every option a trainee"
        " picks is logged, and the other options confuse the timeline.",
        fr="Cette option a été retirée ; l'option d'un report reste ouverte.",
        es="No es la opción a elegir si hay heridos.",
        ru="Руководители проходят отдельный вариант, потому что этот вариант в целом шире.",
        zh="其他选项要么弄错了时间单位，要么描述的是人员配置比例。",
        ar="أما الخيارات الأخرى فتخلط وحدات الزمن، والمسار يتجاهل هذا الخيار، والخيار بين أمرين صعب.",
    )
    assert check_bank([legitimate], ["en", "fr", "zh", "ar", "es", "ru"]) == []


def test_the_loader_refuses_an_explanation_that_names_an_option_by_letter(tmp_path):
    path = write_package(tmp_path)

    def name_by_letter(data):
        data["questions"][0]["explanation"]["fr"] = "L'option b est la bonne."

    edit_yaml(path / "questions.yaml", name_by_letter)
    with pytest.raises(PackageError) as error:
        read_catalog(tmp_path)
    assert 'names an option by its letter (e.g. "option b")' in str(error.value)
    assert "[fr]" in str(error.value)


# ---------------------------------------------------------------- glossary and scenarios


def test_a_glossary_variant_is_found_where_it_is_written(tmp_path):
    path = write_package(tmp_path)
    lesson = path / "lessons" / "01-first-steps.fr.md"
    lesson.write_text(lesson.read_text() + "\nUn soldat de la paix signale.\n", encoding="utf-8")
    edit_yaml(
        path / "questions.yaml",
        lambda data: data["questions"][0]["text"].update(fr="Que fait le gardien de la paix ?"),
    )
    found = glossary_findings([lesson, path / "questions.yaml"])
    assert [(p.path.name, p.message.split(" for ")[0]) for p in found] == [
        ("01-first-steps.fr.md", "[fr] 'soldat de la paix'"),
        ("questions.yaml", "[fr] 'gardien de la paix'"),
    ]
    assert "use 'Casque bleu" in found[0].message


def test_an_official_title_may_keep_its_wording(tmp_path):
    lesson = tmp_path / "01-x.fr.md"
    lesson.write_text(
        "Dispositions spéciales visant à prévenir l'exploitation et les abus sexuels", "utf-8"
    )
    assert glossary_findings([lesson]) == []
    lesson.write_text("Les abus sexuels sont interdits.", "utf-8")
    assert len(glossary_findings([lesson])) == 1


def test_every_glossary_names_the_same_concepts():
    glossaries = load_glossaries()
    assert {"fr", "zh", "ar"} <= set(glossaries)
    concepts = {language: {t.concept for t in terms} for language, terms in glossaries.items()}
    assert len({frozenset(c) for c in concepts.values()}) == 1, concepts
    assert all(term.avoid for terms in glossaries.values() for term in terms)


def test_texts_in_reads_one_language_of_any_yaml_shape():
    data = yaml.safe_load("a: {en: x, fr: y}\nb: [{text: {fr: z}}, {fr: 3}]\n")
    assert list(texts_in(data, "fr")) == ["y", "z"]


def test_a_lesson_without_a_worked_scenario_is_named(tmp_path):
    write_package(tmp_path)
    package = read_catalog(tmp_path)[0]
    assert lessons_without_scenario(package) == [
        "first-steps (en)",
        "first-steps (fr)",
        "second-steps (en)",
        "second-steps (fr)",
    ]


# ---------------------------------------------------------------- the bundled courses


@pytest.fixture(scope="module")
def bundled():
    return read_catalog()  # the loader's own checks (pass rule, pools, banks) run here


def test_bundled_banks_are_large_and_clean(bundled):
    for package in bundled:
        assert package.quiz["questions_per_standard"] * 3 <= min(
            sum(1 for q in package.questions if q.standard == code) for code in package.standards
        )
        assert check_bank(package.questions, package.languages) == [], package.slug


def test_bundled_courses_use_one_term_per_language(bundled):
    from assessments.catalog import RUBRICS_DIR, STANDARDS_DIR

    files: list[Path] = sorted(STANDARDS_DIR.glob("*.yaml")) + sorted(RUBRICS_DIR.glob("*.yaml"))
    for package in bundled:
        files += [package.path / "course.yaml", package.path / "questions.yaml"]
        files += sorted((package.path / "lessons").glob("*.md"))
    assert [str(problem) for problem in glossary_findings(files)] == []


def test_every_bundled_lesson_has_a_worked_scenario_in_every_language(bundled):
    for package in bundled:
        assert lessons_without_scenario(package) == [], package.slug


# ---------------------------------------------------------------- six languages


def _language_maps(data, where=""):
    """Every {language: text} mapping of a YAML document, with where it sits."""
    if isinstance(data, dict):
        if "en" in data and all(isinstance(v, str) for v in data.values()):
            yield where, data
            return
        for key, value in data.items():
            yield from _language_maps(value, f"{where}/{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            label = value.get("id", index) if isinstance(value, dict) else index
            yield from _language_maps(value, f"{where}/{label}")


def test_every_bundled_text_is_in_the_six_un_languages():
    """Lessons, every question, option and explanation, course titles and summaries, standards
    and rubrics: a text missing in any of the six languages fails here, wherever it is."""
    from assessments.catalog import RUBRICS_DIR, STANDARDS_DIR
    from lms.settings import LANGUAGES
    from studio.loader import CATALOG_DIR

    assert set(LANGUAGES) == {"en", "fr", "zh", "ar", "es", "ru"}
    files = [
        *CATALOG_DIR.glob("*/course.yaml"),
        *CATALOG_DIR.glob("*/questions.yaml"),
        *STANDARDS_DIR.glob("*.yaml"),
        *RUBRICS_DIR.glob("*.yaml"),
    ]
    assert len(files) >= 6 + 3
    gaps, maps = [], 0
    for path in files:
        for where, texts in _language_maps(yaml.safe_load(path.read_text(encoding="utf-8"))):
            maps += 1
            missing = [code for code in LANGUAGES if not texts.get(code, "").strip()]
            if missing:
                gaps.append(f"{path.parent.name}/{path.name}{where}: {missing}")
    for manifest in CATALOG_DIR.glob("*/course.yaml"):
        languages = yaml.safe_load(manifest.read_text(encoding="utf-8"))["languages"]
        if set(languages) != set(LANGUAGES):
            gaps.append(f"{manifest.parent.name}: teaches in {languages}")
    for english in CATALOG_DIR.glob("*/lessons/*.en.md"):
        for code in LANGUAGES:
            sibling = english.with_name(english.name.replace(".en.md", f".{code}.md"))
            if not sibling.is_file() or not sibling.read_text(encoding="utf-8").strip():
                gaps.append(f"{english.parent.parent.name}: no {sibling.name}")
    assert maps > 1000
    assert gaps == []
