"""The scoring module: unit and property-based tests."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import ScoredItem, score_attempt

STANDARDS = ["SEA-1", "SEA-2", "SEA-3"]
KEYS = ["a", "b", "c", "d"]


def item(standard, correct, chosen):
    return ScoredItem(standard, frozenset(correct), frozenset(chosen))


def test_all_correct_passes():
    items = [item(code, "a", "a") for code in STANDARDS for _ in range(3)]
    score = score_attempt(items, 80, dict.fromkeys(STANDARDS, 80))
    assert score.percent == 100 and score.passed and score.weak_standards == ()


def test_multiple_choice_needs_exactly_the_correct_set():
    assert item("SEA-1", "ab", "ab").is_correct
    assert not item("SEA-1", "ab", "a").is_correct
    assert not item("SEA-1", "ab", "abc").is_correct
    assert not item("SEA-1", "a", "").is_correct


def test_high_overall_but_one_weak_standard_fails():
    items = [item("SEA-1", "a", "a")] * 9 + [item("SEA-2", "a", "a"), item("SEA-2", "a", "b")]
    score = score_attempt(items, 80, {"SEA-1": 80, "SEA-2": 80})
    assert score.percent > 80
    assert score.by_standard == {"SEA-1": 100.0, "SEA-2": 50.0}
    assert not score.passed and score.weak_standards == ("SEA-2",)


def test_every_standard_met_but_overall_below_pass_mark_fails():
    items = [
        item("SEA-1", "a", "a"),
        item("SEA-1", "a", "b"),
        item("SEA-2", "a", "a"),
        item("SEA-2", "a", "b"),
    ]
    score = score_attempt(items, 80, {"SEA-1": 50, "SEA-2": 50})
    assert score.percent == 50 and score.weak_standards == () and not score.passed


def test_an_empty_attempt_fails():
    score = score_attempt([], 0, {})
    assert score.percent == 0 and not score.passed


items_strategy = st.lists(
    st.builds(
        item,
        st.sampled_from(STANDARDS),
        st.sets(st.sampled_from(KEYS), min_size=1, max_size=3),
        st.sets(st.sampled_from(KEYS), max_size=4),
    ),
    max_size=40,
)


@given(
    items_strategy,
    st.integers(0, 100),
    st.dictionaries(st.sampled_from(STANDARDS), st.integers(0, 100)),
)
def test_percentages_are_within_bounds(items, pass_mark, thresholds):
    score = score_attempt(items, pass_mark, thresholds)
    assert 0 <= score.percent <= 100
    assert all(0 <= value <= 100 for value in score.by_standard.values())


@given(
    items_strategy,
    st.integers(0, 100),
    st.dictionaries(st.sampled_from(STANDARDS), st.integers(0, 100)),
)
def test_pass_only_when_overall_and_every_standard_pass(items, pass_mark, thresholds):
    score = score_attempt(items, pass_mark, thresholds)
    every_standard = all(
        score.by_standard[code] >= threshold for code, threshold in thresholds.items()
    )
    assert score.passed == (bool(items) and score.percent >= pass_mark and every_standard)


@given(items_strategy)
def test_overall_is_the_share_of_correct_items(items):
    score = score_attempt(items, 0, {})
    if items:
        assert abs(score.percent - 100 * sum(i.is_correct for i in items) / len(items)) < 0.01
