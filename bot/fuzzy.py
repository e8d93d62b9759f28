"""Fuzzy matching of catalog aliases in what people write: typos and Swedish inflections."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process

from bot.errors import ConfigError
from bot.text import fold, words

T = TypeVar("T")

# Words whose alias scores are kept: a year of a desk's messages uses fewer different words.
WORDS_REMEMBERED = 50_000
# Longer "words" are no words people use, and are scored without being kept.
LONGEST_REMEMBERED = 40

# Endings of an inflected Swedish noun (skärm-en, konto-t, mapp-arna, sms-et): the same word.
INFLECTIONS = frozenset(
    [
        "n",
        "en",
        "et",
        "t",
        "na",
        "ar",
        "arna",
        "er",
        "erna",
        "or",
        "orna",
        "e",
        "r",
        "a",
        "s",
        "ns",
        "ens",
        "ets",
        "ts",
        "arnas",
        "ernas",
    ]
)


def aliases_of(entry: dict[str, Any], owner: str) -> tuple[str, ...]:
    """An entry's aliases as the YAML lists them. A value YAML read as something other than
    text (an unquoted "g:" is a mapping) would silently never match: it is an error."""
    raw = entry.get("aliases") or ()
    if isinstance(raw, str) or not all(isinstance(alias, str | int | float) for alias in raw):
        raise ConfigError(f'{owner}: every alias must be text; quote ones such as "g:"')
    return tuple(str(alias) for alias in raw)


def token_score(alias: str, token: str, false_friends: Iterable[str] = ()) -> float:
    """How surely one word of a text is this one-word alias (folded both), 0 to 100.

    ``false_friends`` are words that begin like an alias and mean something else ("kontor",
    the office, is not "konto", the account): a word beginning with one is not the alias."""
    if token == alias:
        return 100.0
    if len(alias) >= 3 and token.startswith(alias) and len(token) <= len(alias) + 5:
        rest = token[len(alias) :].removeprefix(":")  # "vpn:en", "sms:et"
        if rest in INFLECTIONS:
            return 95.0
        if (
            len(alias) < 4
            or len(rest) < 3
            or any(len(word) > len(alias) and token.startswith(word) for word in false_friends)
        ):
            return 0.0  # "app" is not in "apply", "mus" not in "musik", "fil" not in "film"
        # A longer word that only starts like the alias counts less than an inflected one:
        # in "skärmen på kontoret flimrar" the screen is meant, not the account ("konto").
        return 86.0
    if len(alias) >= 5 and alias in token:
        return 90.0  # a compound: teamsmötet, outlookkalendern
    if len(alias) >= 5 and abs(len(token) - len(alias)) <= 2:
        return fuzz.ratio(token, alias)
    return 0.0


class Aliases(Generic[T]):
    """The aliases of a catalog's entries, scored against what a person wrote.

    An alias of several words, or one that is no word of its own ("g:"), scores 100 when
    the text holds it; a one-word alias scores its best ``token_score`` over the text's
    words. Only aliases that a word could bring to the floor are scored: the word itself,
    the aliases it begins with or contains, and the close spellings rapidfuzz finds among
    all aliases of about its length at once; a word's scores are remembered, since people
    use the same words over and over. Scoring every alias against every word took about
    2 ms a message with the shipped catalog.
    """

    def __init__(
        self,
        entries: Iterable[tuple[T, str]],
        *,
        floor: float,
        false_friends: Iterable[str] = (),
    ) -> None:
        self._entries = tuple((owner, fold(alias)) for owner, alias in entries)
        self._floor = floor
        self._false_friends = tuple(fold(word) for word in false_friends)
        self._phrases = [i for i, (_, alias) in enumerate(self._entries) if " " in alias]
        # An alias that is no word of its own ("g:", the drive; words() strips the colon)
        # is looked for in the text as written, between word boundaries.
        self._marks = [
            (i, re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)"))
            for i, (_, alias) in enumerate(self._entries)
            if " " not in alias and words(alias) != [alias]
        ]
        marked = {i for i, _ in self._marks}
        self._words: dict[str, list[int]] = {}
        for i, (_, alias) in enumerate(self._entries):
            if " " not in alias and i not in marked:
                self._words.setdefault(alias, []).append(i)
        self._longest = max(map(len, self._words), default=0)
        self._by_length: dict[int, list[str]] = {}
        for alias in self._words:
            if len(alias) >= 5:
                self._by_length.setdefault(len(alias), []).append(alias)
        self._word_scores = functools.lru_cache(maxsize=WORDS_REMEMBERED)(self._score_word)

    def scores(self, text: str) -> list[tuple[T, float]]:
        """Each entry whose alias reaches the floor, with its score, in the entries' order."""
        folded = fold(text)
        found = {i: 100.0 for i in self._phrases if self._entries[i][1] in folded}
        found.update((i, 100.0) for i, mark in self._marks if mark.search(folded))
        for token in set(words(text)):
            score_word = (
                self._word_scores if len(token) <= LONGEST_REMEMBERED else self._score_word
            )
            for i, score in score_word(token):
                found[i] = max(found.get(i, 0.0), score)
        return [
            (self._entries[i][0], score)
            for i, score in sorted(found.items())
            if score >= self._floor
        ]

    def _score_word(self, token: str) -> tuple[tuple[int, float], ...]:
        """(entry, score) for every one-word alias this word scores anything for."""
        scored = (
            (alias, token_score(alias, token, self._false_friends))
            for alias in self._candidates(token)
        )
        return tuple((i, score) for alias, score in scored if score for i in self._words[alias])

    def _candidates(self, token: str) -> set[str]:
        known = self._words
        size = len(token)
        # The word itself, an alias it begins with (3 letters or more) or contains (5 or more).
        found = {token} if token in known else set()
        found.update(
            token[start:end]
            for start in range(size)
            for end in range(
                start + (3 if start == 0 else 5), min(size, start + self._longest) + 1
            )
            if token[start:end] in known
        )
        close = [
            alias
            for length in range(max(5, size - 2), size + 3)
            for alias in self._by_length.get(length, ())
        ]
        found.update(
            alias
            for alias, _, _ in process.extract(
                token, close, scorer=fuzz.ratio, score_cutoff=self._floor, limit=None
            )
        )
        return found
