"""Reading articles and questions: compounds by their last word, tagged words, word data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.knowledge import Article, KnowledgeBase
from bot.knowledge.analyzer import Analyzer
from bot.knowledge.lexicon import lexicon
from bot.knowledge.words import tokenize


def article(slug: str, title: str, tags: tuple[str, ...], body: str = "Gör så här.") -> Article:
    return Article(slug, title, "sv", None, tags, body, Path(f"{slug}.md"))


def index_of(*articles: Article):  # type: ignore[no-untyped-def]
    return KnowledgeBase(articles)._snapshot.indexes["sv"]  # the re-rank is the point


def test_access_from_away_finds_the_remote_access_article_not_the_access_request() -> None:
    # The VPN article says "fjärråtkomst": a kind of "åtkomst", so it answers "kommer åt"
    # as well as the hotel, and wins over the article about requesting access.
    base = KnowledgeBase(
        [
            article("vpn", "VPN ansluter inte", ("vpn", "fjärråtkomst", "distansarbete")),
            article("access", "Beställa behörighet till ett system", ("behörighet",)),
        ]
    )
    hits = base.search("kommer inte åt jobbet från hotellet", lang="sv")
    assert [hit.article.id for hit in hits][:1] == ["vpn"]


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


def _action(index, query: str) -> str | None:  # type: ignore[no-untyped-def]
    marked = [group.word for group in index.parser.groups(query) if group.action]
    return marked[0] if marked else None


def test_a_how_to_question_marks_what_it_asks_to_do() -> None:
    index = index_of(
        article("voicemail", "Röstbrevlådan", ("spela in", "telefonsvarare", "meddelande")),
        article("cache", "Rensa cacheminnet", ("ta bort kakor", "webbläsare")),
    )
    assert _action(index, "hur spelar man in ett meddelande") == "spelar man in"
    assert _action(index, "Hej! Kan man spela in meddelandet?") == "spela in"
    assert _action(index, "how do I record a meeting") is None  # Swedish index: unknown
    # a verb that says little alone stands for its object; a phrase does not
    assert _action(index, "hur ändrar jag meddelandet") == "meddelandet"
    assert _action(index, "hur tar jag bort kakor") == "tar jag bort"
    # no "how": a statement, "kan inte", a question of measure
    assert _action(index, "meddelandet spelas inte in") is None
    assert _action(index, "kan inte spela in meddelandet") is None
    assert _action(index, "hur lång tid tar det att spela in") is None


def test_an_english_how_to_question_marks_what_it_asks_to_do() -> None:
    meeting = Article("rec", "Record a meeting", "en", None, ("record",), "Do so.", Path("r.md"))
    index = KnowledgeBase([meeting])._snapshot.indexes["en"]
    assert _action(index, "how do I record the meeting") == "record"
    assert _action(index, "can we record it") == "record"
    assert _action(index, "how long can I record") is None
