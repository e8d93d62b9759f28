"""Scoring a question against one language's index, and deciding what is worth suggesting.

1. Candidates come from the inverted index: every article of the question's uncommon terms,
   and only the strongest few of a common term ("fungerar"), which still helps score them.
2. Coverage: how much of what the user asked about (rare words weigh more, words no article
   uses count against every article) an article answers, field-weighted.
3. The best few are re-ranked with rapidfuzz against the article's title and tags, so the
   article that is *about* the question wins over one that merely mentions its words.
4. Only hits above an absolute confidence and close to the best are returned: the bot
   would rather say nothing than suggest something off-topic.
"""

from __future__ import annotations

import heapq

from rapidfuzz import fuzz

from bot.knowledge.index import LanguageIndex, rarity
from bot.knowledge.query import QueryGroup

UNKNOWN_WEIGHT = 0.5  # how much a word no article uses counts, relative to the rarest word
FOREIGN_WEIGHT = 1.2  # and a word of another domain ("bygglov", "cykel"), see offtopic_*.yaml
# Rarity undersells common words that still name the thing ("datorn" is in most articles,
# yet "datorn startar inte" is about the computer), so no word counts less than this share
# of the rarest word's weight; weak words ("hitta", "jobb") count a third of their rarity.
FLOOR_SHARE = 0.15
WEAK = 0.33
COVERAGE_SHARE = 0.75  # the rest of the score is the fuzzy title-and-tags similarity
MIN_SCORE = 45.0
RELATIVE = 0.6  # a runner-up must score at least this share of the best hit
RERANKED = 12


def score_index(index: LanguageIndex, query: str) -> list[tuple[int, float]]:
    """(article number, score 0..100) of the articles worth suggesting, best first."""
    groups = index.parser.groups(query)
    known = [group for group in groups if group.known]
    if not known:
        return []
    total = len(index.articles)
    weights = [_weight(index, group) for group in known]
    foreign = sum(group.foreign for group in groups)
    unknown = len(groups) - len(known) - foreign
    asked = sum(weights) + rarity(0, total) * (UNKNOWN_WEIGHT * unknown + FOREIGN_WEIGHT * foreign)
    if _blend(sum(weights) / asked, 100.0) < MIN_SCORE:
        return []  # even an article answering every known word would not be suggested
    coverage = _coverage(index, known, weights)
    best = heapq.nlargest(RERANKED, coverage.items(), key=lambda item: item[1])
    label = " ".join(group.terms[0][0] for group in groups)
    scored = [
        (number, _blend(found / asked, _similarity(label, index.labels[number])))
        for number, found in best
    ]
    scored.sort(key=lambda item: -item[1])
    if not scored or scored[0][1] < MIN_SCORE:
        return []
    floor = max(MIN_SCORE, RELATIVE * scored[0][1])
    return [(number, score) for number, score in scored if score >= floor]


def _similarity(query: str, label: str) -> float:
    # token_set_ratio rewards an article whose title and tags contain the question's terms;
    # token_sort_ratio also asks how much else they are about, so of two articles with the
    # words, the one about just that wins.
    return (fuzz.token_set_ratio(query, label) + fuzz.token_sort_ratio(query, label)) / 2


def _blend(coverage: float, similarity: float) -> float:
    return round(100 * COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * similarity, 1)


def _weight(index: LanguageIndex, group: QueryGroup) -> float:
    rarest = max(index.idf(term) for term, _worth in group.terms if term in index.postings)
    if all(term in index.weak for term, _worth in group.terms):
        return WEAK * rarest
    return max(rarest, FLOOR_SHARE * rarity(0, len(index.articles)))


def _coverage(
    index: LanguageIndex, groups: list[QueryGroup], weights: list[float]
) -> dict[int, float]:
    """The weighted matches of every candidate, summed per article.

    Candidates are all articles of the question's uncommon terms, and only the strongest
    few of each common term ("datorn" in thousands of articles): the work per question
    follows the candidates, never the size of the knowledge base.
    """
    scaled = [
        [
            (postings, weight * worth / 100)
            for term, worth in group.terms
            if (postings := index.postings.get(term))
        ]
        for group, weight in zip(groups, weights, strict=True)
    ]
    candidates: set[int] = set()
    for group in groups:
        for term, _worth in group.terms:
            leaders = index.leaders.get(term)
            candidates.update(leaders if leaders is not None else index.postings.get(term, ()))
    return {
        number: sum(
            max(scale * postings.get(number, 0) for postings, scale in alternatives)
            for alternatives in scaled
        )
        for number in candidates
    }
