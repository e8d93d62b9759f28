"""From words to index terms: stemming, synonyms and compounds, per language.

An analyzer is built from one knowledge base's vocabulary, because Swedish needs it: a
compound is split only into parts the articles (or the word data) really use, and an ending
Snowball leaves on ("lösenordet", "datorn") is taken off only when the shorter word is known.
Articles and questions go through the same steps, so however an article or a user puts it,
the same thing ends up as the same term.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import snowballstemmer

from bot.knowledge import compounds
from bot.knowledge.lexicon import Lexicon
from bot.knowledge.thesaurus import CONCEPT, FOREIGN, Phrase, Thesaurus

_FOREIGN_MODIFIER = 4  # shortest leading word that makes a compound foreign ("buss|kort")
_CACHE_LIMIT = 200_000  # questions bring endless new words; caches must not grow forever


@dataclass(frozen=True, slots=True)
class WordTerms:
    """A word's own term, and its parts' terms when it is a compound."""

    whole: str
    parts: tuple[str, ...] = ()
    # The term of a compound's last word when only that is known: Swedish puts what a
    # compound is last, so "fjärråtkomst" is a kind of "åtkomst". Indexed, not asked for.
    head: str | None = None


class Analyzer:
    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str]) -> None:
        self.lexicon = lexicon
        self._stemmer = snowballstemmer.stemmer(lexicon.stemmer)
        # A Snowball stemmer keeps its word in itself while it works: one caller at a time.
        self._stemming = threading.Lock()
        self._stems: dict[str, str] = {}
        self._words: dict[str, WordTerms] = {}
        self.thesaurus = Thesaurus(lexicon, self.stem)
        self._surface = set(vocabulary) | set(self.thesaurus.exact)
        self._known_stems = {self.stem(word) for word in self._surface}
        self.weak_terms = frozenset(self.concept(word) for word in lexicon.weak)

    @property
    def lexicon_words(self) -> Iterable[str]:
        return self.thesaurus.exact.keys()

    def is_stopword(self, word: str) -> bool:
        return word in self.lexicon.stopwords

    def is_known(self, word: str) -> bool:
        """Whether the articles or the word data use this very word."""
        return word in self._surface

    def is_listed(self, word: str) -> bool:
        """Whether the word data (synonyms) has this very word."""
        return word in self.thesaurus.exact

    def is_foreign(self, word: str) -> bool:
        """Whether the word belongs to a question for another part of the municipality."""
        if self.thesaurus.is_foreign(word):
            return True
        if not self.lexicon.compounds or word in self._surface:
            return False
        # "förskoleplats", "busskort": a compound led by such a word is such a word too.
        last = len(word) - self.lexicon.min_part + 1
        return any(self.thesaurus.is_foreign(word[:cut]) for cut in range(_FOREIGN_MODIFIER, last))

    def spans(self, words: list[str]) -> list[tuple[int, Phrase]]:
        """Where each unit starts and the synonym phrase there (of one word when none is):
        read once per text, for :meth:`units` and :meth:`phrased` alike."""
        stems = [self.stem(word) for word in words]
        found: list[tuple[int, Phrase]] = []
        position = 0
        while position < len(words):
            phrase = self.thesaurus.phrase_at(words, stems, position)
            found.append((position, phrase))
            position += phrase.length
        return found

    def units(
        self, words: list[str], spans: list[tuple[int, Phrase]] | None = None
    ) -> Iterator[tuple[str, str | None]]:
        """Each word, or each synonym phrase with its concept term ("kommer inte ihåg").

        A phrase's subject follows it as words of their own: "stängs outlook ner" is about
        "outlook" too. Words of one letter are kept only for this: "e tjänst" may be one word
        written apart. ``spans`` are the text's :meth:`spans`, when already read.
        """
        for position, phrase in self.spans(words) if spans is None else spans:
            span = range(position, position + phrase.length)
            own = [words[at] for at in span if at not in phrase.inside]
            yield " ".join(own), phrase.concept
            for at in phrase.inside:
                yield words[at], None

    def phrased(
        self, words: list[str], spans: list[tuple[int, Phrase]] | None = None
    ) -> frozenset[int]:
        """The positions of the words that belong to a synonym phrase of several words: the
        "på" of "slår jag på" is a verb's particle, no preposition."""
        return frozenset(
            at
            for position, phrase in (self.spans(words) if spans is None else spans)
            if phrase.length > 1
            for at in range(position, position + phrase.length)
            if at not in phrase.inside
        )

    def terms(self, words: list[str]) -> list[str]:
        """The index terms of a field's words: stopwords dropped, compounds with their parts.

        A synonym phrase adds its concept and keeps its words: "extern skärm" is also about
        a "skärm", and a question may name only that.
        """
        found: list[str] = []
        stems = [self.stem(word) for word in words]
        stopwords = self.lexicon.stopwords
        for position, word in enumerate(words):
            if self.thesaurus.may_start_phrase(stems[position]):
                concept = self.thesaurus.phrase_at(words, stems, position).concept
                if concept is not None and not concept.startswith(FOREIGN):
                    found.append(concept)
            if len(word) > 1 and word not in stopwords:
                analysed = self.word_terms(word)
                found.append(analysed.whole)
                found.extend(analysed.parts)
                if analysed.head is not None:
                    found.append(analysed.head)
        return found

    def word_terms(self, word: str) -> WordTerms:
        analysed = self._words.get(word)
        if analysed is None:
            stressed = self._unstressed(word)
            if stressed is not None:
                return self.word_terms(stressed)
            whole = self.concept(word)
            parts = () if whole.startswith(CONCEPT) else compounds.split(self, word) or ()
            head = None if parts or whole.startswith(CONCEPT) else self._known_head(word)
            analysed = WordTerms(whole, parts, head)
            if len(self._words) < _CACHE_LIMIT:
                self._words[word] = analysed
        return analysed

    def _known_head(self, word: str) -> str | None:
        split = compounds.known_end(self, word)
        return split[1] if split is not None and word.startswith(split[0]) else None

    def known_end(self, word: str) -> tuple[str, str] | None:
        return compounds.known_end(self, word)

    def concept(self, word: str) -> str:
        """The word's term: its synonym group's concept, else its (reduced) stem."""
        concept = self.thesaurus.concept(word)
        if concept is not None:
            return concept
        base = self.base(word)
        return self.thesaurus.concept_of_stem(base) or base

    def base(self, word: str) -> str:
        """Snowball's stem, minus a leftover ending when the shorter stem is a known word."""
        for suffix in self.lexicon.suffixes:
            # Taken off the word, not the stem: "konstig" stems to "konst", which is no
            # "kons" with a "-t".
            if word.endswith(suffix) and len(word) - len(suffix) >= self.lexicon.min_part:
                shorter = self.stem(word[: -len(suffix)])
                if shorter in self._known_stems:
                    return shorter
        return self.stem(word)

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            lemma = self.lexicon.irregular.get(word, word)
            with self._stemming:
                stem = self._stemmer.stemWord(lemma)
            if len(self._stems) < _CACHE_LIMIT:
                self._stems[word] = stem
        return stem

    def _unstressed(self, word: str) -> str | None:
        """The word without a stressing prefix ("seg" for "jätteseg"), when that is known."""
        if word in self._surface:
            return None
        for prefix in self.lexicon.intensifiers:
            rest = word[len(prefix) :]
            if (
                word.startswith(prefix)
                and len(rest) >= self.lexicon.min_part
                and (rest in self._surface or self.base(rest) in self._known_stems)
            ):
                return rest
        return None
