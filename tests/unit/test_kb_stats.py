"""`spoc kb stats` and the console's knowledge page: how feedback events are counted."""

from __future__ import annotations

from pathlib import Path

from bot.kb_stats import summarize
from bot.knowledge import KnowledgeBase

KB = Path(__file__).resolve().parents[2] / "knowledge_base"


def test_a_question_is_counted_however_it_is_typed_and_shown_as_most_wrote_it() -> None:
    rows = [
        ("kb_no_match", {"query": "Lönesystemet  kraschar"}),
        ("kb_no_match", {"query": "lonesystemet kraschar"}),
        ("kb_no_match", {"query": "Lönesystemet kraschar"}),
        ("kb_no_match", {"query": "skannern"}),
    ]
    assert summarize(rows, limit=10)["unanswered_queries"] == [
        {"query": "Lönesystemet kraschar", "count": 3},
        {"query": "skannern", "count": 1},
    ]


def test_empty_questions_take_no_place_in_the_list() -> None:
    rows = [("kb_no_match", {"query": " "})] * 5 + [("kb_no_match", {"query": "skannern"})]
    assert summarize(rows, limit=1)["unanswered_queries"] == [{"query": "skannern", "count": 1}]


def test_failing_articles_are_named_from_the_knowledge_base() -> None:
    knowledge = KnowledgeBase.from_directory(KB)
    rows = [
        ("article_suggested", {"article_id": "vpn-connect"}),
        ("article_not_helped", {"article_id": "vpn-connect"}),
        ("article_not_helped", {"article_id": "removed-since"}),
    ]
    failing = summarize(rows, limit=10, knowledge=knowledge)["failing_articles"]
    titles = {row["article_id"]: row["title"] for row in failing}
    vpn = knowledge.get("vpn-connect")
    assert vpn is not None
    assert titles == {"vpn-connect": vpn.title, "removed-since": None}
    assert all(row["title"] is None for row in summarize(rows, limit=10)["failing_articles"])
