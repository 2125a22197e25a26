"""Does a quiz's pass rule measure mastery? The chance of passing one attempt, under a binomial model.

The model: a trainee answers each question correctly with the same probability p, independently.
An attempt draws `per_standard` questions for each of `standards` standards; it passes when every
standard has at least `standard_threshold` percent right and the whole attempt at least `pass_mark`
percent (assessments.scoring). A rule measures mastery when a trainee at 90% passes an attempt with
probability at least 0.9 and one at 60% fails it with probability at least 0.9.

Why not scipy: the binomial probabilities are one line of `math.comb`; what no statistics library
offers is the joint condition (every standard over its threshold *and* the total over the mark),
which is the small convolution below. Pulling in numpy and scipy (about 80 MB) for one line would not
pay for itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

from assessments.scoring import needed

MASTER = 0.9  # a trainee who knows 90% of the material...
MASTER_PASSES = 0.9  # ...passes an attempt at least this often
NOVICE = 0.6  # a trainee who knows 60%...
NOVICE_FAILS = 0.9  # ...fails an attempt at least this often


def pass_probability(
    p: float, standards: int, per_standard: int, standard_threshold: float, pass_mark: float
) -> float:
    """The probability that a trainee who answers each item right with probability p passes."""
    floor = needed(per_standard, standard_threshold)
    one_standard = [
        comb(per_standard, k) * p**k * (1 - p) ** (per_standard - k) if k >= floor else 0.0
        for k in range(per_standard + 1)
    ]
    total = [1.0]  # distribution of the number right, over the standards that passed so far
    for _ in range(standards):
        combined = [0.0] * (len(total) + per_standard)
        for right_so_far, chance in enumerate(total):
            for right_here, chance_here in enumerate(one_standard):
                combined[right_so_far + right_here] += chance * chance_here
        total = combined
    return sum(total[needed(standards * per_standard, pass_mark) :])


@dataclass(frozen=True)
class PassRuleReport:
    """The two figures of a course's rule, and whether they meet the targets."""

    master_passes: float
    novice_fails: float

    @property
    def problems(self) -> list[str]:
        found = []
        if self.master_passes < MASTER_PASSES:
            found.append(
                f"a trainee who answers {MASTER:.0%} of items right passes an attempt with"
                f" probability {self.master_passes:.3f} (at least {MASTER_PASSES} is required)"
            )
        if self.novice_fails < NOVICE_FAILS:
            found.append(
                f"a trainee who answers {NOVICE:.0%} of items right fails an attempt with"
                f" probability {self.novice_fails:.3f} (at least {NOVICE_FAILS} is required)"
            )
        return found


def check_pass_rule(
    standards: int, per_standard: int, standard_threshold: float, pass_mark: float
) -> PassRuleReport:
    """Both probabilities for one course's rule."""
    rule = (standards, per_standard, standard_threshold, pass_mark)
    return PassRuleReport(
        master_passes=pass_probability(MASTER, *rule),
        novice_fails=1 - pass_probability(NOVICE, *rule),
    )
