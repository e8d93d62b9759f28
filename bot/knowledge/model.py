"""The values the knowledge base hands out: articles, search hits and load problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("sv", "en")


@dataclass(frozen=True, slots=True)
class Article:
    """One knowledge article: YAML front matter plus a Markdown body."""

    id: str
    title: str
    lang: str
    service: str | None
    tags: tuple[str, ...]
    body: str
    path: Path


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result the bot would really suggest; ``score`` runs from 0 to 100."""

    article: Article
    score: float


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file was skipped (or is suspect), pointing at the line to fix."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
