"""Reading a question into groups of index terms: what the user asked about, word by word.

A group is satisfied by any of its terms: a compound's part or the whole compound, a word
or the known word it was a typo of. Words the knowledge base has never seen stay in as
unknown groups, because they are evidence too: "när har biblioteket öppet" is mostly about
something no article covers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, replace
from itertools import pairwise

from bot.knowledge.analyzer import Analyzer
from bot.knowledge.spelling import Speller
from bot.knowledge.thesaurus import CONCEPT, FOREIGN
from bot.knowledge.words import tokenize

# A word known only by one end ("signa|tur", "billi|gast") is half the evidence of a known
# word: the known end is as often a chance run of letters as the word's real part.
PARTIAL = 0.5
CORRECTED = 0.85  # a typo-corrected word counts a little less than one typed right
MAX_QUERY_CHARS = 1_000  # a question longer than this is pasted logs; its start says enough
MAX_GROUPS = 24
_CACHE_LIMIT = 50_000
_LONG_STEM = 8


@dataclass(frozen=True, slots=True)
class QueryGroup:
    word: str
    terms: tuple[tuple[str, float], ...]
    known: bool
    foreign: bool = False  # a word of another domain ("bygglov"): evidence against IT
    # the word names where or in what the question happens ("på bussen", "i bygglovsansökan"),
    # not what it is about: when unknown or foreign it is no evidence against an answer
    setting: bool = False
    # the question asks how to do something and this is what ("hur spelar man in …")
    action: bool = False


class QueryParser:
    def __init__(
        self,
        analyzer: Analyzer,
        corpus: Counter[str],
        known: Set[str],
        headed: Set[str] = frozenset(),
    ) -> None:
        self._analyzer = analyzer
        self._known = known
        # The words of the articles' titles and tags, as written: what the knowledge base
        # says it is about. As written, because a stem says too little: a "recycle bin" is
        # no "recycling".
        self._headed = headed
        spellable = Counter(corpus)
        for word in (*analyzer.lexicon_words, *analyzer.lexicon.stopwords):
            spellable.setdefault(word, 1)
        self._speller = Speller(spellable)
        # Long inflected words are often too far from every written form, but close to a
        # known stem: "tvåstegsverifiringen" is one letter from "tvåstegsverifiering".
        self._stem_terms = {term: term for term in known if not term.startswith(CONCEPT)}
        for word in analyzer.lexicon_words:
            if (concept := analyzer.concept(word)) in known:
                self._stem_terms.setdefault(analyzer.stem(word), concept)
        self._stem_speller = Speller(Counter(dict.fromkeys(self._stem_terms, 1)))
        self._words: dict[str, tuple[QueryGroup, ...]] = {}
        self._hosts = frozenset(analyzer.stem(word) for word in analyzer.lexicon.hosts)
        # the forms' synonyms name a form too: "fyllde i ansökan" is the form's concept
        self._host_concepts = frozenset(
            named
            for word in analyzer.lexicon.hosts
            if (named := analyzer.thesaurus.concept(word)) is not None
        )
        self._cases = frozenset(analyzer.stem(word) for word in analyzer.lexicon.cases)
        self._which = analyzer.lexicon.which
        self._light = frozenset(analyzer.stem(word) for word in analyzer.lexicon.light)
        self._switches = frozenset(
            tuple(map(analyzer.stem, phrase)) for phrase in analyzer.lexicon.switches
        )

    def groups(self, text: str) -> tuple[QueryGroup, ...]:
        words = self._joined(tokenize(text[:MAX_QUERY_CHARS]))
        spans = self._analyzer.spans(words)
        settings = self._settings(words, self._analyzer.phrased(words, spans))
        units = list(self._analyzer.units(words, spans))
        action = self._action(words, units)
        found: dict[tuple[tuple[str, float], ...], QueryGroup] = {}
        for at, (word, concept) in enumerate(units):
            acts = at == action
            if concept is not None:
                foreign = concept.startswith(FOREIGN)
                known = not foreign and concept in self._known
                # a phrase is in the setting when any of its words is ("after parental leave")
                placed = word in settings or not settings.isdisjoint(word.split())
                group = QueryGroup(word, ((concept, 1.0),), known, foreign, placed, acts)
                found.setdefault(group.terms, group)
            else:
                for group in self._word_groups(word):
                    if word in settings or acts:
                        group = replace(group, setting=word in settings, action=acts)
                    found.setdefault(group.terms, group)
            if len(found) >= MAX_GROUPS:
                break
        if self._is_about_a_form(words, units):
            # "fick inget kvitto när jag sökte förskoleplats": the other domain is what the
            # form is for, not what the question is about
            return tuple(group for group in found.values() if not group.foreign)
        return tuple(found.values())

    def _is_about_a_form(self, words: list[str], units: list[tuple[str, str | None]]) -> bool:
        """Whether the question names a form or an e-service, in a word or a phrase ("fyllde
        i ansökan"), and asks nothing about how the case it was for is decided ("när får jag
        besked om bygglovet jag skickade in via e-tjänsten" is about the building permit)."""
        stems = {self._analyzer.stem(word) for word in words}
        if not stems.isdisjoint(self._cases) or self._asks_which_form(words):
            return False
        concepts = {concept for _unit, concept in units}
        return not stems.isdisjoint(self._hosts) or not concepts.isdisjoint(self._host_concepts)

    def _asks_which_form(self, words: list[str]) -> bool:
        """Whether a word asking which ("vilken", "which") comes right before a form's."""
        return any(
            word in self._which and self._analyzer.stem(after) in self._hosts
            for word, after in pairwise(words)
        )

    def _settings(self, words: list[str], phrased: frozenset[int]) -> frozenset[str]:
        """The words that follow a place word ("på", "i"), past "min", "en", "den"; not a
        verb's particle, a word of a synonym phrase (``phrased``: "hur slår jag på autosvar"
        asks about the autoreply)."""
        lexicon = self._analyzer.lexicon
        places = lexicon.places
        if self._asks_where(words):
            return frozenset()
        found = set()
        for at, word in enumerate(words):
            if word not in places or at in phrased:
                continue
            for offset, after in enumerate(words[at + 1 : at + 4], start=at + 1):
                if after in places:
                    break
                if not self._analyzer.is_stopword(after):
                    found.add(self._head(words, offset))
                    break
        return frozenset(found)

    def _head(self, words: list[str], at: int) -> str:
        """The noun a place word's phrase is about: Swedish puts the head last, so in "på
        min privata dator" the setting is the computer, and "privata" (a word of another
        domain, in an adjective's form) says what kind: it stays evidence."""
        following = words[at + 1] if at + 1 < len(words) else None
        if (
            following is None
            or following in self._analyzer.lexicon.places
            or self._analyzer.is_stopword(following)
            or not words[at].endswith(("a", "e"))
            or not self._is_foreign(words[at])
        ):
            return words[at]
        return following

    def _action(self, words: list[str], units: list[tuple[str, str | None]]) -> int | None:
        """Which unit says what a question asking how to do something wants to do.

        The first after its opening ("hur", "kan man", "how do I") that is no stopword. A
        verb that says little alone ("ändra", "visa") is passed for its object, unless the
        word data knows the two as one phrase ("ta bort", "skicka med"); so is a phrase that
        only switches something on or off ("slå på"). None for questions that ask no "how".
        """
        lexicon = self._analyzer.lexicon
        start = None
        for at, word in enumerate(words[:4]):
            if word in lexicon.how:
                start = at + 1
                break
            if word in lexicon.can and at + 1 < len(words) and words[at + 1] in lexicon.persons:
                start = at + 2
                break
            if not self._analyzer.is_stopword(word):
                return None
        if start is None:
            return None
        position = 0
        for at, (unit, concept) in enumerate(units):
            position += len(unit.split())
            if position <= start:
                continue
            if position > start + 6:
                return None
            if unit in lexicon.measures:
                return None
            if concept is None and (
                self._analyzer.is_stopword(unit)
                or unit in lexicon.negations
                or self._analyzer.stem(unit) in self._light
            ):
                continue
            if concept is not None and self._is_switch(unit):
                continue
            return at
        return None

    def _is_switch(self, unit: str) -> bool:
        """Whether a phrase only switches something on or off ("slår jag på"): then what it
        switches says what the question wants done ("hur slår jag på autosvar")."""
        lexicon = self._analyzer.lexicon
        inserted = lexicon.subjects | lexicon.negations
        own = (self._analyzer.stem(word) for word in unit.split() if word not in inserted)
        return tuple(own) in self._switches

    def _asks_where(self, words: list[str]) -> bool:
        """Whether the question opens by asking where ("var kan jag", "hej, var finns"):
        the first word, or the second after a filler word that is no subject ("jag var")."""
        lexicon = self._analyzer.lexicon
        if not words:
            return False
        if words[0] in lexicon.where:
            return True
        return (
            len(words) > 1
            and words[1] in lexicon.where
            and self._analyzer.is_stopword(words[0])
            and words[0] not in lexicon.subjects
        )

    def _joined(self, words: list[str]) -> list[str]:
        """Words written apart put back together: "bank id", "e tjänsten", "follow me"."""
        joined: list[str] = []
        for word in words:
            together = self._together(joined[-1], word) if joined else None
            if together is not None:
                joined[-1] = together
            else:
                joined.append(word)
        return joined

    def _together(self, previous: str, word: str) -> str | None:
        analyzer = self._analyzer
        links = ("", *analyzer.lexicon.linking)
        for link in links:
            together = previous + link + word
            if not analyzer.is_known(together):
                continue
            # Two known words stay two words ("skriva ut"), unless one is a lone letter or
            # the word data knows them as one ("bankid").
            apart = analyzer.is_known(previous) and analyzer.is_known(word)
            if not apart or min(len(previous), len(word)) == 1 or analyzer.is_listed(together):
                return together
        return None

    def _word_groups(self, word: str) -> tuple[QueryGroup, ...]:
        cached = self._words.get(word)
        if cached is None:
            cached = self._read_word(word)
            if len(self._words) < _CACHE_LIMIT:
                self._words[word] = cached
        return cached

    def _read_word(self, word: str) -> tuple[QueryGroup, ...]:
        if len(word) < 2 or self._analyzer.is_stopword(word):
            return ()
        if self._is_foreign(word):
            return (QueryGroup(word, ((FOREIGN + word, 1.0),), False, True),)
        groups = self._known_groups(word, 1.0)
        if groups is not None:
            return groups
        corrected = self._speller.correct(word)
        if corrected is not None:
            if self._analyzer.is_stopword(corrected):
                return ()
            groups = self._known_groups(corrected, CORRECTED)
            if groups is not None:
                return groups
        whole = self._analyzer.word_terms(word).whole
        near = self._stem_speller.correct(whole) if len(whole) >= _LONG_STEM else None
        if near is not None:
            return (QueryGroup(word, ((self._stem_terms[near], CORRECTED),), True),)
        if whole in self._analyzer.weak_terms or word.isdigit():
            # "strular" in a base with no such word, an error code or a count ("fel 809",
            # "100 %") no article uses: no evidence either way
            return ()
        unknown = QueryGroup(word, ((whole, 1.0),), False)
        split = self._analyzer.known_end(word)
        if split is not None and split[1] in self._known:
            rest, term = split
            rest_group = QueryGroup(rest, ((self._analyzer.word_terms(rest).whole, 1.0),), False)
            return (QueryGroup(word, ((term, PARTIAL),), True), rest_group)
        return (unknown,)

    def _is_foreign(self, word: str) -> bool:
        """Whether the word is of another domain here: not when an article's title or tags
        use it, nor when it is a person of the workplace ("eleverna hör inte mig": a teacher's
        pupils say who, as "min chef" does, though "elev" alone is a school word)."""
        analyzer = self._analyzer
        return (
            analyzer.is_foreign(word)
            and not self._is_headed(word)
            and analyzer.word_terms(word).whole not in analyzer.weak_terms
        )

    def _is_headed(self, word: str) -> bool:
        """Whether an article's title or tags use the word: a word of another domain in
        general ("föräldraledig") is this knowledge base's own when an article is about it."""
        return word in self._headed

    def _known_groups(self, word: str, weight: float) -> tuple[QueryGroup, ...] | None:
        analysed = self._analyzer.word_terms(word)
        if analysed.parts:
            whole_known = analysed.whole in self._known
            terms = [((part, weight), (analysed.whole, weight)) for part in analysed.parts]
            groups = tuple(
                QueryGroup(word, pair, whole_known or pair[0][0] in self._known) for pair in terms
            )
            if any(group.known for group in groups):
                return groups
        if analysed.whole in self._known:
            return (QueryGroup(word, ((analysed.whole, weight),), True),)
        longer = self._longer_form(analysed.whole)
        if longer is not None:
            return (QueryGroup(word, ((longer, weight),), True),)
        return None

    def _longer_form(self, stem: str) -> str | None:
        """The indexed form when the articles only use the word with an ending ("nätverket")."""
        for suffix in self._analyzer.lexicon.suffixes:
            if stem + suffix in self._known:
                return stem + suffix
        return None
