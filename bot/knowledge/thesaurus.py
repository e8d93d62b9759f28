"""The word data made searchable: synonyms to concepts, phrases, and off-topic words.

Each synonym group becomes one concept term ("=mejl" for mejl, mail, e-post, Outlook). A
word is looked up exactly first, then by its stem, so "mailen" finds "mail"'s group while
an entry marked exact ("=lösen") never catches "lösa".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.knowledge.lexicon import Lexicon

CONCEPT = "="  # prefix of a synonym group's term, so it never collides with a plain stem
FOREIGN = "!"  # prefix of an off-topic phrase's term ("!building_permit")
_SUBJECT_WORDS = 3  # "startar min nya dator om": a subject of up to three words


@dataclass(frozen=True, slots=True)
class Phrase:
    """A synonym phrase found in a text: its concept, how many words it spans, and the words
    inside that span that are not its own (the subject in "stängs outlook ner")."""

    concept: str | None
    length: int
    inside: tuple[int, ...] = ()


_NONE = Phrase(None, 1)


class Thesaurus:
    def __init__(self, lexicon: Lexicon, stem: Callable[[str], str]) -> None:
        self._stem = stem
        self.exact: dict[str, str] = {}
        self._by_stem: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        self._foreign_exact: set[str] = set()
        self._foreign_stems: set[str] = set()
        self._inserted = lexicon.negations | lexicon.subjects
        self._particles = lexicon.particles
        self._finite = lexicon.finite
        self._apart = lexicon.particles | lexicon.places
        self._function = lexicon.stopwords
        self._load_synonyms(lexicon)
        self._load_offtopic(lexicon)
        self._starts = frozenset(key[0] for key in self._phrases)
        self._pairs = frozenset(key[:2] for key in self._phrases)
        self._longest = max((len(key) for key in self._phrases), default=1)

    def concept(self, word: str) -> str | None:
        """The concept of a listed word, by the word itself or by its stem."""
        return self.exact.get(word) or self._by_stem.get(self._stem(word))

    def concept_of_stem(self, stem: str) -> str | None:
        return self._by_stem.get(stem)

    def is_foreign(self, word: str) -> bool:
        return word in self._foreign_exact or self._stem(word) in self._foreign_stems

    def may_start_phrase(self, stem: str) -> bool:
        return stem in self._starts

    def phrase_at(self, words: list[str], stems: list[str], position: int) -> Phrase:
        """The synonym phrase starting at ``position``, if any."""
        if stems[position] not in self._starts:
            return _NONE
        window = range(position, min(len(words), position + 2 * self._longest))
        found = self._phrase_in(stems, list(window))
        if found is not None:
            return Phrase(found[0], found[1] - position + 1)
        # A negation inside a phrase changes nothing about the topic: "kommer inte åt"
        # is the phrase "kommer åt", "fungerar inte" said with extra words. Nor does the
        # subject a Swedish question puts after the verb: "loggar jag in" is "logga in".
        kept = [i for i in window if words[i] not in self._inserted]
        found = self._phrase_in(stems, kept)
        if found is not None:
            return Phrase(found[0], found[1] - position + 1)
        return self._split_at(words, stems, kept) if kept and kept[0] == position else _NONE

    def _split_at(self, words: list[str], stems: list[str], kept: list[int]) -> Phrase:
        """A particle verb with a whole subject between verb and particle.

        Swedish puts the subject after a finite verb that does not open its clause, and
        before the verb's particle: "så stängs outlook ner" is "stängs ner", "varför kommer
        min nya dator inte in" is "komma in". The verb must be finite (a question's "-r", "-s",
        "-de", "-te"), or "skrivaren … ut" would be "skriva ut"; the subject is a few words
        none of which is a particle or a preposition, and its last is no stopword.
        """
        if len(kept) < 3 or not self._particles or not words[kept[0]].endswith(self._finite):
            return _NONE
        for size in range(1, min(_SUBJECT_WORDS, len(kept) - 2) + 1):
            subject, particle = kept[1 : 1 + size], kept[1 + size]
            last = words[subject[-1]]
            if last in self._apart:
                return _NONE
            if words[particle] not in self._particles or last in self._function:
                continue
            found = self._phrase_in(stems, [kept[0], *kept[1 + size :]])
            if found is not None:
                return Phrase(found[0], found[1] - kept[0] + 1, tuple(subject))
        return _NONE

    def _phrase_in(self, stems: list[str], indexes: list[int]) -> tuple[str, int] | None:
        if len(indexes) < 2 or (stems[indexes[0]], stems[indexes[1]]) not in self._pairs:
            return None
        for length in range(min(self._longest, len(indexes)), 1, -1):
            concept = self._phrases.get(tuple(stems[i] for i in indexes[:length]))
            if concept is not None:
                return concept, indexes[length - 1]
        return None

    def _load_synonyms(self, lexicon: Lexicon) -> None:
        # The first group that claims a word keeps it; later claims would be data mistakes.
        for group in lexicon.groups:
            concept = CONCEPT + "_".join(group[0].words)
            for entry in group:
                if len(entry.words) > 1:
                    self._phrases.setdefault(tuple(map(self._stem, entry.words)), concept)
                    if lexicon.compounds and len(entry.words) == 2:
                        # Written as one word, a phrase is a compound: "extraskärmen".
                        self._by_stem.setdefault(self._stem("".join(entry.words)), concept)
                    continue
                word = entry.words[0]
                self.exact.setdefault(word, concept)
                if not entry.exact:
                    self._by_stem.setdefault(self._stem(word), concept)

    def _load_offtopic(self, lexicon: Lexicon) -> None:
        for entry in lexicon.offtopic:
            if len(entry.words) > 1:
                key = tuple(map(self._stem, entry.words))
                self._phrases.setdefault(key, FOREIGN + "_".join(entry.words))
                continue
            self._foreign_exact.add(entry.words[0])
            if not entry.exact:
                self._foreign_stems.add(self._stem(entry.words[0]))
