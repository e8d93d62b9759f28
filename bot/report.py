"""The figures a service-desk manager follows, from the events of every conversation.

- *conversations*: started, per channel.
- *shift-left*: conversations where an article was suggested, where one helped (resolved
  in the first contact, no ticket: a deflection), and the deflection rate: helped / (helped
  + conversations that ended in a ticket); guides the search was unsure of and offered by
  title ("maybe this one?"), how many were shown on a yes and how many of those helped.
- *tickets*: opened, incidents (INC) and requests (REQ) apart, per priority; *time to
  ticket*: from the conversation's start to its ticket, median and 90th percentile.
- *escalations*: conversations handed towards a person, per reason; how many an agent took
  over, and the time from escalation to an agent taking it (median, 90th percentile).
- *case questions*: conversations asking how a case the organisation decides on is going
  (an application, a permit), which spoc cannot see and sends to the switchboard.
- *CSAT*: answers, mean, the share of 4–5 ratings, the answers per rating, and the newest
  comments with their ratings: what people say of the help is where improvement starts.
- *approvals*: requests that needed someone's yes, how they ended (approved, denied,
  expired to the service desk), reminders sent, and the time from request to decision.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.request_items import PRE_APPROVED
from bot.store.db import opened
from bot.store.models import Event
from bot.text import shorten

KINDS = (
    "conversation_started",
    "article_suggested",
    "article_maybe_offered",
    "article_helped",
    "ticket_opened",
    "escalated",
    "agent_claimed",
    "csat_given",
    "csat_comment",
    "request_opened",
    "request_decided",
    "approval_reminded",
    "approval_expired",
    "out_of_scope",
)


_TICKET_KINDS = {"INC": "incidents", "REQ": "requests"}
COMMENTS_SHOWN = 20  # the newest; the rest stay in the events until retention removes them


def summarize(rows: list[tuple[int | None, str, dict[str, Any], datetime]]) -> dict[str, Any]:
    """Pure aggregation of (conversation id, kind, data, time) events."""
    channels: Counter[str] = Counter()
    suggested: set[int | None] = set()
    helped: set[int | None] = set()
    ticketed: set[int | None] = set()
    priorities: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    ratings: list[int] = []
    comments: list[dict[str, Any]] = []
    # "Maybe this guide?": offered, shown on a yes, and the guides shown that way that helped.
    maybe_offered = 0
    maybe_shown: set[tuple[int | None, object]] = set()
    maybe_helped = 0
    started_at: dict[int | None, datetime] = {}
    ticket_at: dict[int | None, datetime] = {}
    escalated_at: dict[int | None, datetime] = {}
    to_agent: list[float] = []
    asked: dict[int | None, list[datetime]] = {}  # requests waiting for a yes, oldest first
    outcomes: Counter[str] = Counter()
    to_decision: list[float] = []
    reminders = 0
    # Conversations sent to the switchboard, by topic: "case" (how an application goes),
    # "other" (not IT at all).
    elsewhere: dict[str, set[int | None]] = {}
    for conversation, kind, data, at in rows:
        if kind == "conversation_started":
            channels[str(data.get("channel", "unknown"))] += 1
            started_at[conversation] = at
        elif kind == "article_suggested":
            suggested.add(conversation)
            if data.get("maybe"):
                maybe_shown.add((conversation, data.get("article_id")))
        elif kind == "article_maybe_offered":
            maybe_offered += 1
        elif kind == "article_helped":
            helped.add(conversation)
            maybe_helped += (conversation, data.get("article_id")) in maybe_shown
        elif kind == "ticket_opened":
            ticketed.add(conversation)
            priorities[f"P{data.get('priority', '?')}"] += 1
            kinds[_TICKET_KINDS.get(str(data.get("number", ""))[:3], "other")] += 1
            ticket_at[conversation] = min(ticket_at.get(conversation, at), at)
        elif kind == "escalated":
            reasons[str(data.get("reason", "asked"))] += 1
            escalated_at[conversation] = at
        elif kind == "agent_claimed" and conversation in escalated_at:
            to_agent.append((at - escalated_at.pop(conversation)).total_seconds())
        elif kind == "csat_given" and isinstance(data.get("rating"), int):
            ratings.append(data["rating"])
        elif kind == "csat_comment" and data.get("text"):
            rating = data.get("rating")
            comments.append(
                {
                    "conversation": conversation,
                    "rating": rating if isinstance(rating, int) else None,
                    "text": str(data["text"]),
                    "at": at.isoformat(),
                }
            )
        elif kind == "request_opened" and data.get("approval") != PRE_APPROVED:
            asked.setdefault(conversation, []).append(at)
        elif kind in ("request_decided", "approval_expired"):
            outcomes[str(data.get("outcome", "expired"))] += 1
            if waiting := asked.get(conversation):
                since = waiting.pop(0)
                if kind == "request_decided":  # an expiry is no one's decision
                    to_decision.append((at - since).total_seconds())
        elif kind == "approval_reminded":
            reminders += 1
        elif kind == "out_of_scope":
            elsewhere.setdefault(str(data.get("topic")), set()).add(conversation)
    deflected = helped - ticketed
    waits = sorted(
        (ticket_at[c] - started_at[c]).total_seconds()
        for c in ticketed
        if c in started_at and ticket_at[c] >= started_at[c]
    )
    return {
        "conversations": sum(channels.values()),
        "by_channel": dict(sorted(channels.items())),
        "articles_suggested_in": len(suggested),
        "deflected": len(deflected),
        "maybe": {"offered": maybe_offered, "shown": len(maybe_shown), "helped": maybe_helped},
        "tickets": sum(priorities.values()),
        "by_priority": dict(sorted(priorities.items())),
        "by_kind": {"incidents": kinds["incidents"], "requests": kinds["requests"]}
        | ({"other": kinds["other"]} if kinds["other"] else {}),
        "deflection_rate": _share(len(deflected), len(deflected) + len(ticketed)),
        "time_to_ticket_seconds": _spread(waits),
        "escalations": sum(reasons.values()),
        "escalations_by_reason": dict(sorted(reasons.items())),
        "taken_over_by_agents": len(to_agent),
        "time_to_agent_seconds": _spread(to_agent),
        "case_questions": len(elsewhere.get("case", ())),
        "other_questions": len(elsewhere.get("other", ())),
        "csat": {
            "answers": len(ratings),
            "mean": round(statistics.fmean(ratings), 2) if ratings else None,
            "satisfied_share": _share(sum(r >= 4 for r in ratings), len(ratings)),
            "by_rating": {str(r): ratings.count(r) for r in range(1, 6)},
            "comments": comments[::-1][:COMMENTS_SHOWN],
        },
        "approvals": {
            "asked": sum(outcomes.values()) + sum(len(w) for w in asked.values()),
            "approved": outcomes["approved"],
            "denied": outcomes["denied"],
            "expired": outcomes["expired"],
            "reminders": reminders,
            "time_to_decision_seconds": _spread(to_decision),
        },
    }


def _spread(seconds: list[float]) -> dict[str, float | None]:
    ordered = sorted(seconds)
    return {
        "median": statistics.median(ordered) if ordered else None,
        # Nearest rank: the smallest value at least 90 % of them are within.
        "p90": ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


async def service_report(settings: Settings, *, days: int, now: datetime) -> dict[str, Any]:
    """The report from a database of its own (the command line)."""
    async with (
        opened(settings.database_url, schema=settings.database_schema) as sessions,
        sessions() as session,
    ):
        return await read_report(session, days=days, now=now)


async def read_report(session: AsyncSession, *, days: int, now: datetime) -> dict[str, Any]:
    """The report of the ``days`` before ``now``, read in the caller's session (the agent
    console reads through the running service's own connections)."""
    since = now - timedelta(days=days)
    result = await session.execute(
        select(Event.conversation_id, Event.kind, Event.data, Event.created_at)
        .where(Event.kind.in_(KINDS), Event.created_at >= since)
        .order_by(Event.id)
    )
    rows = [(c, kind, data or {}, at) for c, kind, data, at in result.all()]
    return {"days": days, "since": since.isoformat(), **summarize(rows)}


def render(report: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value * 100:.0f} %"

    def minutes(seconds: float | None) -> str:
        return "–" if seconds is None else f"{seconds / 60:.1f} min"

    def hours(seconds: float | None) -> str:
        return "–" if seconds is None else f"{seconds / 3600:.1f} h"

    channels = ", ".join(f"{k} {v}" for k, v in report["by_channel"].items()) or "none"
    priorities = ", ".join(f"{k} {v}" for k, v in report["by_priority"].items()) or "none"
    kinds = ", ".join(f"{k} {v}" for k, v in report["by_kind"].items())
    reasons = ", ".join(f"{k} {v}" for k, v in report["escalations_by_reason"].items())
    wait, csat, maybe = report["time_to_ticket_seconds"], report["csat"], report["maybe"]
    to_agent = report["time_to_agent_seconds"]
    mean = "–" if csat["mean"] is None else f"{csat['mean']:.2f}"
    by_rating = ", ".join(f"{k}: {v}" for k, v in csat["by_rating"].items())
    approvals = report["approvals"]
    decision = approvals["time_to_decision_seconds"]
    return "\n".join(
        [
            f"The last {report['days']} days (since {report['since'][:10]})",
            f"  conversations        {report['conversations']:>6}   ({channels})",
            f"  article suggested in {report['articles_suggested_in']:>6}",
            f"  solved by an article {report['deflected']:>6}   "
            f"deflection rate {pct(report['deflection_rate'])}",
            f"  'maybe this guide?'  {maybe['offered']:>6}   "
            f"(shown on a yes {maybe['shown']}, helped {maybe['helped']})",
            f"  tickets              {report['tickets']:>6}   ({kinds}; {priorities})",
            f"  time to ticket       median {minutes(wait['median'])}, "
            f"90 % within {minutes(wait['p90'])}",
            f"  escalations          {report['escalations']:>6}   ({reasons or 'none'})",
            f"  taken over by agents {report['taken_over_by_agents']:>6}   "
            f"time to an agent median {minutes(to_agent['median'])}, "
            f"90 % within {minutes(to_agent['p90'])}",
            f"  case questions       {report['case_questions']:>6}   "
            "(how an application or case goes: sent to the switchboard)",
            f"  not for IT           {report['other_questions']:>6}   "
            "(the heating, a streetlight, pay: sent to the switchboard)",
            f"  CSAT                 {csat['answers']:>6} answers, mean {mean}, "
            f"satisfied (4–5) {pct(csat['satisfied_share'])}   ({by_rating})",
            f"  approvals asked      {approvals['asked']:>6}   "
            f"(approved {approvals['approved']}, denied {approvals['denied']}, "
            f"expired to the desk {approvals['expired']}; reminders {approvals['reminders']})",
            f"  time to a decision   median {hours(decision['median'])}, "
            f"90 % within {hours(decision['p90'])}",
            *_comment_lines(csat["comments"]),
        ]
    )


def _comment_lines(comments: list[dict[str, Any]]) -> list[str]:
    if not comments:
        return []
    lines = [f"  CSAT comments, the newest {len(comments)}:"]
    for comment in comments:
        rating = "–" if comment["rating"] is None else comment["rating"]
        text = shorten(comment["text"], 100)
        lines.append(f"    {comment['at'][:16].replace('T', ' ')}  {rating}  {text}")
    return lines
