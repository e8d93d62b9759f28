"""Agents in the console's API, each with a cookie jar of their own, against the same app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bot.agents.accounts import create_agent

PASSWORD = "correct horse battery staple"


@dataclass
class AgentUser:
    http: httpx.AsyncClient
    username: str
    csrf: str = ""

    async def sign_in(self, password: str = PASSWORD) -> httpx.Response:
        response = await self.http.post(
            "/api/agent/session", json={"username": self.username, "password": password}
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/agent{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        )

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(f"/api/agent{path}", params=params)

    async def queue(self, state: str = "active") -> list[dict[str, Any]]:
        response = await self.get("/conversations", state=state)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["conversations"]
        return items

    async def conversation(self, conversation_id: int) -> dict[str, Any]:
        response = await self.get(f"/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def claim(self, conversation_id: int) -> httpx.Response:
        return await self.post(f"/conversations/{conversation_id}/claim")

    async def say(self, conversation_id: int, text: str) -> httpx.Response:
        return await self.post(f"/conversations/{conversation_id}/messages", {"text": text})


@asynccontextmanager
async def agent_user(
    client: httpx.AsyncClient,
    username: str,
    *,
    name: str | None = None,
    groups: list[str] | None = None,
    sign_in: bool = True,
) -> AsyncIterator[AgentUser]:
    """A new agent account (made the way ``spoc agent add`` makes it), signed in."""
    app = client.app  # type: ignore[attr-defined]
    await create_agent(
        app.state.spoc.sessions,
        username=username,
        password=PASSWORD,
        display_name=name,
        groups=groups,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://spoc.test") as http:
        user = AgentUser(http, username)
        if sign_in:
            response = await user.sign_in()
            assert response.status_code == 200, response.text
        yield user
