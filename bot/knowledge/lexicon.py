"""The per-language word data in ``data/*.yaml``: stopwords, synonyms and morphology.

Kept as data so the service desk can add "mejl = e-post" without touching the search code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.words import tokenize

_DATA = Path(__file__).with_name("data")
EXACT = "="


@dataclass(frozen=True, slots=True)
class Entry:
    """One synonym entry: its folded words, and whether only that exact form counts."""

    words: tuple[str, ...]
    exact: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    lang: str
    stemmer: str
    stopwords: frozenset[str]
    weak: frozenset[str]
    suffixes: tuple[str, ...]
    compounds: bool
    min_part: int
    linking: tuple[str, ...]
    intensifiers: tuple[str, ...]
    negations: frozenset[str]
    subjects: frozenset[str]
    irregular: Mapping[str, str]
    groups: tuple[tuple[Entry, ...], ...]
    offtopic: tuple[Entry, ...]
    # words of questions that name another domain as their subject: a form or an e-service
    # is always for something ("bygglovsansökan"), so that domain's words count for nothing
    hosts: frozenset[str] = frozenset()
    # words that ask how a case is decided ("besked", "beslut"): a question with one is about
    # the other domain's case, not its form, so a form named beside it excuses nothing
    cases: frozenset[str] = frozenset()
    # words that ask which form ("vilken blankett ska jag fylla i för tjänstledighet"): such a
    # question asks for the other domain's form, not about one that fails
    which: frozenset[str] = frozenset()
    # words that put the next word in the question's setting, not its subject: "glömde
    # jobbtelefonen på bussen", "i nämndsammanträdet", "from an agency"
    places: frozenset[str] = frozenset()
    # words that ask where ("var kan jag skriva ut på biblioteket"): then the place is the
    # point of the question, and its words are no setting
    where: frozenset[str] = frozenset()
    # words that open a question asking how to do something ("hur", "how"), and words that do
    # so when a subject follows ("kan man", "can I")
    how: frozenset[str] = frozenset()
    can: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()
    light: frozenset[str] = frozenset()  # verbs whose object says what is done
    # phrases that switch something on or off ("slå på"): what is switched says what is done
    switches: frozenset[tuple[str, ...]] = frozenset()
    measures: frozenset[str] = frozenset()  # "hur lång tid", "how many": no action asked
    # verb particles ("in", "ner", "om"), and the endings of a finite verb, that a subject
    # may stand between: "så stängs outlook ner" (see thesaurus.py)
    particles: frozenset[str] = frozenset()
    finite: tuple[str, ...] = ()


@cache
def lexicon(lang: str) -> Lexicon:
    """The word data of ``lang``, read once per process."""
    morphology = _read(f"morphology_{lang}.yaml")
    stopwords = _read(f"stopwords_{lang}.yaml")
    synonyms = _read(f"synonyms_{lang}.yaml")
    offtopic = _read(f"offtopic_{lang}.yaml")
    return Lexicon(
        lang=lang,
        stemmer=str(morphology["stemmer"]),
        stopwords=frozenset(tokenize(str(stopwords["words"]))),
        weak=frozenset(tokenize(str(stopwords.get("weak") or ""))),
        suffixes=tuple(str(suffix) for suffix in morphology.get("suffixes") or ()),
        compounds=bool(morphology.get("compounds")),
        min_part=int(morphology.get("min_part", 3)),
        linking=tuple(str(letter) for letter in morphology.get("linking") or ()),
        intensifiers=tuple(tokenize(" ".join(morphology.get("intensifiers") or ()))),
        negations=frozenset(tokenize(" ".join(morphology.get("negations") or ()))),
        subjects=frozenset(tokenize(" ".join(morphology.get("subjects") or ()))),
        irregular=_pairs(morphology.get("irregular") or {}),
        groups=tuple(_group(group) for group in synonyms["groups"]),
        offtopic=_group(offtopic["words"]),
        hosts=frozenset(tokenize(" ".join(offtopic.get("hosts") or ()))),
        cases=frozenset(tokenize(" ".join(offtopic.get("cases") or ()))),
        which=frozenset(tokenize(" ".join(offtopic.get("which") or ()))),
        places=frozenset(tokenize(" ".join(morphology.get("places") or ()))),
        where=frozenset(tokenize(" ".join(morphology.get("where") or ()))),
        how=frozenset(tokenize(" ".join(morphology.get("how") or ()))),
        can=frozenset(tokenize(" ".join(morphology.get("can") or ()))),
        persons=frozenset(tokenize(" ".join(morphology.get("persons") or ()))),
        light=frozenset(tokenize(" ".join(morphology.get("light") or ()))),
        switches=frozenset(tuple(tokenize(phrase)) for phrase in morphology.get("switches") or ()),
        measures=frozenset(tokenize(" ".join(morphology.get("measures") or ()))),
        particles=frozenset(tokenize(" ".join(morphology.get("particles") or ()))),
        finite=tuple(str(ending) for ending in morphology.get("finite") or ()),
    )


def _pairs(raw: dict[str, str]) -> Mapping[str, str]:
    pairs = ((tokenize(str(form)), tokenize(str(lemma))) for form, lemma in raw.items())
    return {form[0]: lemma[0] for form, lemma in pairs if len(form) == len(lemma) == 1}


def _group(raw: list[Any]) -> tuple[Entry, ...]:
    entries = (_entry(str(item)) for item in raw)
    return tuple(entry for entry in entries if entry.words)


def _entry(text: str) -> Entry:
    exact = text.startswith(EXACT)
    return Entry(tuple(tokenize(text.removeprefix(EXACT))), exact)


def _read(name: str) -> dict[str, Any]:
    with (_DATA / name).open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    if not isinstance(data, dict):
        raise ValueError(f"{name} must be a mapping")
    return data
