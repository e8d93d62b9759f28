"""Small text helpers shared by intent matching, the catalog and the inputs."""

from __future__ import annotations

import functools
import re
import unicodedata

_WORD = re.compile(r"[\w:+-]+", re.UNICODE)
# The letters folded by table before anything else: the Nordic ones and the common accents.
LETTERS = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})


class _Plain(dict[int, str]):
    """A character as NFKD decomposes it, without its combining marks ("é" → "e", "ﬁ" →
    "fi"). Decomposing is done character by character, so translating a text by this is the
    same as normalising the whole text and dropping the marks, in one pass instead of three.
    The characters met are remembered, up to a bound hostile text cannot push memory past."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        plain = "".join(char for char in decomposed if not unicodedata.combining(char))
        if len(self) < _PLAIN_REMEMBERED:
            self[code] = plain
        return plain


_PLAIN_REMEMBERED = 4096
_PLAIN = _Plain()


def fold(text: str) -> str:
    """Lower case without diacritics: people type "losenord" as often as "lösenord"."""
    return without_marks(unicodedata.normalize("NFC", text).lower().translate(LETTERS))


def without_marks(text: str) -> str:
    """``text`` with each character as NFKD decomposes it, its combining marks dropped."""
    return text if text.isascii() else text.translate(_PLAIN)


def words(text: str) -> list[str]:
    """The folded words of ``text``. The flows ask many questions of one message, so the
    words of the last few texts are kept."""
    return list(_words(text))


@functools.lru_cache(maxsize=256)
def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip("-:+") for word in _WORD.findall(fold(text)) if word.strip("-:+"))


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
