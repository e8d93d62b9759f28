"""No request gets a server error: every operation in spoc's OpenAPI schema, fed what
schemathesis generates from it (valid, edge and wrong values, wrong types, odd strings),
against a real server, signed in where the operation needs it, on real and on made-up ids.
Each 4xx from the API is the error object the architecture promises."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from pydantic import SecretStr
from schemathesis.specs.openapi.schemas import APIOperation

from bot.agents.accounts import create_agent
from bot.config import Settings
from tests.support.agents import PASSWORD
from tests.support.server import LiveServer

ITSM_TOKEN = "fuzz-itsm-token"
# Event streams never end; they have their own tests.
STREAMS = ("/events",)


@dataclass
class Signed:
    """What a signed-in caller sends, and real ids for path parameters."""

    url: str
    chat: dict[str, str]
    agent: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def headers_for(self, path: str) -> dict[str, str]:
        if path.startswith("/api/chat/sessions/"):
            return self.chat
        if path.startswith("/api/agent/"):
            return self.agent
        if path.startswith("/api/tickets/"):
            return {"Authorization": f"Bearer {ITSM_TOKEN}"}
        return {}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "itsm_api_token": SecretStr(ITSM_TOKEN),
            "desk_open_hours": "mon-sun 00:00-24:00",
            "desk_holidays_open": True,
            "rate_limit_per_session": 1_000_000,
            "rate_limit_per_ip": 1_000_000,
        }
    )


@pytest.fixture
def signed(live_server: LiveServer) -> Iterator[Signed]:
    sessions = live_server.app.state.spoc.sessions
    live_server.call(create_agent(sessions, username="fuzz", password=PASSWORD))
    with httpx.Client(base_url=live_server.url) as http:
        chat = http.post("/api/chat/sessions", json={"locale": "sv"}).json()
        chat_headers = {"Authorization": f"Bearer {chat['token']}"}
        messages = f"/api/chat/sessions/{chat['session_id']}/messages"
        # A conversation waiting for a person, with a ticket, so the agent API has one to act on.
        for text in (
            "hela enheten kommer inte åt journalsystemet",
            "jag vill prata med en människa",
        ):
            said = http.post(messages, json={"text": text}, headers=chat_headers)
            assert said.status_code == 200, said.text
        signed_in = http.post(
            "/api/agent/session", json={"username": "fuzz", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        agent_headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items()),
            "X-CSRF-Token": signed_in.json()["csrf_token"],
        }
        queue = http.get("/api/agent/conversations", headers=agent_headers).json()
        assert queue["conversations"], queue
        number = _ticket_reported(http)
        yield Signed(
            url=live_server.url,
            chat=chat_headers,
            agent=agent_headers,
            ids={
                "session_id": chat["session_id"],
                "conversation_id": queue["conversations"][0]["conversation_id"],
                "number": number,
            },
        )


def _ticket_reported(http: httpx.Client) -> str:
    """A ticket the ITSM API can change: an incident reported through another chat."""
    chat = http.post("/api/chat/sessions", json={"locale": "sv"}).json()
    messages = f"/api/chat/sessions/{chat['session_id']}/messages"
    steps: list[dict[str, str]] = [
        {"text": "outlook kraschar när jag öppnar kalendern"},
        {"action": "incident:helped:no"},
        {"text": "sedan i morse"},
        {"action": "incident:impact:3"},
        {"action": "incident:urgency:2"},
        {"action": "incident:confirm"},
    ]
    for body in steps:
        said = http.post(messages, json=body, headers={"Authorization": f"Bearer {chat['token']}"})
        assert said.status_code == 200, said.text
    found = re.search(r"INC\d{7}", said.json()["messages"][0]["text"])
    assert found is not None, said.text
    return found.group(0)


def _operations(url: str) -> list[APIOperation]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    # Signing out and in last: the other operations run signed in.
    return sorted(
        (op for op in operations if not op.path.endswith(STREAMS)),
        key=lambda op: op.path.startswith("/api/agent/session"),
    )


def _check(response: Any, operation: APIOperation) -> None:
    where = f"{operation.method.upper()} {operation.path}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if 400 <= response.status_code < 500 and operation.path.startswith("/api/"):
        error = response.json().get("error")
        assert isinstance(error, dict), f"{where}: {response.status_code} {response.text[:300]}"
        assert error.get("code") and error.get("message"), f"{where}: {error}"


def _fuzz(signed: Signed, operation: APIOperation, *, real_ids: bool) -> int:
    """Calls made on one operation; real_ids puts the signed-in caller's own ids in the path."""
    calls = 0

    @examples(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        nonlocal calls
        if real_ids and case.path_parameters:
            case.path_parameters = {
                name: signed.ids.get(name, value) for name, value in case.path_parameters.items()
            }
        headers = {**signed.headers_for(operation.path), **(case.headers or {})}
        response = case.call(base_url=signed.url, headers=headers, timeout=30)
        calls += 1
        _check(response, operation)

    call()
    return calls


def test_no_operation_answers_anything_with_a_server_error(signed: Signed) -> None:
    operations = _operations(signed.url)
    assert len(operations) >= 15  # the chat, agent and ticket APIs are all in the schema
    calls = sum(
        _fuzz(signed, operation, real_ids=real_ids)
        for operation in operations
        for real_ids in (True, False)
    )
    assert calls > 500
