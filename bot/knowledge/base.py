"""The knowledge base the bot holds: articles, their indexes, and reloading on change."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.index import LanguageIndex, build_index
from bot.knowledge.loader import load_directory
from bot.knowledge.memory import Memory, normalise
from bot.knowledge.model import LANGUAGES, Article, Hit, Problem
from bot.knowledge.search import decide_index

logger = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Everything one search needs, swapped as a whole so a search never sees half a reload."""

    articles: tuple[Article, ...]
    by_key: dict[tuple[str, str], Article]
    indexes: dict[str, LanguageIndex]
    memories: Mapping[str, Memory]  # example questions per language: ranking and decision
    problems: tuple[Problem, ...]
    signature: Signature


class KnowledgeBase:
    """Articles in ``<root>/<lang>/<slug>.md``, searchable in Swedish and English.

    Build one with :meth:`from_directory`. Files that cannot be used are skipped and listed
    in :attr:`problems`; the rest still load.
    """

    def __init__(
        self,
        articles: Iterable[Article] = (),
        problems: Iterable[Problem] = (),
        *,
        root: Path | None = None,
        memories: Mapping[str, Memory] | None = None,
    ) -> None:
        """Articles held in memory; with ``root``, :meth:`reload` reads them from there.

        ``memories`` are example questions per language (``memory.build``).
        """
        self._root = root
        self._reloading = threading.Lock()
        self._snapshot = _build(tuple(articles), tuple(problems), (), memories or {})

    @classmethod
    def from_directory(cls, path: str | Path) -> KnowledgeBase:
        base = cls(root=Path(path))
        base.reload()
        return base

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._snapshot.problems

    def articles(self, lang: str | None = None) -> tuple[Article, ...]:
        articles = self._snapshot.articles
        return articles if lang is None else tuple(a for a in articles if a.lang == lang)

    def get(self, article_id: str, lang: str | None = None) -> Article | None:
        snapshot = self._snapshot
        if lang is not None:
            return snapshot.by_key.get((lang, article_id))
        found = (snapshot.by_key.get((code, article_id)) for code in LANGUAGES)
        return next((article for article in found if article is not None), None)

    def has_example(self, lang: str, article_id: str, question: str) -> bool:
        """Whether the example memory already holds ``question`` (as it compares questions:
        folded words) for the article."""
        memory = self._snapshot.memories.get(lang)
        return memory is not None and normalise(question) in memory.answered.get(article_id, ())

    def search(self, query: str, lang: str | None = None, limit: int = 3) -> list[Hit]:
        """Articles worth suggesting for ``query``, best first; empty when none is relevant.

        ``lang`` limits the search to one language; without it every language is searched
        (each with its own words) and the best hits are merged.
        """
        if limit <= 0 or not isinstance(query, str):
            return []
        snapshot = self._snapshot
        codes = LANGUAGES if lang is None else (lang,)
        hits = [hit for code in codes for hit in _decide(snapshot, code, query)[0]]
        return _best_first(hits)[:limit]

    def maybe(self, query: str, *, lang: str) -> Hit | None:
        """The best article when :meth:`search` finds none worth suggesting but this one is
        more likely right than not: for asking "maybe this one?", never for showing as an
        answer. None when there is none, or when :meth:`search` would suggest it."""
        return self.suggestions(query, lang=lang, limit=1)[1]

    def suggestions(
        self, query: str, *, lang: str, limit: int = 3
    ) -> tuple[list[Hit], Hit | None]:
        """:meth:`search` in one language and, when it finds nothing, :meth:`maybe`: both
        from one judgement of the question."""
        if limit <= 0 or not isinstance(query, str):
            return [], None
        hits, maybe = _decide(self._snapshot, lang, query)
        return _best_first(hits)[:limit], maybe

    def other_domain(self, text: str, *, lang: str) -> tuple[str, ...]:
        """The words of ``text`` that belong to another part of the organisation than IT
        ("värmen", "gatlampa", "lönespecifikation"; the word data's off-topic lists), except
        those that only say where it happens ("i bygglovsansökan")."""
        index = self._snapshot.indexes.get(lang)
        if index is None or not isinstance(text, str):
            return ()
        groups = index.parser.groups(text)
        return tuple(group.word for group in groups if group.foreign and not group.setting)

    def reload(self) -> None:
        """Read the directory again now; searches keep using the old articles until done."""
        if self._root is not None:
            with self._reloading:
                self._load(self._root, _signature(self._root))

    def reload_if_changed(self) -> bool:
        """Reload when a file was added, removed or changed since the last load.

        The check is one ``stat`` per file, cheap enough to call before answering.
        """
        root = self._root
        if root is None or not root.is_dir():
            return False
        with self._reloading:
            signature = _signature(root)
            if signature == self._snapshot.signature:
                return False
            self._load(root, signature)
            return True

    def _load(self, root: Path, signature: Signature) -> None:
        # The signature is taken before reading, so a change made while we read is seen
        # as a change by the next check rather than lost.
        loaded = load_directory(root)
        _log_problems(loaded.problems)
        self._snapshot = _build(loaded.articles, loaded.problems, signature, loaded.memories)
        logger.info("knowledge base loaded from %s: %d articles", root, len(loaded.articles))


def _build(
    articles: tuple[Article, ...],
    problems: tuple[Problem, ...],
    signature: Signature,
    memories: Mapping[str, Memory],
) -> _Snapshot:
    indexes = {
        code: build_index(code, chosen)
        for code in LANGUAGES
        if (chosen := [article for article in articles if article.lang == code])
    }
    by_key = {(article.lang, article.id): article for article in articles}
    return _Snapshot(articles, by_key, indexes, dict(memories), problems, signature)


def _signature(root: Path) -> Signature:
    """Name, modification time and size of everything under the root, one level deep."""
    found: list[tuple[str, int, int]] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return ()
    for entry in entries:
        try:
            stat = entry.stat()
            found.append((entry.name, stat.st_mtime_ns, stat.st_size))
            if entry.is_dir():
                with os.scandir(entry.path) as children:
                    for child in children:
                        child_stat = child.stat()
                        name = f"{entry.name}/{child.name}"
                        found.append((name, child_stat.st_mtime_ns, child_stat.st_size))
        except OSError:  # a file removed while we looked: the next check sees the change
            continue
    return tuple(sorted(found))


def _log_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        logger.warning("knowledge base: %s", problem)


def _decide(snapshot: _Snapshot, lang: str, query: str) -> tuple[list[Hit], Hit | None]:
    """One language's articles worth suggesting, and its "maybe this one?" when there are
    none (``search.decide_index``)."""
    index = snapshot.indexes.get(lang)
    if index is None:
        return [], None
    found, maybe = decide_index(index, query, memory=snapshot.memories.get(lang))
    hits = [Hit(index.articles[number], score) for number, score in found]
    return hits, None if maybe is None else Hit(index.articles[maybe[0]], maybe[1])


def _best_first(hits: list[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda hit: (-hit.score, hit.article.id))
