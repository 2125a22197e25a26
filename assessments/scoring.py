"""Scoring against standards: a pure function of what was asked, what was answered and the rules.

Rules (shown on the quiz page):
- single choice, scenario and true/false: a question scores 1 when the chosen option is the correct
  one, else 0; multiple choice ("select all that apply"): 1 only when exactly the correct options are
  chosen (no partial credit), else 0; an unanswered question scores 0.
- The overall percentage is the share of questions scored; each standard's percentage is the share
  of its own questions.
- The attempt passes only when the overall percentage reaches the course's pass mark AND every
  standard reaches its own mastery threshold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ScoredItem:
    """One question as served: its standard, its correct option keys and the keys chosen."""

    standard: str
    correct: frozenset[str]
    chosen: frozenset[str]

    @property
    def is_correct(self) -> bool:
        return bool(self.chosen) and self.chosen == self.correct


@dataclass(frozen=True)
class Score:
    """The outcome of an attempt."""

    percent: float
    by_standard: dict[str, float]
    passed: bool
    weak_standards: tuple[str, ...]


def needed(count: int, percent: float) -> int:
    """How many right answers out of `count` reach `percent` (the smallest k with k/count >= percent)."""
    return math.ceil(count * percent / 100 - 1e-9)


def _percent(correct: int, total: int) -> float:
    return round(100.0 * correct / total, 2) if total else 0.0


def score_attempt(
    items: Iterable[ScoredItem], pass_mark: float, thresholds: Mapping[str, float]
) -> Score:
    """Score an attempt overall and per standard, and decide whether it passes."""
    items = list(items)
    totals: dict[str, list[int]] = {code: [0, 0] for code in thresholds}
    for item in items:
        counts = totals.setdefault(item.standard, [0, 0])
        counts[0] += int(item.is_correct)
        counts[1] += 1
    by_standard = {code: _percent(right, total) for code, (right, total) in totals.items()}
    percent = _percent(sum(item.is_correct for item in items), len(items))
    weak = tuple(
        sorted(code for code, value in by_standard.items() if value < thresholds.get(code, 0))
    )
    passed = bool(items) and percent >= pass_mark and not weak
    return Score(percent, by_standard, passed, weak)
