"""Swedish compounds: "teamsmötet" is "teams" + "möte", "lösenordsbyte" "lösenord" + "byte".

A word is split only into parts that are whole words the knowledge base or the word data
uses (give or take an ending), never into fragments that merely share a stem with one:
otherwise "felmeddelande" would end in the stem of "anda" and "gatlampan" start with "gått".
"""

from __future__ import annotations

from typing import Protocol

from bot.knowledge.lexicon import Lexicon

_MAX_PARTS = 3
# A compound's first part is often a word stripped of its ending: "skrivar|kö" (skrivare),
# "jobb|telefon" (jobbet).
_MODIFIER_ENDINGS = ("e", "a", "en", "et")
_REST = 4  # the unknown rest of a half-known compound must look like a word of its own
_VOWELS = frozenset("aeiouy")


class Vocabulary(Protocol):
    @property
    def lexicon(self) -> Lexicon: ...

    def stem(self, word: str) -> str: ...

    def concept(self, word: str) -> str: ...

    def is_known(self, word: str) -> bool: ...


def split(words: Vocabulary, word: str, depth: int = 1) -> tuple[str, ...] | None:
    """The terms of the compound's parts, fewest and most even parts first; None for no
    compound."""
    shortest = words.lexicon.min_part
    if not words.lexicon.compounds or len(word) < 2 * shortest:
        return None
    best: tuple[tuple[int, int], tuple[str, ...]] | None = None
    for cut in range(shortest, len(word) - shortest + 1):
        left = part(words, word[:cut], modifier=True)
        if left is None:
            continue
        head = part(words, word[cut:], modifier=False)
        rest: tuple[str, ...] | None = (head,) if head else None
        if rest is None and depth < _MAX_PARTS - 1:
            rest = split(words, word[cut:], depth + 1)
        if rest is None:
            continue
        parts = (left, *rest)
        rank = (len(parts), -min(cut, len(word) - cut))
        if best is None or rank < best[0]:
            best = (rank, parts)
    return best[1] if best else None


def known_end(words: Vocabulary, word: str) -> tuple[str, str] | None:
    """("funktionen", term of "sök") for "sökfunktionen": a known part and the unknown rest.

    For a question's word that is neither known nor a compound of known words, the known
    part is still evidence; the rest stays an unknown word.
    """
    if not words.lexicon.compounds:
        return None
    for cut in range(len(word) - _REST, words.lexicon.min_part - 1, -1):
        rest = word[cut:]
        term = part(words, word[:cut], modifier=True)
        if term is not None and _is_word_like(rest):
            return rest, term
        rest = word[:-cut]
        term = part(words, word[-cut:], modifier=False)
        if term is not None and _is_word_like(rest):
            return rest, term
    return None


def part(words: Vocabulary, fragment: str, *, modifier: bool) -> str | None:
    """The term of a compound's part, when the part is a word the vocabulary has."""
    shortest = words.lexicon.min_part
    stopwords = words.lexicon.stopwords
    if len(fragment) < shortest or fragment in stopwords:
        return None
    for form in _forms(words, fragment, modifier=modifier):
        if len(form) >= shortest and form not in stopwords and words.is_known(form):
            return words.concept(form if modifier else fragment)
    return None


def _forms(words: Vocabulary, fragment: str, *, modifier: bool) -> list[str]:
    forms = [fragment]
    if modifier:
        # "lösenords|byte" has a linking s; "skrivar|kö" drops the e of "skrivare";
        # "jobb|telefon" is "jobbet" without its ending.
        forms += [
            fragment[: -len(link)] for link in words.lexicon.linking if fragment.endswith(link)
        ]
        forms += [fragment + ending for ending in _MODIFIER_ENDINGS]
    else:
        # The head carries the whole word's ending: "teams|mötet" is the word "möte".
        stem = words.stem(fragment)
        forms += [fragment[:-cut] for cut in (1, 2, 3) if words.stem(fragment[:-cut]) == stem]
    return forms


def _is_word_like(text: str) -> bool:
    return len(text) >= _REST and not _VOWELS.isdisjoint(text)
