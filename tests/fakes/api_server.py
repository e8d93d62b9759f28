"""What the local fake APIs (Slack's Web API, Telegram's Bot API) have in common: an aiohttp
server on an ephemeral loopback port, the record of every call and waiting on it, and reading
a call's parameters the way both APIs take them (query string, JSON or form body, with some
form fields JSON-encoded)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int
    token: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeApi:
    # spoc's names for its settings of this API's bot token, shared secret and base URL
    setting_names: ClassVar[tuple[str, str, str]]
    # what spoc checks the fake people's requests with (Slack's signing secret, Telegram's
    # webhook secret token)
    shared_secret: ClassVar[str]
    token: str = ""
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    def spoc_settings(self) -> dict[str, object]:
        """spoc's settings that point it at this fake."""
        token, secret, url = self.setting_names
        return {token: self.token, secret: self.shared_secret, url: self.url}

    async def _serve(self, app: web.Application) -> int:
        """Serve ``app`` on 127.0.0.1; the port is the one the system chose."""
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port: int = self._runner.addresses[0][1]
        return port

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_until(self, ready: Callable[[], bool], seconds: float = 10.0) -> None:
        """Until ``ready()`` holds; checked again on every call the fake receives."""
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(ready)


async def request_params(request: web.Request, json_fields: Iterable[str]) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update(await request.post())
    for name in json_fields:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params
