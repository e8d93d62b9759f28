"""The inverted index of one language: term -> the articles that use it, and how strongly.

A posting's weight says how much the article is *about* the term: a title word counts
fully, a tag nearly so, and the body adds a saturated, length-normalised share (BM25
style) that alone never reaches a title's worth. That is what keeps "adress" mentioned in
passing from outranking the article whose title says it. Weights are stored as whole
percentages: small integers are shared by CPython, so ten thousand articles' postings
stay compact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.knowledge.analyzer import Analyzer
from bot.knowledge.lexicon import lexicon
from bot.knowledge.model import Article
from bot.knowledge.query import QueryParser
from bot.knowledge.words import tokenize

# What a mention in each field is worth on its own (1.0 answers the word fully).
TITLE, TAGS, SERVICE = 1.0, 0.85, 0.4
BODY = 0.6  # the most the body alone can be worth, however often it says the word
SATURATION = 0.5  # BM25's k1: the second mention adds less than the first
BODY_LENGTH = 0.75  # BM25's b: a mention in a long body counts less
# A term in more articles than this is "common": it does not bring all its articles in as
# candidates, only its LEADERS strongest (title and tag matches come first).
COMMON_SHARE = 0.02
COMMON_FLOOR = 100
LEADERS = 64


@dataclass(frozen=True, slots=True)
class LanguageIndex:
    lang: str
    articles: tuple[Article, ...]
    postings: Mapping[str, Mapping[int, int]]
    labels: tuple[str, ...]  # each article's title and tag terms, for the fuzzy re-rank
    parser: QueryParser
    weak: frozenset[str]  # terms about too many things to pick an article by
    leaders: Mapping[str, tuple[int, ...]]  # for common terms: their strongest articles

    def idf(self, term: str) -> float:
        return rarity(len(self.postings.get(term, ())), len(self.articles))


def common_limit(total: int) -> int:
    return max(COMMON_FLOOR, int(COMMON_SHARE * total))


def rarity(found_in: int, total: int) -> float:
    """BM25's inverse document frequency, never negative."""
    return math.log(1.0 + (total - found_in + 0.5) / (found_in + 0.5))


def build_index(lang: str, articles: Iterable[Article]) -> LanguageIndex:
    chosen = tuple(articles)
    fields = [_fields(article) for article in chosen]
    corpus = Counter(word for article in fields for words in article for word in words)
    analyzer = Analyzer(lexicon(lang), corpus)
    terms = [tuple(analyzer.terms(words) for words in article) for article in fields]
    average_body = sum(len(article[3]) for article in terms) / max(len(terms), 1) or 1.0
    postings: dict[str, dict[int, int]] = {}
    labels: list[str] = []
    for number, (title, tags, service, body) in enumerate(terms):
        heads = dict.fromkeys(service, SERVICE)
        heads.update(dict.fromkeys(tags, TAGS))
        heads.update(dict.fromkeys(title, TITLE))
        mentions = Counter(body)
        stretch = 1.0 - BODY_LENGTH + BODY_LENGTH * len(body) / average_body
        for term in heads.keys() | mentions.keys():
            head = heads.get(term, 0.0)
            count = mentions.get(term, 0) / stretch
            worth = head + (1.0 - head) * BODY * count / (count + SATURATION)
            postings.setdefault(term, {})[number] = round(100 * worth)
        labels.append(" ".join(dict.fromkeys((*title, *tags))))
    headed = frozenset(word for article in fields for words in article[:2] for word in words)
    parser = QueryParser(analyzer, corpus, frozenset(postings), headed)
    limit = common_limit(len(chosen))
    leaders = {
        term: tuple(sorted(found, key=lambda number: -found[number])[:LEADERS])
        for term, found in postings.items()
        if len(found) > limit
    }
    return LanguageIndex(
        lang, chosen, postings, tuple(labels), parser, analyzer.weak_terms, leaders
    )


def _fields(article: Article) -> tuple[list[str], list[str], list[str], list[str]]:
    return (
        tokenize(article.title),
        tokenize(" ".join(article.tags)),
        tokenize(article.service or ""),
        tokenize(article.body),
    )
