"""The re-rank and the reading of a question: terms compared as terms, not as letters."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.knowledge import Article, KnowledgeBase
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.lexicon import lexicon
from bot.knowledge.search import rank_index
from bot.knowledge.words import tokenize


def article(slug: str, title: str, tags: tuple[str, ...], body: str = "Gör så här.") -> Article:
    return Article(slug, title, "sv", None, tags, body, Path(f"{slug}.md"))


def index_of(*articles: Article):  # type: ignore[no-untyped-def]
    return KnowledgeBase(articles)._snapshot.indexes["sv"]  # the re-rank is the point


def test_a_short_synonym_group_counts_as_much_as_a_long_one() -> None:
    # "=vpn" and "=behorighet" are both one term; spelled out, the longer name matched more
    # letters and the access article won for that alone.
    index = index_of(
        article("vpn", "VPN", ("vpn",)),
        article("access", "Behörighet", ("behörighet",)),
    )
    ranked = rank_index(index, "vpn behörighet")
    assert ranked is not None
    _question, candidates = ranked
    assert len(candidates) == 2
    assert candidates[0].similarity == candidates[1].similarity


def test_the_article_about_just_the_question_wins_the_similarity() -> None:
    index = index_of(
        article("vpn", "VPN ansluter inte", ("vpn",)),
        article("vpn-slow", "VPN och skrivare och kalender", ("vpn", "skrivare", "kalender")),
    )
    ranked = rank_index(index, "vpn ansluter inte")
    assert ranked is not None
    _question, candidates = ranked
    by_id = {index.articles[found.number].id: found.similarity for found in candidates}
    assert by_id["vpn"] > by_id["vpn-slow"]


def test_a_word_of_another_domain_in_an_articles_tags_is_not_held_against_it() -> None:
    question = "ska bli föräldraledig, hur får jag ett automatiskt svar på mejlen"
    tagged = index_of(article("ooo", "Frånvaromeddelande", ("autosvar", "föräldraledig")))
    untagged = index_of(article("ooo", "Frånvaromeddelande", ("autosvar",)))
    assert not any(group.foreign for group in tagged.parser.groups(question))
    assert any(group.foreign for group in untagged.parser.groups(question))


def test_a_compound_is_also_indexed_under_its_known_last_word() -> None:
    # Swedish puts what a compound is last: "fjärråtkomst" is a kind of "åtkomst".
    reader = Analyzer(lexicon("sv"), Counter(tokenize("åtkomst vpn")))
    access = reader.concept(tokenize("åtkomst")[0])
    assert access in reader.terms(tokenize("fjärråtkomst"))
    # only the last word says what it is: an "åtkomstgranskning" is a review, not access
    assert access not in reader.terms(tokenize("åtkomstgranskning"))


def test_developer_and_everyday_words_for_a_dropping_connection_are_one_term() -> None:
    reader = Analyzer(lexicon("sv"), Counter(tokenize("vpn kopplar ner")))
    dropping = reader.terms(tokenize("kopplar ner"))[0]
    assert reader.terms(tokenize("droppar")) == [dropping]
    assert reader.terms(tokenize("utkastad")) == [dropping]
