"""A local Telegram: the Bot API on an ephemeral port for the real python-telegram-bot
client, and a person whose messages and button presses reach spoc as Telegram sends them.

The Bot API records every call and keeps sent messages per chat. Failures are scripted per
method and chat: ``fail_next`` answers with 429 (and ``retry_after``) or 500 before behaving
again. ``getUpdates`` long-polls like Telegram, for the polling mode.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

from tests.fakes.api_server import Call, FakeApi, request_params

BOT_ID = 700_000_001
JSON_FIELDS = ("reply_markup", "allowed_updates", "link_preview_options")
SECRET_TOKEN = "s3cr3t-token_for-the-webhook"


@dataclass
class _Failure:
    status: int
    chat_id: int | None
    retry_after: int | None


@dataclass
class FakeTelegram(FakeApi):
    setting_names = ("telegram_bot_token", "telegram_secret_token", "telegram_api_url")
    shared_secret = SECRET_TOKEN
    token: str = "700000001:AAE-spoc-test-token-0123456789abcdef"
    sent: list[dict[str, Any]] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    _closing: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Update ids are the bot's, one sequence over all chats.
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_001))

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.url = f"http://127.0.0.1:{await self._serve(app)}/bot"
        return self

    async def stop(self) -> None:
        async with self._changed:  # long polls end now, not at their timeout
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.shutdown()
            await self._runner.cleanup()

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        queue = self._failures.setdefault(method, deque())
        queue.extend(_Failure(status, chat_id, retry_after) for _ in range(times))

    async def queue_update(self, update: dict[str, Any]) -> None:
        """An update for ``getUpdates`` (polling)."""
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    # -- what spoc did -------------------------------------------------------------------

    def in_chat(self, chat_id: int) -> list[dict[str, Any]]:
        return [message for message in self.sent if message["chat"]["id"] == chat_id]

    # -- the Bot API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await request_params(request, JSON_FIELDS)
        if request.match_info["token"] != self.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif method == "getUpdates":
            status, body = 200, {"ok": True, "result": await self._get_updates(params)}
        else:
            status, body = self._answer(method, params)
        await self._record(Call(method, params, status))
        return web.json_response(body, status=status)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (failure := self._failure(method, params)) is not None:
            if failure.status == 429:
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {failure.retry_after}",
                    "parameters": {"retry_after": failure.retry_after},
                }
            return failure.status, {
                "ok": False,
                "error_code": failure.status,
                "description": "Internal Server Error",
            }
        handler = getattr(self, "_" + method, None)
        return 200, {"ok": True, "result": handler(params) if handler else True}

    def _failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        queue = self._failures.get(method)
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        for failure in list(queue or ()):
            if failure.chat_id in (None, chat_id):
                assert queue is not None
                queue.remove(failure)
                return failure
        return None

    def _getMe(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "spoc",
            "username": "exempelby_spoc_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._getMe({}),
            "text": params["text"],
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.sent.append(message)
        return message

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        for message in self.sent:
            if (message["chat"]["id"], message["message_id"]) == (
                int(params["chat_id"]),
                int(params["message_id"]),
            ):
                message.pop("reply_markup", None)
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
                return message
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = float(params.get("timeout") or 0)

        def fresh() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._changed:
            if not fresh() and wait:
                try:
                    async with asyncio.timeout(wait):
                        await self._changed.wait_for(lambda: bool(fresh()) or self._closing)
                except TimeoutError:
                    pass
            return fresh()


@dataclass
class TelegramPerson:
    """Someone in a Telegram chat with the bot; their updates carry the secret token."""

    http: httpx.AsyncClient
    fake: FakeTelegram
    secret: str
    chat_id: int = 4242
    first_name: str = "Anna"
    last_name: str = "Andersson"
    language_code: str = "sv"
    _messages: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def user(self) -> dict[str, Any]:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "language_code": self.language_code,
        }

    def message_update(self, text: str) -> dict[str, Any]:
        return {
            "update_id": next(self.fake.update_ids),
            "message": {
                "message_id": next(self._messages),
                "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private", "first_name": self.first_name},
                "from": self.user,
                "text": text,
            },
        }

    def press_update(self, action: str) -> dict[str, Any]:
        message = self.button_message(action)
        return {
            "update_id": next(self.fake.update_ids),
            "callback_query": {
                "id": f"cq-{next(self._messages)}",
                "from": self.user,
                "chat_instance": f"ci-{self.chat_id}",
                "data": action,
                "message": message,
            },
        }

    async def deliver(
        self, update: dict[str, Any], *, secret: str | None = None
    ) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret or self.secret}
        return await self.http.post("/telegram/webhook", json=update, headers=headers)

    async def say(self, text: str) -> dict[str, Any]:
        update = self.message_update(text)
        response = await self.deliver(update)
        assert response.status_code == 200, response.text
        return update

    async def press(self, action: str) -> dict[str, Any]:
        update = self.press_update(action)
        response = await self.deliver(update)
        assert response.status_code == 200, response.text
        return update

    def button_message(self, action: str) -> dict[str, Any]:
        for message in reversed(self.fake.in_chat(self.chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                if any(button.get("callback_data") == action for button in row):
                    return dict(message)
        raise AssertionError(f"no button for {action}; offered: {self.offered()}")

    def offered(self) -> list[str]:
        return [
            button["callback_data"]
            for message in self.fake.in_chat(self.chat_id)
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
