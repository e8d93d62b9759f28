"""Knowledge search quality: spoc beside BM25 and a full-scan rapidfuzz search.

    .venv/bin/python benchmarks/kb_quality.py [--kb DIR] [--show-misses]

Reads the labelled questions in tests/knowledge/eval_dev.yaml (tuning set) and
eval_holdout.yaml (held out: never tuned on), and the search author's own extra questions
(tests/knowledge/fixtures/tuning_extra.yaml). For each set and method it prints the top-3
hit rate and MRR@3 over the on-topic questions and the share of off-topic questions that
got no suggestion at all. The baselines have no confidence threshold of their own, so each
gets the threshold that does best on the dev set, and keeps it on the held-out set.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge import Article, KnowledgeBase  # noqa: E402

EVAL = ROOT / "tests" / "knowledge"
SETS = {
    "dev": EVAL / "eval_dev.yaml",
    "holdout-1": EVAL / "eval_holdout.yaml",
    "holdout-2": EVAL / "eval_holdout_2.yaml",
    "holdout-3": EVAL / "eval_holdout_3.yaml",
    "holdout-4": EVAL / "eval_holdout_4.yaml",
    "holdout-5": EVAL / "eval_holdout_5.yaml",
    "holdout-6": EVAL / "eval_holdout_6.yaml",
    "holdout-7": EVAL / "eval_holdout_7.yaml",
    "holdout-8": EVAL / "eval_holdout_8.yaml",
    "holdout-9": EVAL / "eval_holdout_9.yaml",
    "holdout-10": EVAL / "eval_holdout_10.yaml",
    "holdout-11": EVAL / "eval_holdout_11.yaml",
    "holdout-12": EVAL / "eval_holdout_12.yaml",
    "holdout-13": EVAL / "eval_holdout_13.yaml",
    "holdout-14": EVAL / "eval_holdout_14.yaml",
    "holdout-15": EVAL / "eval_holdout_15.yaml",
    "holdout-16": EVAL / "eval_holdout_16.yaml",
    "holdout-17": EVAL / "eval_holdout_17.yaml",
    "holdout-18": EVAL / "eval_holdout_18.yaml",
    "holdout-19": EVAL / "eval_holdout_19.yaml",
    "holdout-20": EVAL / "eval_holdout_20.yaml",
    "holdout-21": EVAL / "eval_holdout_21.yaml",
    "holdout-22": EVAL / "eval_holdout_22.yaml",
    "holdout-23": EVAL / "eval_holdout_23.yaml",
    "holdout-24": EVAL / "eval_holdout_24.yaml",
    "holdout-25": EVAL / "eval_holdout_25.yaml",
    "holdout-26": EVAL / "eval_holdout_26.yaml",
    "holdout-27": EVAL / "eval_holdout_27.yaml",
    "holdout-28": EVAL / "eval_holdout_28.yaml",
    "holdout-29": EVAL / "eval_holdout_29.yaml",
    "holdout-30": EVAL / "eval_holdout_30.yaml",
    "holdout-31": EVAL / "eval_holdout_31.yaml",
    "holdout-32": EVAL / "eval_holdout_32.yaml",
    "holdout-33": EVAL / "eval_holdout_33.yaml",
    "holdout-34": EVAL / "eval_holdout_34.yaml",
    "holdout-35": EVAL / "eval_holdout_35.yaml",
    "holdout-36": EVAL / "eval_holdout_36.yaml",
    "holdout-37": EVAL / "eval_holdout_37.yaml",
    "holdout-38": EVAL / "eval_holdout_38.yaml",
    "holdout-39": EVAL / "eval_holdout_39.yaml",
    "holdout-40": EVAL / "eval_holdout_40.yaml",
    "holdout-41": EVAL / "eval_holdout_41.yaml",
    "holdout-42": EVAL / "eval_holdout_42.yaml",
    "holdout-43": EVAL / "eval_holdout_43.yaml",
    "holdout-44": EVAL / "eval_holdout_44.yaml",
    "holdout-45": EVAL / "eval_holdout_45.yaml",
    "holdout-46": EVAL / "eval_holdout_46.yaml",
    "holdout-47": EVAL / "eval_holdout_47.yaml",
    "holdout-48": EVAL / "eval_holdout_48.yaml",
    "holdout-49": EVAL / "eval_holdout_49.yaml",
    "holdout-50": EVAL / "eval_holdout_50.yaml",
    "extra": EVAL / "fixtures" / "tuning_extra.yaml",
}
TOP = 3

# A ranker returns (article id, score) best first; thresholds are applied afterwards.
Ranker = Callable[[str, str], list[tuple[str, float]]]


@dataclass(frozen=True, slots=True)
class Case:
    query: str
    lang: str
    expected: tuple[str, ...]  # acceptable article ids; empty when nothing should come up


@dataclass(frozen=True, slots=True)
class Result:
    hit_rate: float
    mrr: float
    rejection: float
    on_topic: int
    off_topic: int


def load_cases(path: Path) -> list[Case]:
    """A list of cases, or a mapping with `queries:`; `expected` is one id, a list, or null."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    rows = data["queries"] if isinstance(data, dict) else data
    cases = []
    for row in rows:
        expected = row.get("expected")
        if expected is None:
            expected = []
        elif isinstance(expected, str):
            expected = [expected]
        cases.append(Case(str(row["query"]), str(row["lang"]), tuple(map(str, expected))))
    return cases


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _text(article: Article) -> str:
    return " ".join((article.title, " ".join(article.tags), article.body))


def bm25_ranker(base: KnowledgeBase) -> Ranker:
    models: dict[str, tuple[BM25Okapi, list[str]]] = {}
    for lang in ("sv", "en"):
        articles = base.articles(lang)
        if articles:
            corpus = [_words(_text(article)) for article in articles]
            models[lang] = (BM25Okapi(corpus), [article.id for article in articles])

    def rank(query: str, lang: str) -> list[tuple[str, float]]:
        model, ids = models[lang]
        scores = model.get_scores(_words(query))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:TOP]
        return [(ids[i], float(scores[i])) for i in order if scores[i] > 0]

    return rank


def fullscan_ranker(base: KnowledgeBase) -> Ranker:
    texts: dict[str, tuple[list[str], list[str]]] = {}
    for lang in ("sv", "en"):
        articles = base.articles(lang)
        texts[lang] = ([_text(a).lower() for a in articles], [a.id for a in articles])

    def rank(query: str, lang: str) -> list[tuple[str, float]]:
        choices, ids = texts[lang]
        found = process.extract(query.lower(), choices, scorer=fuzz.token_set_ratio, limit=TOP)
        return [(ids[index], float(score)) for _choice, score, index in found]

    return rank


def spoc_ranker(base: KnowledgeBase) -> Ranker:
    def rank(query: str, lang: str) -> list[tuple[str, float]]:
        return [(hit.article.id, hit.score) for hit in base.search(query, lang=lang, limit=TOP)]

    return rank


def evaluate(
    cases: Sequence[Case], ranked: Sequence[list[tuple[str, float]]], threshold: float
) -> Result:
    reciprocal = hits = rejected = on_topic = 0.0
    for case, ranking in zip(cases, ranked, strict=True):
        ids = [item for item, score in ranking if score >= threshold][:TOP]
        if not case.expected:
            rejected += not ids
            continue
        on_topic += 1
        ranks = [ids.index(item) for item in case.expected if item in ids]
        if ranks:
            hits += 1
            reciprocal += 1 / (min(ranks) + 1)
    off_topic = len(cases) - on_topic
    return Result(
        hit_rate=hits / on_topic if on_topic else 0.0,
        mrr=reciprocal / on_topic if on_topic else 0.0,
        rejection=rejected / off_topic if off_topic else 1.0,
        on_topic=int(on_topic),
        off_topic=int(off_topic),
    )


def best_threshold(cases: Sequence[Case], ranked: Sequence[list[tuple[str, float]]]) -> float:
    """The cut that gets the most questions right on this set (hits plus rejections)."""
    candidates = sorted({score for ranking in ranked for _id, score in ranking} | {0.0})

    def right(threshold: float) -> tuple[float, float]:
        result = evaluate(cases, ranked, threshold)
        correct = result.hit_rate * result.on_topic + result.rejection * result.off_topic
        return correct, result.mrr

    return max(candidates, key=right)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument(
        "--show-misses", metavar="SET", help="list spoc's misses on a set (a tuning set only!)"
    )
    args = parser.parse_args()

    base = KnowledgeBase.from_directory(args.kb)
    sets = {name: load_cases(path) for name, path in SETS.items() if path.exists()}
    rankers = {
        "spoc": spoc_ranker(base),
        "BM25 (rank_bm25, lowercase words)": bm25_ranker(base),
        "full-scan rapidfuzz token_set_ratio": fullscan_ranker(base),
    }
    print(f"knowledge base: {args.kb} ({len(base.articles())} articles)")
    for name, cases in sets.items():
        off_topic = sum(not case.expected for case in cases)
        print(f"{name}: {len(cases)} questions, {off_topic} off-topic")
    thresholds: dict[str, float] = {}
    rows = []
    for method, rank in rankers.items():
        for name, cases in sets.items():
            started = time.perf_counter()
            ranked = [rank(case.query, case.lang) for case in cases]
            per_query = (time.perf_counter() - started) / max(len(cases), 1) * 1000
            if method != "spoc" and method not in thresholds:
                thresholds[method] = best_threshold(cases, ranked) if name == "dev" else 0.0
            result = evaluate(cases, ranked, thresholds.get(method, 0.0))
            rows.append((method, name, result, per_query))
            if method == "spoc" and name == args.show_misses:
                _show_misses(cases, ranked)
    print()
    print(
        f"{'method':38} {'set':10} {'top-3':>6} {'MRR@3':>6} {'off-topic rejected':>19}"
        f" {'ms/query':>9}"
    )
    for method, name, result, per_query in rows:
        cut = f" (threshold {thresholds[method]:.4g})" if method in thresholds else ""
        print(
            f"{method:38} {name:10} {result.hit_rate:6.3f} {result.mrr:6.3f}"
            f" {result.rejection:19.3f} {per_query:9.2f}{cut if name == 'dev' else ''}"
        )


def _show_misses(cases: Sequence[Case], ranked: Sequence[list[tuple[str, float]]]) -> None:
    for case, ranking in zip(cases, ranked, strict=True):
        ids = [item for item, _score in ranking]
        ok = not ids if not case.expected else any(item in ids for item in case.expected)
        if not ok or (case.expected and ids and ids[0] not in case.expected):
            mark = "MISS" if not ok else "low "
            found = ", ".join(f"{item} {score:.0f}" for item, score in ranking)
            print(f"{mark} [{case.lang}] {case.query!r} expected {case.expected}: {found}")


if __name__ == "__main__":
    main()
