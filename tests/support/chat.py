"""A person in the web chat, driven through the real HTTP API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ChatPerson:
    http: httpx.AsyncClient
    session_id: str = ""
    token: str = ""
    transcript: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def start(cls, http: httpx.AsyncClient, locale: str | None = None) -> ChatPerson:
        response = await http.post("/api/chat/sessions", json={"locale": locale})
        assert response.status_code == 201, response.text
        body = response.json()
        person = cls(http, body["session_id"], body["token"])
        person.transcript.extend(body["messages"])
        return person

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, client_id: str | None = None, **body: Any) -> list[dict[str, Any]]:
        payload = {**body, "client_message_id": client_id or uuid.uuid4().hex}
        response = await self.http.post(
            f"/api/chat/sessions/{self.session_id}/messages", json=payload, headers=self.headers
        )
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()["messages"]
        self.transcript.append({"author": "user", "text": body.get("text", ""), "buttons": []})
        self.transcript.extend(replies)
        return replies

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self.send(text=text)

    async def press(self, action: str) -> list[dict[str, Any]]:
        offered = self.offered()
        assert action in offered, f"{action} not among the buttons {offered}"
        return await self.send(action=action)

    def offered(self) -> list[str]:
        """Actions of the buttons shown since the person last spoke."""
        actions: list[str] = []
        for message in reversed(self.transcript):
            if message["author"] == "user":
                break
            actions = [b["action"] for b in message["buttons"]] + actions
        return actions

    def last_text(self) -> str:
        return "\n".join(m["text"] for m in self.transcript[-3:])


async def events_of(http: httpx.AsyncClient) -> dict[str, int]:
    """Counts of measured events, read straight from the app's database."""
    from bot.store import repo

    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        counts: dict[str, int] = await repo.count_events(session)
    return counts


async def tickets_of(http: httpx.AsyncClient) -> list[Any]:
    from bot.store import repo

    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        return await repo.list_tickets(session)


async def messages_by(http: httpx.AsyncClient, author: str) -> list[Any]:
    """What one author (``user``, ``bot`` …) said, oldest first, read straight from the app's
    database."""
    from sqlalchemy import select

    from bot.store.models import Message

    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    statement = select(Message).where(Message.author == author).order_by(Message.id)
    async with spoc.sessions() as session:
        return list((await session.execute(statement)).scalars().all())
