"""Knowledge base: loading ``knowledge_base/<lang>/<slug>.md`` articles and searching them.

    kb = KnowledgeBase.from_directory("knowledge_base")
    hits = kb.search("vpn funkar inte hemma", lang="sv", limit=3)

``search`` returns only what the bot would really suggest; an empty list means nothing
relevant. See ``search.py`` for how a question is scored.
"""

from __future__ import annotations

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import check_directory
from bot.knowledge.model import LANGUAGES, Article, Hit, Problem

__all__ = ["LANGUAGES", "Article", "Hit", "KnowledgeBase", "Problem", "check_directory"]
