"""Whether the best answer to a question is worth suggesting: a small calibrated model.

A fixed cut on the score punished long, polite questions: every word no article uses
("tacksam", "sekreterare") lowered the score, though the words that *are* about IT were
answered well. Here a logistic regression weighs a handful of measurements of the question
and its best candidate, in units that mean the same in a knowledge base of ten articles or
ten thousand: how much of the informative words the best article answers, how much of all
words, how strong its best single match is, how far it leads the runner-up, and how much of
the question is about something else, and how much of what the best article answers the
other candidates do not. Words that only say where the question happens ("på bussen", "i
bygglovsansökan") are left out of what is about something else. The coefficients and the
cut are data
(``data/confidence.yaml``), fitted by ``benchmarks/kb_confidence.py`` on labelled questions.

When the best article has example questions (``memory.py``), a second model weighs the same
measurements and three more: how close the question is to that article's examples, to the
examples of the runner-ups, and to questions no article answers. An article without examples
(a new one) is judged by the words alone, exactly as before examples existed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from bot.knowledge.search import Candidate, Question

_DATA = Path(__file__).with_name("data") / "confidence.yaml"
FEATURES = (
    "answered_known",  # share of the informative words' weight the best article answers
    "answered_all",  # share of the subject's weight, its unknown and foreign words too
    "evidence",  # the answered weight in units of the rarest word's, capped
    "strongest",  # the best single word's match in the same unit
    "similarity",  # rapidfuzz of title and tags against the question, 0..1
    "lead",  # the best score's lead over the runner-up, 0..1
    "unknown",  # share of the question's words no article uses, outside its setting
    "foreign",  # whether a word of another domain ("bygglov") is in it, outside its setting
    "distinct",  # share of the best article's matches the other candidates do not match
    "unanswered_action",  # a how-to question: share of what it wants done the best misses
)
MEMORY_FEATURES = (
    "example",  # closeness of the question to the best article's nearest example, 0..1
    "rival_example",  # the same for the next candidates' examples
    "unanswered_example",  # closeness to the nearest question no article answers
)
EVIDENCE_CAP = 3.0
# The least probability of being right at which a best article below the cut is still worth
# offering as "maybe this one?": more likely right than not, with a margin. Chosen on the
# tuning sets (docs/benchmarks.md, "maybe this one?"), then measured once on a blind set.
MAYBE = 0.6


@dataclass(frozen=True, slots=True)
class Model:
    intercept: float
    coefficients: tuple[float, ...]
    cut: float  # the least probability of being right that is worth suggesting

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + sum(c * x for c, x in zip(self.coefficients, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True, slots=True)
class Judge:
    """The words-only model, and the model with the memory's evidence when there is one."""

    words: Model
    examples: Model | None = None

    def accepts(self, measured: Sequence[float], recalled: Sequence[float] | None) -> bool:
        probability, cut = self.judged(measured, recalled)
        return probability >= cut

    def judged(
        self, measured: Sequence[float], recalled: Sequence[float] | None
    ) -> tuple[float, float]:
        """The probability that the best candidate is right, and the cut for suggesting it."""
        if recalled is None or self.examples is None:
            return self.words.probability(measured), self.words.cut
        return self.examples.probability((*measured, *recalled)), self.examples.cut


def features(question: Question, candidates: Sequence[Candidate]) -> tuple[float, ...]:
    """The measurements the model weighs, of the question and its best candidate."""
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    unit = question.rarest
    return (
        best.found / question.known,
        best.found / question.subject,
        min(EVIDENCE_CAP, best.found / unit),
        min(1.0, best.strongest / unit),
        best.similarity / 100,
        (best.score - runner_up) / 100,
        question.unknown / question.words,
        float(question.foreign > 0),
        _distinct(best, candidates[1:]),
        _unanswered_action(question, best),
    )


def _unanswered_action(question: Question, best: Candidate) -> float:
    """How much of what a how-to question wants to do the best article leaves unanswered.

    "hur spelar man in ett teams-möte" is answered by the Teams articles' "möte" and by none
    on recording: a desk agent has an article for it only if one is about doing *that*.
    """
    if question.action is None:
        return 0.0
    at, weight = question.action
    return max(0.0, 1.0 - best.matches[at] / weight) if weight else 0.0


def _distinct(best: Candidate, others: Sequence[Candidate]) -> float:
    """The share of the best article's matches that no other candidate matches as well.

    "hur spelar man in ett teams-möte" is answered by every Teams article alike and by none
    on recording. The fitted weight is negative beside a positive weight on the lead: a lead
    in score that its own matches do not explain (it comes from the title's similarity) is
    the trustworthy kind. Measured by leave-one-set-out, not designed to a sign.
    """
    if not best.found:
        return 0.0
    ahead = (
        max(0.0, match - max((other.matches[at] for other in others), default=0.0))
        for at, match in enumerate(best.matches)
    )
    return sum(ahead) / best.found


def judged(
    question: Question,
    candidates: Sequence[Candidate],
    judge: Judge | None = None,
    recalled: Sequence[float] | None = None,
) -> tuple[float, float]:
    """The probability that the best candidate is right, and the cut for suggesting it, by
    the shipped models or ``judge``. ``recalled`` is what the example memory says of it
    (``memory.evidence``), None without."""
    return (judge or shipped()).judged(features(question, candidates), recalled)


@cache
def shipped() -> Judge:
    """The shipped models, read once per process."""
    return load_judge(_DATA)


def model() -> Model:
    """The shipped words-only model."""
    return shipped().words


def load_judge(path: Path) -> Judge:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples = data.get("with_examples")
    return Judge(
        _model(data, FEATURES, path),
        None if examples is None else _model(examples, FEATURES + MEMORY_FEATURES, path),
    )


def _model(data: dict[str, object], names: tuple[str, ...], path: Path) -> Model:
    weights = data["coefficients"]
    if not isinstance(weights, dict) or set(weights) != set(names):
        raise ValueError(f"{path.name}: coefficients must name exactly {', '.join(names)}")
    coefficients = tuple(float(weights[name]) for name in names)
    return Model(_number(data["intercept"]), coefficients, _number(data["cut"]))


def _number(value: object) -> float:
    if not isinstance(value, int | float):
        raise ValueError(f"not a number: {value!r}")
    return float(value)
