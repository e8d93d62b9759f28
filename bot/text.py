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


def preview(text: str, limit: int) -> str:
    """At most ``limit`` characters of a guide with its lines kept (numbered steps stay steps
    on a phone), cut after a whole line where one ends late enough, with an ellipsis when cut.
    """
    lines: list[str] = []
    for line in text.strip().splitlines():
        line = " ".join(line.split())
        if line or (lines and lines[-1]):  # one empty line between paragraphs, never two
            lines.append(line)
    kept = "\n".join(lines).strip()
    if len(kept) <= limit:
        return kept
    head = kept[: limit - 1]
    cut = head.rsplit("\n", 1)[0] if head.rfind("\n") > limit // 2 else head.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"
