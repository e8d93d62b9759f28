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

Leave one set out: each of dev and holdout-1..5 is measured by a model fitted on the
others (and the extra questions), never on itself. Those figures are the honest ones.
``--write`` fits on everything and stores ``bot/knowledge/data/confidence.yaml``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.kb_quality import SETS, TOP, Case, evaluate, load_cases  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.knowledge.confidence import _DATA, FEATURES, Model, features  # noqa: E402
from bot.knowledge.search import RELATIVE, Candidate, rank_index  # noqa: E402

L2 = 1.0  # on standardised features
OFF_TOPIC_WEIGHT = 2.0  # in the fit, an off-topic example counts this many on-topic ones
COST_OFF_TOPIC = 10  # for the cut, an off-topic suggestion is this many missed answers
MARGIN = 0.5  # and the cut is then moved this far (log-odds) higher
HELD_OUT = tuple(name for name in SETS if name != "extra")


@dataclass(frozen=True, slots=True)
class Example:
    set_name: str
    case: Case
    measured: tuple[float, ...] | None  # None: no word of the question is known at all
    suggested: tuple[tuple[str, float], ...]  # what would be suggested if confident


def examples(base: KnowledgeBase) -> list[Example]:
    found = []
    for name, path in SETS.items():
        for case in load_cases(path):
            index = base._snapshot.indexes[case.lang]  # the benchmark measures internals
            ranked = rank_index(index, case.query)
            if ranked is None or not ranked[1]:
                found.append(Example(name, case, None, ()))
                continue
            question, candidates = ranked
            top = [(index.articles[number].id, score) for number, score in _top(candidates)]
            # ordered as KnowledgeBase.search orders hits, so ties fall the same way
            suggested = tuple(sorted(top, key=lambda hit: (-hit[1], hit[0]))[:TOP])
            found.append(Example(name, case, features(question, candidates), suggested))
    return found


def _top(candidates: Sequence[Candidate]) -> list[tuple[int, float]]:
    floor = RELATIVE * candidates[0].score
    return [(found.number, found.score) for found in candidates if found.score >= floor]


def label(example: Example) -> float | None:
    if example.measured is None:
        return None
    if not example.case.expected:
        return 0.0
    named = {article for article, _score in example.suggested}
    return 1.0 if named & set(example.case.expected) else None


def fit(rows: Sequence[tuple[tuple[float, ...], float, float]]) -> Model:
    """L2-regularised logistic regression by Newton's method; rows are (x, y, weight)."""
    size = len(FEATURES)
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


def training_rows(chosen: Sequence[Example]) -> list[tuple[tuple[float, ...], float, float]]:
    rows = []
    for example in chosen:
        y = label(example)
        if y is not None and example.measured is not None:
            rows.append((example.measured, y, 1.0 if y else OFF_TOPIC_WEIGHT))
    return rows


def _accepts(example: Example, judge: Model) -> bool:
    return example.measured is not None and judge.probability(example.measured) >= judge.cut


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


def measure(
    chosen: Sequence[Example], judge: Model | None, decided: Sequence[bool] | None = None
) -> str:
    if decided is None:
        assert judge is not None
        decided = [_accepts(example, judge) for example in chosen]
    ranked = [
        list(example.suggested) if accept else []
        for example, accept in zip(chosen, decided, strict=True)
    ]
    result = evaluate([example.case for example in chosen], ranked, 0.0)
    rejected = round(result.rejection * result.off_topic)
    return (
        f"{result.hit_rate:6.3f} {result.mrr:6.3f} {rejected:>4}/{result.off_topic:<4}"
        f" {result.on_topic:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument("--write", action="store_true", help=f"store the model in {_DATA}")
    args = parser.parse_args()
    base = KnowledgeBase.from_directory(args.kb)
    found = examples(base)
    print(f"{'left out':10} {'top-3':>6} {'MRR@3':>6} {'rejected':>9} {'on-topic':>8}  cut")
    pooled: list[Example] = []
    decided: list[bool] = []
    out_of_fold: list[tuple[float, float]] = []  # (log-odds over the fold's cut, label)
    for name in HELD_OUT:
        judge = fit(training_rows([e for e in found if e.set_name != name]))
        held_out = [example for example in found if example.set_name == name]
        print(f"{name:10} {measure(held_out, judge)}  {judge.cut:.3f}")
        for example in held_out:
            pooled.append(example)
            decided.append(_accepts(example, judge))
            y = label(example)
            if y is not None and example.measured is not None:
                p = judge.probability(example.measured)
                out_of_fold.append((_logit(p) - _logit(judge.cut), y))
    print(f"{'pooled':10} {measure(pooled, None, decided)}")
    _sweep(out_of_fold)
    judge = fit(training_rows(found))
    print("\nfitted on every set (tuning figures, not held out):")
    for name in (*HELD_OUT, "extra"):
        chosen = [example for example in found if example.set_name == name]
        print(f"{name:10} {measure(chosen, judge)}")
    print(f"\nintercept {judge.intercept:.4f}, cut {judge.cut:.4f}")
    for name, value in zip(FEATURES, judge.coefficients, strict=True):
        print(f"  {name:15} {value:9.4f}")
    if args.write:
        _write(judge)
        print(f"written to {_DATA}")


def _write(judge: Model) -> None:
    lines = [
        "# The knowledge search's confidence model (bot/knowledge/confidence.py): a logistic",
        "# regression over the measurements named below, and the least probability worth",
        "# suggesting. Fitted by benchmarks/kb_confidence.py --write; refit after changing",
        "# the search or the word data.",
        f"intercept: {judge.intercept:.6f}",
        "coefficients:",
        *(
            f"  {name}: {value:.6f}"
            for name, value in zip(FEATURES, judge.coefficients, strict=True)
        ),
        f"cut: {judge.cut:.6f}",
    ]
    _DATA.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
