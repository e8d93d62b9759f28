"""Questions people asked and what answered them: evidence for the ranking and the decision.

Intent-based bots learn from example utterances; here the examples only *add* evidence to
the word-based search: how close a question is to an article's examples is blended into the
article's score, and the confidence model weighs it. ``knowledge_base/examples.yaml``
(beside the article directories, so it is no article and ``spoc kb check`` still reads only
articles as articles) holds, per language, the questions an article answered and the
questions no article should answer:

    sv:
      answered:
        password-forgotten: ["glömt lösen", "kommer inte ihåg lösenordet"]
      unanswered: ["när har biblioteket öppet"]

A knowledge manager adds to it, and questions a suggested article helped with can grow it.
A missing file is an empty memory; a malformed one, or an entry naming no article, is
reported and left out, like a bad article: the search goes on without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.knowledge.model import LANGUAGES, Problem
from bot.knowledge.words import tokenize

FILE_NAME = "examples.yaml"
RIVALS = 2  # the runner-up candidates whose examples are compared too
EXAMPLE_SHARE = 0.3  # of a candidate's score, from its examples (``blend``)


def normalise(text: str) -> str:
    """Folded words joined by one space: how examples and questions are compared.

    Stopwords stay: leaving them out scored lower by leave-one-set-out (pooled top-3 0.970
    -> 0.957, off-topic rejected 880 -> 875 of 886); how a question is put says something.
    """
    return " ".join(tokenize(text))


@dataclass(frozen=True, slots=True)
class Memory:
    """One language's examples, normalised: article id -> questions, and the unanswered."""

    answered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unanswered: tuple[str, ...] = ()

    def knows(self, article_id: str) -> bool:
        return bool(self.answered.get(article_id))

    def nearest(self, text: str, article_id: str) -> float:
        """How close (0..1) the normalised question is to the article's closest example."""
        return _closest(text, self.answered.get(article_id, ()))

    def nearest_unanswered(self, text: str) -> float:
        return _closest(text, self.unanswered)


def _closest(text: str, choices: tuple[str, ...]) -> float:
    if not choices or not text:
        return 0.0
    # Levenshtein ratio over folded words: measured against token-sort, token-set and WRatio
    # by leave-one-set-out nearest neighbour on the labelled questions, it was as right as
    # the best and several times faster.
    found = process.extractOne(text, choices, scorer=fuzz.ratio)
    return 0.0 if found is None else found[1] / 100


def nearest(memory: Memory, text: str, article_ids: Iterable[str]) -> list[float | None]:
    """How close the normalised question is to each article's nearest example; None for an
    article without examples."""
    return [memory.nearest(text, key) if memory.knows(key) else None for key in article_ids]


def blend(scores: Sequence[float], closeness: Sequence[float | None], floor: float) -> list[float]:
    """The candidates' scores (0..100) with the question's closeness to their examples.

    Examples rank, not only judge: "kontot låser sig sen jag bytte lösen, har mejlen i
    mobilen" reads as a phone question by its words, but it is phrased like the questions a
    locked account answered. By leave-one-set-out, blending 0.3 of the closeness in raised
    the pooled top-3 from 0.962 to 0.969 and MRR@3 from 0.941 to 0.961, at the same 1,039 of
    1,046 off-topic questions rejected.

    The memory can only compare articles it knows: when a candidate that scores at least
    ``floor`` by its words has no examples (a new article), the words alone rank, so its
    better-known neighbours cannot take its questions.
    """
    if any(near is None for score, near in zip(scores, closeness, strict=True) if score >= floor):
        return list(scores)
    return [
        score
        if near is None
        else round((1 - EXAMPLE_SHARE) * score + EXAMPLE_SHARE * 100 * near, 1)
        for score, near in zip(scores, closeness, strict=True)
    ]


def evidence(
    closeness: Sequence[float | None], unanswered: float
) -> tuple[float, float, float] | None:
    """What the memory says of the best candidate (the first): how close the question is to
    its examples, to the examples of the next few candidates, and to the questions no article
    answers. None when the best article has no examples: the words alone decide.
    """
    if not closeness or closeness[0] is None:
        return None
    rival = max((near or 0.0 for near in closeness[1 : 1 + RIVALS]), default=0.0)
    return closeness[0], rival, unanswered


def build(
    rows: Iterable[tuple[str, str, str | None]],
) -> dict[str, Memory]:
    """Memories per language from (language, question, article id or None) rows."""
    answered: dict[str, dict[str, list[str]]] = {}
    unanswered: dict[str, list[str]] = {}
    for lang, question, article_id in rows:
        text = normalise(question)
        if not text:
            continue
        if article_id is None:
            unanswered.setdefault(lang, []).append(text)
        else:
            answered.setdefault(lang, {}).setdefault(article_id, []).append(text)
    return {
        lang: Memory(
            {key: tuple(dict.fromkeys(found)) for key, found in answered.get(lang, {}).items()},
            tuple(dict.fromkeys(unanswered.get(lang, ()))),
        )
        for lang in answered.keys() | unanswered.keys()
    }


def load_examples(
    root: Path, known: Mapping[str, Iterable[str]]
) -> tuple[dict[str, Memory], list[Problem]]:
    """The memories of ``<root>/examples.yaml`` and what is wrong with it.

    ``known`` maps a language to its article ids; an example of an article that is not
    there is reported and left out. A file that cannot be read at all is one problem and
    no memory.
    """
    path = root / FILE_NAME
    if not path.is_file():
        return {}, []
    try:
        stat = path.stat()
    except OSError:
        return {}, []
    # Read once per version of the file and set of articles: every knowledge base built in
    # one process (a test's app, a reload that changed only an article) shares it.
    ids = tuple(sorted((lang, tuple(sorted(found))) for lang, found in known.items()))
    version = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    memories, problems = _load_examples(path, version, ids)
    return dict(memories), list(problems)


@lru_cache(maxsize=8)
def _load_examples(
    path: Path, _version: tuple[Path, int, int], ids: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[dict[str, Memory], tuple[Problem, ...]]:
    memories, problems = _read_examples(path, dict(ids))
    return memories, tuple(problems)


def _read_examples(
    path: Path, known: Mapping[str, Iterable[str]]
) -> tuple[dict[str, Memory], list[Problem]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as unreadable:
        line = getattr(getattr(unreadable, "problem_mark", None), "line", -1) + 1
        return {}, [Problem(path, line, f"examples not read: {unreadable}")]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [Problem(path, 1, "examples must map a language to its examples")]
    problems: list[Problem] = []
    rows: list[tuple[str, str, str | None]] = []
    for lang, section in data.items():
        if lang not in LANGUAGES or not isinstance(section, dict):
            problems.append(Problem(path, 1, f"examples: bad language section {lang!r}"))
            continue
        ids = set(known.get(lang, ()))
        rows += _rows(path, lang, section, ids, problems)
    return build(rows), problems


def _rows(
    path: Path, lang: str, section: dict[object, object], ids: set[str], problems: list[Problem]
) -> list[tuple[str, str, str | None]]:
    rows: list[tuple[str, str, str | None]] = []
    answered = section.get("answered") or {}
    if not isinstance(answered, dict):
        problems.append(Problem(path, 1, f"examples: {lang}.answered must map ids to lists"))
        answered = {}
    for article_id, questions in answered.items():
        if str(article_id) not in ids:
            problems.append(Problem(path, 1, f"examples: no {lang} article {article_id!r}"))
            continue
        rows += [(lang, text, str(article_id)) for text in _texts(path, questions, problems)]
    unanswered = _texts(path, section.get("unanswered") or [], problems)
    rows += [(lang, text, None) for text in unanswered]
    return rows


def _texts(path: Path, value: object, problems: list[Problem]) -> list[str]:
    if not isinstance(value, list):
        problems.append(Problem(path, 1, "examples: questions must be a list of text"))
        return []
    texts = [item for item in value if isinstance(item, str)]
    if len(texts) != len(value):
        problems.append(Problem(path, 1, "examples: a question that is not text left out"))
    return texts


def add_examples(root: Path, additions: Iterable[tuple[str, str, str]]) -> int:
    """Add (language, article id, question) to ``<root>/examples.yaml``; how many were new.

    A question the article already has (compared as the search compares them: folded words)
    is not added twice. The file's opening comment is kept; the rest is written again as
    YAML, and atomically, so the search's hot reload never reads half a file. A file that
    cannot be read is left as it is (ValueError): nothing a person wrote is thrown away.
    """
    path = root / FILE_NAME
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as unreadable:
        raise ValueError(f"{path} is not valid YAML; fix it first: {unreadable}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must map a language to its examples; fix it first")
    added = 0
    for lang, article_id, question in additions:
        section = data.setdefault(lang, {})
        answered = section.setdefault("answered", {}) if isinstance(section, dict) else None
        if not isinstance(answered, dict):
            raise ValueError(f"{path}: {lang}.answered must map ids to lists; fix it first")
        questions = answered.setdefault(article_id, [])
        if not isinstance(questions, list):
            raise ValueError(f"{path}: {lang}.answered.{article_id} must be a list; fix it first")
        folded = {normalise(str(known)) for known in questions}
        if (key := normalise(question)) and key not in folded:
            questions.append(question)
            added += 1
    if added:
        header = "".join(_opening_comment(text))
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        written = path.with_name(f".{FILE_NAME}.tmp")
        written.write_text(header + body, encoding="utf-8")
        written.replace(path)
    return added


def _opening_comment(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    opening = []
    for line in lines:
        if not line.startswith("#"):
            break
        opening.append(line if line.endswith("\n") else line + "\n")
    return opening
