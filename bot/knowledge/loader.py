"""Reading ``<root>/<lang>/<slug>.md`` files into articles, reporting what is wrong and where.

Every problem names the file and the line to fix. A broken file is skipped on its own; the
rest of the directory still loads, so one bad edit never takes the bot's answers down.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.frontmatter import FrontMatterError, read_front_matter
from bot.knowledge.memory import Memory, load_examples
from bot.knowledge.model import LANGUAGES, Article, Problem

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class LoadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    memories: Mapping[str, Memory] = field(default_factory=dict)  # example questions


def load_directory(root: str | Path) -> LoadResult:
    """All valid articles under ``root`` and every problem found on the way."""
    root = Path(root)
    if not root.is_dir():
        return LoadResult((), (Problem(root, 0, "knowledge base directory not found"),))
    articles: list[Article] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Path] = {}
    for lang, path in _article_files(root, problems):
        article, found = parse_article(path, lang)
        problems.extend(found)
        if article is None:
            continue
        first = seen.setdefault((article.lang, article.id), path)
        if first != path:
            line = _key_line(path, "id")
            problems.append(Problem(path, line, f"duplicate id {article.id!r} (also {first})"))
            continue
        articles.append(article)
    known = {
        lang: [article.id for article in articles if article.lang == lang] for lang in LANGUAGES
    }
    memories, found = load_examples(root, known)
    return LoadResult(tuple(articles), (*problems, *found), memories)


def check_directory(root: str | Path) -> list[Problem]:
    """What ``spoc kb check`` reports: every problem in the directory, empty when all is well."""
    return list(load_directory(root).problems)


def _article_files(root: Path, problems: list[Problem]) -> Iterator[tuple[str, Path]]:
    for entry in sorted(os.scandir(root), key=lambda item: item.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        directory = Path(entry.path)
        names = sorted(name for name in os.listdir(directory) if _is_article_name(name))
        if entry.name not in LANGUAGES:
            if names:
                expected = " or ".join(LANGUAGES)
                message = f"unsupported language directory {entry.name!r} (expected {expected})"
                problems.append(Problem(directory, 0, message))
            continue
        for name in names:
            yield entry.name, directory / name


def _is_article_name(name: str) -> bool:
    # Editors leave ".#file.md" locks and "file.md~" backups beside the real file.
    return name.endswith(".md") and not name.startswith((".", "#"))


def parse_article(path: Path, lang_dir: str) -> tuple[Article | None, list[Problem]]:
    """One file as an article, or ``None`` and the problems that make it unusable."""
    try:
        front = read_front_matter(path)
    except FrontMatterError as invalid:
        return None, [Problem(path, invalid.line, invalid.message)]
    problems: list[Problem] = []

    def field(key: str, value: str | None, message: str) -> str | None:
        if value is None:
            problems.append(Problem(path, front.lines.get(key, 1), message))
        return value

    values = front.values
    article_id = field("id", _text(values.get("id", path.stem)), "id must be a short slug")
    if article_id is not None and not _ID.match(article_id):
        problems.append(Problem(path, front.lines.get("id", 1), f"bad id {article_id!r}"))
    title = field("title", _text(values.get("title")), "missing title")
    lang = _text(values.get("lang", lang_dir))
    if lang != lang_dir:
        problems.append(Problem(path, front.lines.get("lang", 1), _lang_message(lang, lang_dir)))
    service = values.get("service")
    if service is not None and _text(service) is None:
        problems.append(Problem(path, front.lines["service"], "service must be text"))
    tags = _tags(values.get("tags", ()))
    if tags is None:
        problems.append(Problem(path, front.lines["tags"], "tags must be a list of words"))
    if not front.body:
        problems.append(Problem(path, front.body_line, "article has no body"))
    if problems or article_id is None or title is None or tags is None:
        return None, problems
    text_service = _text(service) if service is not None else None
    return Article(article_id, title, lang_dir, text_service, tags, front.body, path), []


def _lang_message(lang: str | None, lang_dir: str) -> str:
    if lang not in LANGUAGES:
        return f"bad language {lang!r} (expected {' or '.join(LANGUAGES)})"
    return f"language {lang!r} does not match its directory {lang_dir!r}"


def _text(value: object) -> str | None:
    # YAML reads `id: 2024` as a number; a number is still a fine id or title.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return text or None


def _tags(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        return None
    tags = tuple(_text(item) for item in value)
    if any(tag is None for tag in tags):
        return None
    return tuple(tag for tag in tags if tag is not None)


def _key_line(path: Path, key: str) -> int:
    try:
        return read_front_matter(path).lines.get(key, 1)
    except FrontMatterError:
        return 1
