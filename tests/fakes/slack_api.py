"""A local Slack: the Web API on an ephemeral port for the real slack_sdk client, and a
person who sends correctly signed Events API and interactivity requests to spoc.

The Web API records every call and keeps posted messages (with their metadata) so that
``conversations.history`` can show them. Failures are scripted per method: ``fail_next``
answers the next calls with a status (429 with Retry-After, 500) before behaving again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.api_server import Call, FakeApi, request_params

TEAM = "T0SPOC"
BOT_USER = "U0SPOCBOT"
BOT_ID = "B0SPOC"
JSON_FIELDS = ("blocks", "metadata")
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class _Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None


@dataclass
class FakeSlack(FakeApi):
    setting_names = ("slack_bot_token", "slack_signing_secret", "slack_api_url")
    shared_secret = SIGNING_SECRET
    token: str = "xoxb-spoc-test"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _gates: dict[str, asyncio.Event] = field(default_factory=dict)
    # Socket Mode: the connected app's websockets, and the acknowledgements they sent.
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Event ids and trigger ids are Slack's, one sequence over everyone.
    event_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/socket", self._socket)
        self.url = f"http://127.0.0.1:{await self._serve(app)}/api/"
        return self

    async def stop(self) -> None:
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        email: str,
        locale: str = "sv-SE",
        tz: str = "Europe/Stockholm",
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": email.split("@")[0],
            "real_name": name,
            "tz": tz,
            "locale": locale,
            "profile": {"real_name": name, "display_name": name.split()[0], "email": email},
        }

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure(status, retry_after, error) for _ in range(times))

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` wait until the returned event is set (a slow Slack)."""
        gate = self._gates[method] = asyncio.Event()
        return gate

    async def push(self, body: dict[str, Any], envelope_id: str) -> None:
        """An Events API envelope over the connected Socket Mode websocket."""
        envelope = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "payload": body,
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self.sockets[-1].send_str(json.dumps(envelope))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async with self._changed:
            self.sockets.append(socket)
            self._changed.notify_all()
        async for frame in socket:
            async with self._changed:
                self.acks.append(json.loads(frame.data))
                self._changed.notify_all()
        return socket

    # -- what spoc did -------------------------------------------------------------------

    def posted(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        return [
            m for m in self.messages if m["channel"] == channel and m.get("thread_ts") == thread_ts
        ]

    # -- the Web API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if (gate := self._gates.get(method)) is not None:
            await gate.wait()
        params = await request_params(request, JSON_FIELDS)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        status, body, headers = self._answer(method, params, token)
        await self._record(Call(method, params, status, token))
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if token != self.token and method != "apps.connections.open":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            error = failure.error or ("ratelimited" if failure.status == 429 else "fatal_error")
            return failure.status, {"ok": False, "error": error}, headers
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        body: dict[str, Any] = handler(params) if handler else {}
        return 200, {"ok": True, **body} if "ok" not in body else body, {}

    def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://exempelby.slack.com/",
            "team": "Exempelby kommun",
            "user": "spoc",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _apps_connections_open(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://").removesuffix("api/") + "socket"}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        return {"user": user} if user else {"ok": False, "error": "user_not_found"}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = {
            "type": "message",
            "ts": f"{1_700_000_000 + next(self._ts)}.000100",
            "channel": params["channel"],
            "thread_ts": params.get("thread_ts"),
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
            "metadata": params.get("metadata"),
            "user": BOT_USER,
            "bot_id": BOT_ID,
        }
        self.messages.append(message)
        return {"channel": message["channel"], "ts": message["ts"], "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages:
            if message["channel"] == params["channel"] and message["ts"] == params["ts"]:
                message["blocks"] = params.get("blocks") or []
                message["text"] = params.get("text", message["text"])
                return {"channel": message["channel"], "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params["channel"]
        found = [m for m in self.messages if m["channel"] == channel and not m["thread_ts"]]
        return {"messages": list(reversed(found)), "has_more": False}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params["channel"], params["ts"]
        found = [m for m in self.messages if m["channel"] == channel and m["thread_ts"] == ts]
        return {"messages": found, "has_more": False}


@dataclass
class SlackPerson:
    """Someone in Slack: what they do reaches spoc as Slack would send it, signed."""

    http: httpx.AsyncClient
    fake: FakeSlack
    signing_secret: str
    user: str = "U0ANNA"
    channel: str = "D0ANNA"
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def message_event(
        self,
        text: str,
        *,
        channel_type: str = "im",
        thread_ts: str | None = None,
        mention: bool = False,
        channel: str | None = None,
        user: str | None = None,
    ) -> dict[str, Any]:
        ts = f"{1_600_000_000 + next(self._ts)}.000200"
        event: dict[str, Any] = {
            "type": "app_mention" if mention else "message",
            "channel": channel or self.channel,
            "user": user or self.user,
            "text": f"<@{BOT_USER}> {text}" if mention else text,
            "ts": ts,
            "event_ts": ts,
        }
        if not mention:
            event["channel_type"] = channel_type
        if thread_ts:
            event["thread_ts"] = thread_ts
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0SPOC",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self.fake.event_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }

    async def deliver(
        self,
        payload: dict[str, Any],
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload)
        headers = self._signed(body, timestamp, secret) | {"Content-Type": "application/json"}
        if retry_num is not None:
            headers |= {
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": "http_timeout",
            }
        return await self.http.post("/slack/events", content=body, headers=headers)

    async def say(self, text: str, **where: Any) -> dict[str, Any]:
        payload = self.message_event(text, **where)
        response = await self.deliver(payload)
        assert response.status_code == 200, response.text
        return payload

    async def press(self, action: str, *, thread_ts: str | None = None) -> httpx.Response:
        """Click the newest button for ``action`` in this conversation."""
        message, element = self.button(action, thread_ts=thread_ts)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "exempelby"},
            "user": {"id": self.user, "team_id": TEAM},
            "api_app_id": "A0SPOC",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": self.channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{next(self.fake.event_ids)}.{int(time.time())}.trigger",
            "channel": {"id": self.channel, "name": "directmessage"},
            "message": {k: v for k, v in message.items() if k != "channel" and v is not None},
            "response_url": f"{self.fake.url}response",
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": "spoc-reply",
                    "text": element["text"],
                    "value": element["value"],
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        headers = self._signed(body, None, None) | {
            "Content-Type": "application/x-www-form-urlencoded"
        }
        response = await self.http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response

    def button(
        self, action: str, *, thread_ts: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        for message in reversed(self.fake.posted(self.channel, thread_ts)):
            for block in message["blocks"]:
                for element in block.get("elements", []):
                    if element.get("value") == action:
                        return message, element
        offered = self.offered(thread_ts=thread_ts)
        raise AssertionError(f"no button for {action}; offered: {offered}")

    def offered(self, *, thread_ts: str | None = None) -> list[str]:
        return [
            element["value"]
            for message in self.fake.posted(self.channel, thread_ts)
            for block in message["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
        ]

    def _signed(self, body: str, timestamp: int | None, secret: str | None) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        verifier = SignatureVerifier(secret or self.signing_secret)
        signature = verifier.generate_signature(timestamp=stamp, body=body)
        assert signature is not None
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
