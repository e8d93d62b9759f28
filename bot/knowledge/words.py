"""Splitting text into folded words, the one way articles, questions and data files share."""

from __future__ import annotations

import re

from bot.text import LETTERS, without_marks

# Hyphens and apostrophes inside a word are dropped rather than split on: "e-post" and
# "epost" must be the same word, "VPN-klienten" one compound, "can't" the stopword "cant".
_JOINER = re.compile(r"(?<=[a-z0-9])['’-](?=[a-z0-9])")
_WORD = re.compile(r"[a-z0-9]+")
# "G:" is how people name a network drive; as a word of its own it would be one letter and
# lost, so it becomes "gdisk", the word "G-disken" also folds to.
_DRIVE = re.compile(r"\b([a-z]):(?![a-z0-9])")
# "S-enheten", "H-disken": a drive letter with a word for a drive is that drive too, where
# the letter glued to "enheten" would be some other word ("senheten").
_DRIVE_NAMED = re.compile(r"\b([a-z])-(?:enhet|disk)(?:en|er|erna|ar|arna)?\b")
_LONGEST_WORD = 40
_LETTER_RUN = 3  # "i e-tjänsten" has two lone letters that are no word together


def fold(text: str) -> str:
    """Lower case without diacritics, as ``bot.text.fold`` (without its Unicode composition
    first): articles are long and mostly Swedish letters the table covers, and only text
    with other accents pays for decomposition."""
    return without_marks(text.lower().translate(LETTERS))


def tokenize(text: str) -> list[str]:
    """Folded words (no case, no diacritics) of up to forty letters, in order.

    Single letters stay, so that "e tjänst" can still be put together; on their own they
    are never searched for.
    """
    folded = _DRIVE_NAMED.sub(r"\1disk", _DRIVE.sub(r"\1disk ", fold(text)))
    folded = _JOINER.sub("", folded)
    words = [word for word in _WORD.findall(folded) if len(word) <= _LONGEST_WORD]
    return _letter_runs(words)


def _letter_runs(words: list[str]) -> list[str]:
    """Three or more single letters in a row are one word: "å, ä, ö" is the tag "åäö"."""
    joined: list[str] = []
    run: list[str] = []
    for word in words:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if run:
            joined += ["".join(run)] if len(run) >= _LETTER_RUN else run
            run = []
        joined.append(word)
    if run:
        joined += ["".join(run)] if len(run) >= _LETTER_RUN else run
    return joined
