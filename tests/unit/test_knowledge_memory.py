"""The example memory: loading it, surviving a bad file, and never punishing a new article."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, check_directory
from bot.knowledge.confidence import Judge, Model, shipped
from bot.knowledge.memory import FILE_NAME, Memory, build, normalise, recall

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
    assert recall(memory, "vpn funkar inte hemma", ["vpn-connect", "teams-microphone"]) is None
    assert recall(None, "vpn funkar inte hemma", ["vpn-connect"]) is None
    said = recall(memory, "mikrofonen funkar inte", ["teams-microphone", "vpn-connect"])
    assert said == (1.0, 0.0, 0.0)
    # a model with examples that would accept anything is not asked about such an article
    words = Model(-100.0, (0.0,) * 10, 0.5)
    judge = Judge(words, Model(100.0, (0.0,) * 13, 0.5))
    assert not judge.accepts((0.0,) * 10, None)
    assert judge.accepts((0.0,) * 10, said)


def test_the_shipped_search_without_an_articles_examples_is_the_words_only_search() -> None:
    base = KnowledgeBase.from_directory(SHIPPED)
    assert shipped().examples is not None
    questions = [
        "vpn funkar inte hemma",
        "kommer inte in på vpn:en när jag jobbar hemifrån",
        "vpn-klienten säger att anslutningen misslyckades",
        "när har biblioteket öppet",
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
    assert without_examples == words_only
    assert without_examples[0][0].article.id == "vpn-connect"


def test_the_benchmark_leaves_a_sets_questions_out_of_its_own_memory() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.kb_confidence import Example
    from benchmarks.kb_quality import Case

    case = Case("vpn funkar inte", "sv", ("vpn-connect",))
    per_set = {"dev": (True, 1.0, 0.2, 0.1), "holdout-1": (True, 0.6, 0.3, 0.4)}
    example = Example("dev", case, (0.0,) * 10, (), per_set)
    assert example.recalled(set()) == (1.0, 0.3, 0.4)
    assert example.recalled({"dev"}) == (0.6, 0.3, 0.4)
    assert example.recalled({"dev", "holdout-1"}) is None
    no_examples_left = {"dev": (True, 1.0, 0.2, 0.1), "holdout-1": (False, 0.0, 0.3, 0.4)}
    assert Example("dev", case, (0.0,) * 10, (), no_examples_left).recalled({"dev"}) is None


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
