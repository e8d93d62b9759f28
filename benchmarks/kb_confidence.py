"""Fits the knowledge search's confidence model, and measures it set by set, honestly.

    .venv/bin/python benchmarks/kb_confidence.py [--kb DIR] [--write]

Every labelled question of the tuning sets (dev, holdout-1..5 and the extra questions) is
ranked by spoc and measured (``bot.knowledge.confidence.features``). A question is an
example of "worth suggesting" when it is on-topic and its article is among the suggestions,
and of "not worth it" when it is off-topic; an on-topic question ranked wrong teaches
nothing about confidence and is left out. A logistic regression (plain Python, Newton's
method, a little L2) is fitted to them. The cut is where the training questions cost least
when suggesting something off-topic costs COST_OFF_TOPIC missed answers, then moved a safety
margin higher: suggesting something off-topic is the worse mistake.

Leave one set out: each of dev and holdout-1..22 is measured by a model fitted on the
others (and the extra questions), never on itself. Those figures are the honest ones.
``--write`` fits on everything and stores ``bot/knowledge/data/confidence.yaml``.

The example memory (``bot/knowledge/memory.py``) is built from the same labelled questions,
so it is left out the same way: a held-out set's questions are in neither the fit nor the
memory its questions are measured against, and in every fit a question is measured against
a memory without its own set's questions (else the fit learns that an exact example always
exists). The memory orders the suggestions too (``memory.blend``), so a question is ranked
again for each memory it is measured against. Each question is measured against each set's
memory once; leaving sets out is then the best over the rest. ``--strict`` also leaves out,
everywhere, examples identical to the question measured (the same words in another set): a
floor for questions phrased as nobody had before. Two models are fitted: the words-only one
(for articles without examples) on every question, the one with the memory on the questions
whose best article has examples left.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.kb_quality import SETS, TOP, Case, evaluate, load_cases  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.knowledge.confidence import (  # noqa: E402
    _DATA,
    FEATURES,
    MEMORY_FEATURES,
    Judge,
    Model,
    features,
    load_judge,
)
from bot.knowledge.memory import Memory, build, nearest, normalise  # noqa: E402
from bot.knowledge.search import Candidate, Question, rank_index, weigh  # noqa: E402

L2 = 1.0  # on standardised features
OFF_TOPIC_WEIGHT = 2.0  # in the fit, an off-topic example counts this many on-topic ones
COST_OFF_TOPIC = 10  # for the cut, an off-topic suggestion is this many missed answers
MARGIN = 0.5  # and the cut is then moved this far (log-odds) higher
HELD_OUT = tuple(name for name in SETS if name != "extra")


# What one set's memory says of a question: the closeness to each candidate's nearest
# example (None: the article has no examples there), and to the nearest unanswered question.
Said = tuple[tuple[float | None, ...], float]
STRICT = False  # --strict: examples identical to the question measured are left out too


@dataclass(frozen=True, slots=True)
class Seen:
    """A question as the search sees it with some sets' examples left out of the memory."""

    measured: tuple[float, ...] | None  # None: no word of the question is known at all
    suggested: tuple[tuple[str, float], ...]  # what would be suggested if confident
    recalled: tuple[float, float, float] | None  # the memory's evidence on the best


@dataclass(frozen=True, slots=True)
class Example:
    set_name: str
    case: Case
    question: Question | None  # None: no word of the question is known at all
    candidates: tuple[Candidate, ...]  # ranked by the words, as ``rank_index`` ranks them
    ids: tuple[str, ...]
    per_set: dict[str, Said]  # each set's memory's say on the candidates

    def seen(self, left_out: set[str]) -> Seen:
        """Ranked and measured as ``search.decide_index`` does, against the memory of every
        set but ``left_out``: the examples add evidence and order what is suggested."""
        if self.question is None:
            return Seen(None, (), None)
        said = [found for name, found in self.per_set.items() if name not in left_out]
        closeness = [
            max((near[at] for near, _un in said if near[at] is not None), default=None)
            for at in range(len(self.candidates))
        ]
        unanswered = max((un for _near, un in said), default=0.0)
        hits, recalled = weigh(self.candidates, closeness, unanswered)
        ids = {found.number: key for found, key in zip(self.candidates, self.ids, strict=True)}
        # ordered as KnowledgeBase.search orders hits, so ties fall the same way
        top = sorted(
            ((ids[number], score) for number, score in hits), key=lambda hit: (-hit[1], hit[0])
        )
        suggested = tuple(top[:TOP])
        return Seen(features(self.question, self.candidates), suggested, recalled)


def examples(base: KnowledgeBase) -> list[Example]:
    cases = {name: load_cases(path) for name, path in SETS.items()}
    memories = {
        name: build((case.lang, case.query, _answer(case)) for case in chosen)
        for name, chosen in cases.items()
    }
    found = []
    for name, chosen in cases.items():
        for case in chosen:
            index = base._snapshot.indexes[case.lang]  # the benchmark measures internals
            ranked = rank_index(index, case.query)
            if ranked is None or not ranked[1]:
                found.append(Example(name, case, None, (), (), {}))
                continue
            question, candidates = ranked
            ids = tuple(index.articles[candidate.number].id for candidate in candidates)
            text = normalise(case.query)
            per_set = {
                other: _said(memory.get(case.lang, Memory()), text, ids)
                for other, memory in memories.items()
            }
            found.append(Example(name, case, question, tuple(candidates), ids, per_set))
    return found


def _answer(case: Case) -> str | None:
    return case.expected[0] if case.expected else None


def _said(memory: Memory, text: str, ids: tuple[str, ...]) -> Said:
    if STRICT:
        memory = Memory(
            {key: tuple(q for q in found if q != text) for key, found in memory.answered.items()},
            tuple(q for q in memory.unanswered if q != text),
        )
    return tuple(nearest(memory, text, ids)), memory.nearest_unanswered(text)


def label(example: Example, seen: Seen) -> float | None:
    if seen.measured is None:
        return None
    if not example.case.expected:
        return 0.0
    named = {article for article, _score in seen.suggested}
    return 1.0 if named & set(example.case.expected) else None


def fit(rows: Sequence[tuple[tuple[float, ...], float, float]]) -> Model:
    """L2-regularised logistic regression by Newton's method; rows are (x, y, weight)."""
    size = len(rows[0][0])
    means = [sum(x[j] for x, _y, _w in rows) / len(rows) for j in range(size)]
    spreads = [
        math.sqrt(sum((x[j] - means[j]) ** 2 for x, _y, _w in rows) / len(rows)) or 1.0
        for j in range(size)
    ]
    data = [
        ([1.0, *((x[j] - means[j]) / spreads[j] for j in range(size))], y, w) for x, y, w in rows
    ]
    beta = [0.0] * (size + 1)
    for _ in range(50):
        gradient = [L2 * b if j else 0.0 for j, b in enumerate(beta)]
        hessian = [[L2 if i == j and i else 0.0 for j in range(size + 1)] for i in range(size + 1)]
        for x, y, w in data:
            p = _sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
            for i in range(size + 1):
                gradient[i] += w * (p - y) * x[i]
                for j in range(size + 1):
                    hessian[i][j] += w * p * (1 - p) * x[i] * x[j]
        step = _solve(hessian, gradient)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    coefficients = tuple(beta[j + 1] / spreads[j] for j in range(size))
    intercept = beta[0] - sum(c * m for c, m in zip(coefficients, means, strict=True))
    unfitted = Model(intercept, coefficients, 0.5)
    scored = [(unfitted.probability(x), y) for x, y, _w in rows]
    cut = max((p for p, _y in scored), key=lambda cut: _worth(scored, cut))
    return Model(intercept, coefficients, _sigmoid(math.log(cut / (1 - cut)) + MARGIN))


def _worth(scored: Sequence[tuple[float, float]], cut: float) -> float:
    accepted = [y for p, y in scored if p >= cut]
    return sum(accepted) - COST_OFF_TOPIC * (len(accepted) - sum(accepted))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting; the Hessian is small and positive definite."""
    size = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(size)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda row: abs(rows[row][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for row in range(column + 1, size):
            factor = rows[row][column] / rows[column][column]
            for k in range(column, size + 1):
                rows[row][k] -= factor * rows[column][k]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(rows[row][k] * solution[k] for k in range(row + 1, size))
        solution[row] = (rows[row][size] - known) / rows[row][row]
    return solution


Rows = list[tuple[tuple[float, ...], float, float]]


def training_rows(chosen: Sequence[Example], held_out: str | None = None) -> tuple[Rows, Rows]:
    """Rows for the words-only model, and for the one with the memory's evidence: each
    question measured against the memory without its own set (and the held-out set)."""
    rows: Rows = []
    recalled_rows: Rows = []
    for example in chosen:
        seen = example.seen({example.set_name, held_out or example.set_name})
        y = label(example, seen)
        if y is None or seen.measured is None:
            continue
        weight = 1.0 if y else OFF_TOPIC_WEIGHT
        rows.append((seen.measured, y, weight))
        if seen.recalled is not None:
            recalled_rows.append(((*seen.measured, *seen.recalled), y, weight))
    return rows, recalled_rows


def fit_judge(chosen: Sequence[Example], held_out: str | None = None) -> Judge:
    rows, recalled_rows = training_rows(chosen, held_out)
    return Judge(fit(rows), fit(recalled_rows) if recalled_rows else None)


def _accepts(seen: Seen, judge: Judge) -> bool:
    return seen.measured is not None and judge.accepts(seen.measured, seen.recalled)


def _probability(seen: Seen, judge: Judge) -> tuple[float, float]:
    """The chosen model's probability of a held-out question, and that model's cut."""
    assert seen.measured is not None
    if seen.recalled is None or judge.examples is None:
        return judge.words.probability(seen.measured), judge.words.cut
    return judge.examples.probability((*seen.measured, *seen.recalled)), judge.examples.cut


def _logit(p: float) -> float:
    p = min(1 - 1e-12, max(1e-12, p))
    return math.log(p / (1 - p))


def _sweep(scored: Sequence[tuple[float, float]]) -> None:
    """Out of fold, each fold's scores over its own cut: right answers kept at each count of
    off-topic questions accepted, whatever one cut across folds."""
    ordered = sorted(scored, key=lambda row: -row[0])
    right = wrong = 0
    kept: dict[int, int] = {}
    for _score, y in ordered:
        if y:
            right += 1
        else:
            wrong += 1
        if wrong <= 10:
            kept[wrong] = right
    at_cut = sum(1 for score, y in scored if score >= 0 and y)
    off_at_cut = sum(1 for score, y in scored if score >= 0 and not y)
    on_total = sum(1 for _s, y in scored if y)
    print(
        f"out of fold: {at_cut}/{on_total} right answers and {off_at_cut} off-topic accepted"
        " at the folds' cuts; right answers kept at N off-topic accepted:"
    )
    print("  " + "  ".join(f"{n}:{kept[n]}" for n in sorted(kept)))


def measure(judged: Sequence[tuple[Example, Seen, bool]]) -> str:
    """Top-3, MRR@3 and off-topic rejected of (question, how it was seen, accepted) rows."""
    ranked = [list(seen.suggested) if accept else [] for _example, seen, accept in judged]
    result = evaluate([example.case for example, _seen, _accept in judged], ranked, 0.0)
    rejected = round(result.rejection * result.off_topic)
    return (
        f"{result.hit_rate:6.3f} {result.mrr:6.3f} {rejected:>4}/{result.off_topic:<4}"
        f" {result.on_topic:>8}"
    )


def _judged(
    chosen: Sequence[Example], judge: Judge, left_out: Callable[[Example], set[str]]
) -> list[tuple[Example, Seen, bool]]:
    rows = []
    for example in chosen:
        seen = example.seen(left_out(example))
        rows.append((example, seen, _accepts(seen, judge)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument("--write", action="store_true", help=f"store the model in {_DATA}")
    parser.add_argument(
        "--refit-words",
        action="store_true",
        help="with --write, refit the words-only model too (else the shipped one is kept)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="leave out examples identical to the question"
    )
    parser.add_argument(
        "--words-only", action="store_true", help="the words-only model, no memory (main's)"
    )
    args = parser.parse_args()
    global STRICT
    STRICT = args.strict
    base = KnowledgeBase.from_directory(args.kb)
    found = examples(base)
    if args.words_only:
        found = [replace(example, per_set={}) for example in found]
    print(f"{'left out':10} {'top-3':>6} {'MRR@3':>6} {'rejected':>9} {'on-topic':>8}  cut")
    pooled: list[tuple[Example, Seen, bool]] = []
    out_of_fold: list[tuple[float, float]] = []  # (log-odds over the fold's cut, label)
    for name in HELD_OUT:
        judge = fit_judge([e for e in found if e.set_name != name], name)
        held_out = [example for example in found if example.set_name == name]
        judged = _judged(held_out, judge, lambda _example, name=name: {name})
        cuts = f"{judge.words.cut:.3f}" + (f" {judge.examples.cut:.3f}" if judge.examples else "")
        print(f"{name:10} {measure(judged)}  {cuts}")
        pooled += judged
        for example, seen, _accept in judged:
            y = label(example, seen)
            if y is not None and seen.measured is not None:
                p, cut = _probability(seen, judge)
                out_of_fold.append((_logit(p) - _logit(cut), y))
    print(f"{'pooled':10} {measure(pooled)}")
    _sweep(out_of_fold)
    judge = fit_judge(found)
    print("\nfitted on every set, each question against the memory without its own set:")
    for name in (*HELD_OUT, "extra"):
        chosen = [example for example in found if example.set_name == name]
        print(f"{name:10} {measure(_judged(chosen, judge, lambda example: {example.set_name}))}")
    print("\nthe shipped memory (every set in it: contaminated, its own questions are in it):")
    for name in (*HELD_OUT, "extra"):
        chosen = [example for example in found if example.set_name == name]
        print(f"{name:10} {measure(_judged(chosen, judge, lambda _example: set()))}")
    for title, model, names in (
        ("words only", judge.words, FEATURES),
        ("with examples", judge.examples, FEATURES + MEMORY_FEATURES),
    ):
        if model is None:
            continue
        print(f"\n{title}: intercept {model.intercept:.4f}, cut {model.cut:.4f}")
        for name, value in zip(names, model.coefficients, strict=True):
            print(f"  {name:18} {value:9.4f}")
    if args.write:
        # The words-only model judges articles without examples: kept as shipped unless
        # asked, so such an article is judged exactly as before the memory existed.
        words = judge.words if args.refit_words else load_judge(_DATA).words
        _write(Judge(words, judge.examples))
        print(f"written to {_DATA}")


def _write(judge: Judge) -> None:
    lines = [
        "# The knowledge search's confidence models (bot/knowledge/confidence.py): logistic",
        "# regressions over the measurements named below, and the least probability worth",
        "# suggesting. The first weighs words only and judges articles without example",
        "# questions; with_examples also weighs the example memory (knowledge_base/",
        "# examples.yaml). Fitted by benchmarks/kb_confidence.py --write; refit after",
        "# changing the search, the word data or many examples.",
        *_model_lines(judge.words, FEATURES, ""),
    ]
    if judge.examples is not None:
        lines += [
            "with_examples:",
            *_model_lines(judge.examples, FEATURES + MEMORY_FEATURES, "  "),
        ]
    _DATA.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _model_lines(model: Model, names: tuple[str, ...], indent: str) -> list[str]:
    return [
        f"{indent}intercept: {model.intercept:.6f}",
        f"{indent}coefficients:",
        *(
            f"{indent}  {name}: {value:.6f}"
            for name, value in zip(names, model.coefficients, strict=True)
        ),
        f"{indent}cut: {model.cut:.6f}",
    ]


if __name__ == "__main__":
    main()
