"""Small text helpers shared by intent matching, the catalog and the inputs."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[\w:+-]+", re.UNICODE)
_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})


def fold(text: str) -> str:
    """Lower case without diacritics: people type "losenord" as often as "lösenord"."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    return [word.strip("-:+") for word in _WORD.findall(fold(text)) if word.strip("-:+")]


def printable(text: str) -> str:
    """Text without control characters (new lines and tabs stay): what a person meant, and
    nothing a database refuses (PostgreSQL stores no NUL)."""
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char)[0] != "C")


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
