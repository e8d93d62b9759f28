"""The example memory: loading it, surviving a bad file, and never punishing a new article."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from benchmarks.kb_confidence import Example, Said
from benchmarks.kb_quality import Case
from bot.knowledge import KnowledgeBase, check_directory
from bot.knowledge.confidence import Judge, Model, shipped
from bot.knowledge.memory import (
    FILE_NAME,
    Memory,
    add_examples,
    blend,
    build,
    evidence,
    nearest,
    normalise,
)
from bot.knowledge.search import rank_index

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "knowledge" / "fixtures" / "kb"
SHIPPED = ROOT / "knowledge_base"

EXAMPLES = """\
sv:
  answered:
    teams-microphone: ["kollegorna hör mig inte i teams", "Mikrofonen funkar inte i mötet"]
  unanswered: ["när har biblioteket öppet"]
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURES, root)
    (root / FILE_NAME).unlink(missing_ok=True)
    return root


def test_examples_beside_the_articles_are_loaded_folded(kb_dir: Path) -> None:
    (kb_dir / FILE_NAME).write_text(EXAMPLES, encoding="utf-8")
    base = KnowledgeBase.from_directory(kb_dir)
    assert base.problems == ()
    memory = base._snapshot.memories["sv"]  # the memory is what is tested
    assert memory.answered["teams-microphone"][1] == "mikrofonen funkar inte i motet"
    assert memory.nearest(normalise("Mikrofonen funkar inte i mötet"), "teams-microphone") == 1.0
    assert memory.nearest_unanswered(normalise("När har biblioteket öppet?")) == 1.0
    assert memory.nearest("vad som helst", "vpn-connect") == 0.0
    assert check_directory(kb_dir) == []


def test_a_missing_examples_file_is_an_empty_memory_and_no_problem(kb_dir: Path) -> None:
    base = KnowledgeBase.from_directory(kb_dir)
    assert base.problems == ()
    assert base._snapshot.memories == {}
    assert base.search("mikrofonen funkar inte i teams", lang="sv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sv: [unclosed\n", "examples not read"),
        ("- just a list\n", "must map a language"),
        ("fi:\n  answered: {}\n", "bad language section"),
        ("sv:\n  answered:\n    no-such-article: [hej]\n", "no sv article 'no-such-article'"),
        ("sv:\n  answered: [a, b]\n", "must map ids to lists"),
        ("sv:\n  unanswered: [ok, {a: 1}]\n", "not text left out"),
    ],
)
def test_a_bad_examples_file_is_reported_and_the_search_goes_on(
    kb_dir: Path, text: str, message: str
) -> None:
    (kb_dir / FILE_NAME).write_text(text, encoding="utf-8")
    base = KnowledgeBase.from_directory(kb_dir)
    (problem,) = base.problems
    assert problem.path.name == FILE_NAME
    assert message in problem.message
    assert check_directory(kb_dir) == [problem]
    hits = base.search("mikrofonen funkar inte i teams", lang="sv")
    assert hits
    assert hits[0].article.id == "teams-microphone"


def test_the_good_entries_of_a_partly_bad_file_are_kept(kb_dir: Path) -> None:
    text = EXAMPLES.replace("  unanswered", "    no-such-article: [hej]\n  unanswered")
    (kb_dir / FILE_NAME).write_text(text, encoding="utf-8")
    base = KnowledgeBase.from_directory(kb_dir)
    assert len(base.problems) == 1
    assert base._snapshot.memories["sv"].knows("teams-microphone")


def test_an_article_without_examples_is_judged_by_its_words_alone() -> None:
    memory = build([("sv", "mikrofonen funkar inte", "teams-microphone")])["sv"]
    vpn = nearest(memory, normalise("vpn funkar inte hemma"), ["vpn-connect", "teams-microphone"])
    assert vpn[0] is None
    assert evidence(vpn, 0.0) is None
    # examples re-rank only articles the memory knows: one within reach of the best without
    # examples, and the words alone rank
    assert blend([42.0, 40.0], [None, 0.9], 25.0) == [42.0, 40.0]
    assert blend([42.0, 40.0], [0.9, None], 25.0) == [42.0, 40.0]
    assert blend([42.0, 20.0], [0.1, None], 25.0) == [32.4, 20.0]
    first, second = blend([42.0, 40.0], [0.2, 0.9], 25.0)
    assert second > first
    said = evidence(
        nearest(memory, normalise("mikrofonen funkar inte"), ["teams-microphone", "vpn-connect"]),
        0.0,
    )
    assert said == (1.0, 0.0, 0.0)
    # a model with examples that would accept anything is not asked about such an article
    words = Model(-100.0, (0.0,) * 10, 0.5)
    judge = Judge(words, Model(100.0, (0.0,) * 13, 0.5))
    assert not judge.accepts((0.0,) * 10, None)
    assert judge.accepts((0.0,) * 10, said)


def test_a_new_article_without_examples_still_answers_its_questions() -> None:
    base = KnowledgeBase.from_directory(SHIPPED)
    assert shipped().examples is not None
    questions = [
        "vpn funkar inte hemma",
        "kommer inte in på vpn:en när jag jobbar hemifrån",
        "vpn-klienten säger att anslutningen misslyckades",
    ]
    snapshot = base._snapshot
    memory = snapshot.memories["sv"]
    forgotten = Memory(
        {key: found for key, found in memory.answered.items() if key != "vpn-connect"},
        memory.unanswered,
    )
    base._snapshot = dataclasses.replace(snapshot, memories={"sv": forgotten})
    without_examples = [base.search(question, lang="sv") for question in questions]
    base._snapshot = dataclasses.replace(snapshot, memories={})
    words_only = [base.search(question, lang="sv") for question in questions]
    # its better-known neighbours take none of its questions: the words rank and decide
    assert without_examples == words_only
    assert all(hits[0].article.id == "vpn-connect" for hits in without_examples)
    base._snapshot = dataclasses.replace(snapshot, memories={"sv": forgotten})
    assert base.search("när har biblioteket öppet", lang="sv") == []


def _example(set_name: str, query: str, per_set: dict[str, Said]) -> Example:
    index = KnowledgeBase.from_directory(SHIPPED)._snapshot.indexes["sv"]
    ranked = rank_index(index, query)
    assert ranked is not None
    question, candidates = ranked
    ids = tuple(index.articles[found.number].id for found in candidates)
    return Example(
        set_name, Case(query, "sv", ("vpn-connect",)), question, tuple(candidates), ids, per_set
    )


def test_the_benchmark_leaves_a_sets_questions_out_of_its_own_memory() -> None:
    probe = _example("dev", "vpn funkar inte", {})
    others = len(probe.candidates) - 1
    per_set: dict[str, Said] = {
        "dev": ((1.0, *(0.2,) * others), 0.1),
        "holdout-1": ((0.6, *(0.3,) * others), 0.4),
    }
    example = dataclasses.replace(probe, per_set=per_set)
    assert example.seen(set()).recalled == (1.0, 0.3, 0.4)
    assert example.seen({"dev"}).recalled == (0.6, 0.3, 0.4)
    assert example.seen({"dev", "holdout-1"}).recalled is None
    no_examples_left: dict[str, Said] = {
        "dev": ((1.0, *(0.2,) * others), 0.1),
        "holdout-1": ((None, *(0.3,) * others), 0.4),
    }
    assert dataclasses.replace(probe, per_set=no_examples_left).seen({"dev"}).recalled is None


def test_the_benchmark_ranks_and_measures_as_the_search_does() -> None:
    """What the fit learns from is what ships: the same memory gives the benchmark's view of a
    question the same suggestions as ``KnowledgeBase.search``."""
    base = KnowledgeBase.from_directory(SHIPPED)
    memory = base._snapshot.memories["sv"]
    for query in ("vpn funkar inte hemma", "skrivaren skriver inte ut", "glömt lösen"):
        probe = _example("dev", query, {})
        said = (
            tuple(nearest(memory, normalise(query), probe.ids)),
            memory.nearest_unanswered(normalise(query)),
        )
        seen = dataclasses.replace(probe, per_set={"shipped": said}).seen(set())
        hits = base.search(query, lang="sv")
        assert hits, query
        assert [(hit.article.id, hit.score) for hit in hits] == list(seen.suggested)
        assert seen.recalled is not None and seen.recalled[0] > 0.5


def test_a_changed_examples_file_is_read_again_on_reload(kb_dir: Path) -> None:
    (kb_dir / FILE_NAME).write_text(EXAMPLES, encoding="utf-8")
    base = KnowledgeBase.from_directory(kb_dir)
    assert base._snapshot.memories["sv"].knows("teams-microphone")
    changed = EXAMPLES.replace("teams-microphone:", "teams-microphone: []\n    x-unused:")
    (kb_dir / FILE_NAME).write_text(changed, encoding="utf-8")
    assert base.reload_if_changed()
    # Read again, not served from the first reading: the article lost its examples, and the
    # entry naming no article is reported.
    assert not base._snapshot.memories["sv"].knows("teams-microphone")
    assert any("x-unused" in problem.message for problem in base.problems)


def test_added_examples_are_kept_as_text_once_and_read_back(kb_dir: Path) -> None:
    hostile = "- mikrofonen: [funkar {{ inte }}] #när jag pratar: 'x'"
    assert add_examples(kb_dir, [("sv", "teams-microphone", hostile)]) == 1  # a new file
    (kb_dir / FILE_NAME).write_text(
        "# our own note\n" + (kb_dir / FILE_NAME).read_text(encoding="utf-8"), encoding="utf-8"
    )
    again = [("sv", "teams-microphone", hostile.upper()), ("sv", "teams-microphone", "hörs ej")]
    assert add_examples(kb_dir, again) == 1  # the same words in capitals are no new example
    text = (kb_dir / FILE_NAME).read_text(encoding="utf-8")
    assert text.startswith("# our own note\n")
    base = KnowledgeBase.from_directory(kb_dir)
    assert not base.problems
    assert base.has_example("sv", "teams-microphone", hostile)
    assert base.has_example("sv", "teams-microphone", "Hörs ej")
    assert base._snapshot.memories["sv"].answered["teams-microphone"] == (
        normalise(hostile),
        "hors ej",
    )
