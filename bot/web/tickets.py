"""Ticket updates from the service desk's ITSM tool: ``POST /api/tickets/{number}/state``.

When a ticket is assigned, needs an answer from the person, or is solved, the person hears
about it where they reported it (web chat, Slack, Telegram); on solve they are asked for CSAT.
Off unless ``SPOC_ITSM_API_TOKEN`` is set; the caller sends it as a bearer token.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from bot.app import Spoc
from bot.errors import NotFound, Unauthorized
from bot.router import TicketChange
from bot.web.params import Printable
from bot.web.security import bearer_of, same_secret


class StateIn(BaseModel):
    state: Literal["new", "assigned", "waiting", "resolved", "closed"]
    actor: Printable = Field(min_length=1, max_length=80, description="who made the change")
    assignee: Printable | None = Field(default=None, max_length=80)
    note: Printable | None = Field(
        default=None,
        max_length=2000,
        description="shown to the person: the question (waiting) or what was done (resolved)",
    )


class StateOut(BaseModel):
    number: str
    state: str
    notified: bool = Field(description="whether the person was sent a message")


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/tickets", tags=["tickets (integration)"])

    @router.post("/{number}/state", response_model=StateOut)
    async def change_state(
        request: Request,
        number: str,
        body: StateIn,
        authorization: str | None = Header(default=None),
    ) -> StateOut:
        """Change a ticket's state; the person is told where they reported it."""
        spoc: Spoc = request.app.state.spoc
        secret = spoc.settings.itsm_api_token
        if secret is None or not secret.get_secret_value():  # an empty token is no token
            raise NotFound("The ticket integration API is not enabled.")
        given = bearer_of(authorization) or ""
        if not same_secret(secret.get_secret_value(), given):
            raise Unauthorized("Send the integration token as 'Authorization: Bearer <token>'.")
        change = TicketChange(
            number=number.upper(),
            state=body.state,
            actor=body.actor,
            assignee=body.assignee,
            note=body.note,
        )
        result = await spoc.router.update_ticket(change)
        return StateOut(number=result.number, state=result.state, notified=result.notified)

    return router
