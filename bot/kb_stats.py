"""What the knowledge manager needs next: articles that fail to help, questions without one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.knowledge.memory import normalise
from bot.store.db import opened
from bot.store.models import Event
from bot.text import fold

FEEDBACK_KINDS = ("article_suggested", "article_helped", "article_not_helped", "kb_no_match")


@dataclass(frozen=True, slots=True)
class ArticleFeedback:
    article_id: str
    suggested: int
    helped: int
    not_helped: int

    @property
    def failure_rate(self) -> float:
        answered = self.helped + self.not_helped
        return self.not_helped / answered if answered else 0.0


def summarize(
    rows: list[tuple[str, dict[str, Any]]],
    *,
    limit: int,
    knowledge: KnowledgeBase | None = None,
) -> dict[str, Any]:
    """Pure aggregation of (kind, data) feedback events; with ``knowledge``, each article's
    title too (None for an article no longer in the knowledge base)."""
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in FEEDBACK_KINDS}
    unmatched: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for kind, data in rows:
        if kind == "kb_no_match":
            query = " ".join(str(data.get("query", "")).split())
            # Counted together however they are typed ("Lösenord"/"losenord"), shown as
            # most people wrote them.
            if key := fold(query):
                unmatched[key] += 1
                spellings.setdefault(key, Counter())[query] += 1
        elif data.get("article_id"):
            counts[kind][str(data["article_id"])] += 1
    articles = [
        ArticleFeedback(
            article_id,
            counts["article_suggested"][article_id],
            counts["article_helped"][article_id],
            counts["article_not_helped"][article_id],
        )
        for article_id in set(counts["article_suggested"]) | set(counts["article_not_helped"])
    ]
    failing = sorted(
        (a for a in articles if a.not_helped),
        key=lambda a: (-a.failure_rate, -a.not_helped, a.article_id),
    )[:limit]
    return {
        "failing_articles": [
            {
                "article_id": a.article_id,
                "title": _title(knowledge, a.article_id),
                "suggested": a.suggested,
                "helped": a.helped,
                "not_helped": a.not_helped,
                "failure_rate": round(a.failure_rate, 2),
            }
            for a in failing
        ],
        "unanswered_queries": [
            {"query": spellings[key].most_common(1)[0][0], "count": count}
            for key, count in unmatched.most_common(limit)
        ],
    }


def _title(knowledge: KnowledgeBase | None, article_id: str) -> str | None:
    article = knowledge.get(article_id) if knowledge is not None else None
    return article.title if article else None


async def knowledge_stats(
    settings: Settings,
    *,
    limit: int,
    knowledge: KnowledgeBase | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """The statistics from a database of its own (the command line)."""
    async with (
        opened(settings.database_url, schema=settings.database_schema) as sessions,
        sessions() as session,
    ):
        return await read_stats(session, limit=limit, knowledge=knowledge, since=since)


async def read_stats(
    session: AsyncSession,
    *,
    limit: int,
    knowledge: KnowledgeBase | None = None,
    since: datetime | None = None,
) -> dict[str, Any]:
    """The statistics read in the caller's session (the agent console's own connections):
    of the feedback since ``since``, or of all that is stored."""
    rows = await _events(session, FEEDBACK_KINDS, since)
    stats = summarize(rows, limit=limit, knowledge=knowledge)
    return {"since": since.isoformat() if since else None, **stats}


def helped_questions(
    rows: list[tuple[str, dict[str, Any]]], knowledge: KnowledgeBase, *, limit: int
) -> list[dict[str, Any]]:
    """The questions people said a guide answered that are not yet among its examples: per
    article, the most common first, each as most people wrote it. The example memory grows
    from them (``spoc kb examples --add``); a guide since taken out is left out."""
    found: dict[tuple[str, str], dict[str, Counter[str]]] = {}
    for kind, data in rows:
        query = " ".join(str(data.get("query") or "").split())
        lang, article_id = str(data.get("lang") or ""), str(data.get("article_id") or "")
        if kind != "article_helped" or not query or knowledge.get(article_id, lang) is None:
            continue  # before questions were kept with the answer, or a guide taken out
        if knowledge.has_example(lang, article_id, query) or not (key := normalise(query)):
            continue
        found.setdefault((lang, article_id), {}).setdefault(key, Counter())[query] += 1
    listed = []
    for (lang, article_id), spellings in sorted(found.items()):
        ranked = sorted(spellings.values(), key=lambda seen: -seen.total())[:limit]
        listed.append(
            {
                "lang": lang,
                "article_id": article_id,
                "title": _title(knowledge, article_id),
                "questions": [
                    {"query": seen.most_common(1)[0][0], "count": seen.total()} for seen in ranked
                ],
            }
        )
    return listed


async def read_helped(
    session: AsyncSession,
    knowledge: KnowledgeBase,
    *,
    limit: int,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """``helped_questions`` of what is stored (since ``since``), in the caller's session."""
    rows = await _events(session, ("article_helped",), since)
    return helped_questions(rows, knowledge, limit=limit)


async def _events(
    session: AsyncSession, kinds: tuple[str, ...], since: datetime | None
) -> list[tuple[str, dict[str, Any]]]:
    """(kind, data) of the stored events of ``kinds``, since ``since`` or all."""
    query = select(Event.kind, Event.data).where(Event.kind.in_(kinds))
    if since is not None:
        query = query.where(Event.created_at >= since)
    return [(kind, data or {}) for kind, data in (await session.execute(query)).all()]


async def helped_stats(
    settings: Settings, knowledge: KnowledgeBase, *, limit: int, since: datetime | None = None
) -> list[dict[str, Any]]:
    """``read_helped`` from a database of its own (the command line)."""
    async with (
        opened(settings.database_url, schema=settings.database_schema) as sessions,
        sessions() as session,
    ):
        return await read_helped(session, knowledge, limit=limit, since=since)


def render_helped(listed: list[dict[str, Any]]) -> str:
    if not listed:
        return "No new questions: every question a guide answered is among its examples."
    lines = ["Questions people said a guide answered, not yet among its examples:"]
    for row in listed:
        lines.append(f"  {row['lang']}/{row['article_id']}  {row['title'] or ''}".rstrip())
        lines += [f"    {item['count']:>4}  {item['query']}" for item in row["questions"]]
    lines.append("Read them through; `spoc kb examples --add` adds them to the examples.")
    return "\n".join(lines)


def render(stats: dict[str, Any]) -> str:
    lines = [f"Since {stats['since'][:10]} (UTC)."] if stats.get("since") else []
    lines.append("Articles that most often did not help:")
    lines += [_article_line(row) for row in stats["failing_articles"]] or ["  (none yet)"]
    lines.append("Most common questions with no article:")
    lines += [f"  {row['count']:>4}  {row['query']}" for row in stats["unanswered_queries"]] or [
        "  (none yet)"
    ]
    return "\n".join(lines)


def _article_line(row: dict[str, Any]) -> str:
    line = (
        f"  {row['article_id']:<32} not helped {row['not_helped']:>4} of "
        f"{row['helped'] + row['not_helped']:>4} ({row['failure_rate']:.0%})"
    )
    return f"{line}  {row['title']}" if row.get("title") else line
