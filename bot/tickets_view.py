"""Tickets as plain data for the command line and JSON output."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.store import repo
from bot.store.db import opened
from bot.store.models import Ticket

_FIELDS = (
    "number",
    "kind",
    "title",
    "description",
    "service_id",
    "owner_group",
    "impact",
    "urgency",
    "priority",
    "state",
    "locale",
    "requester",
    "details",
)


def as_dict(ticket: Ticket) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(ticket, name) for name in _FIELDS}
    for name in ("created_at", "updated_at", "response_due_at", "resolve_due_at"):
        row[name] = getattr(ticket, name).isoformat()
    return row


async def ticket_list(settings: Settings, *, limit: int) -> list[dict[str, Any]]:
    async with (
        opened(settings.database_url, schema=settings.database_schema) as sessions,
        sessions() as session,
    ):
        return [as_dict(t) for t in await repo.list_tickets(session, limit=limit)]


async def ticket_detail(settings: Settings, number: str) -> dict[str, Any] | None:
    async with (
        opened(settings.database_url, schema=settings.database_schema) as sessions,
        sessions() as session,
    ):
        ticket = await repo.get_ticket(session, number=number)
        if ticket is None:
            return None
        events = await repo.ticket_events(session, ticket_id=ticket.id)
    detail = as_dict(ticket)
    detail["events"] = [
        {
            "kind": event.kind,
            "actor": event.actor,
            "detail": event.detail,
            "created_at": event.created_at.isoformat(),
        }
        for event in events
    ]
    return detail
