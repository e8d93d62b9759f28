"""Every route outside the OpenAPI schema (the console's pages and forms, the reset and
approval pages, the widget's pages, the channels' webhooks) gets hostile values in each of
its path, query and form parameters, found from the app's own routes, so a page added later
is covered without anyone remembering to list it. No answer may be a 5xx.

The API in the schema has its own generated fuzz (tests/scenarios/test_api_fuzz.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.support.agents import agent_user
from tests.support.chat import ChatPerson

HOSTILE = (
    "",
    "0",
    "-1",
    str(2**31),
    str(2**70),
    "1e309",
    "NaN",
    "\x00",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%ff",
    "=cmd|' /C calc'!A0",
    "ö" * 3000,
    "x" * 20_000,
)


# Pages that read their form themselves declare no fields: they get these.
UNDECLARED_FORM = ("csrf", "lang", "password", "password_again", "decision")


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    query: tuple[str, ...]
    form: tuple[str, ...]


def hidden_pages(app: FastAPI) -> Iterator[Page]:
    """Each method of each route the OpenAPI schema leaves out, with its parameters."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not context.include_in_schema:
            query = tuple(param.alias for param in route.dependant.query_params)
            form = tuple(param.alias for param in route.dependant.body_params)
            for method in sorted((context.methods or set()) - {"HEAD"}):
                path = str(context.path)
                yield Page(
                    method, path, query, form or (UNDECLARED_FORM if method == "POST" else ())
                )


def fill(path: str, value: str) -> str:
    """The path with ``value``, percent-encoded, in each of its parameters."""
    return re.sub(r"\{[^}]+\}", lambda _: quote(value, safe="") or "%20", path)


async def test_pages_outside_the_schema_answer_hostile_values_without_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    app: Any = client._transport.app  # type: ignore[attr-defined]  # the ASGI app under test
    pages = list(hidden_pages(app))
    paths = {page.path for page in pages}
    # The enumeration sees the pages this test is meant to guard (and would see new ones).
    assert {"/agent", "/agent/conversations/{conversation_id}/messages"} <= paths
    assert any(path.startswith("/reset/") for path in paths)

    person = await ChatPerson.start(client)
    await person.say("jag vill prata med en människa")
    async with agent_user(client, "kim", name="Kim") as kim:
        console = await kim.http.get("/agent")
        token = re.search(r'name="csrf_token" value="([^"]+)"', console.text)
        assert token is not None
        (item,) = await kim.queue()
        real = str(item["conversation_id"])
        await kim.claim(int(real))
        tried = 0
        for page in pages:
            if page.path == "/agent/logout":
                continue  # signing out would end the rest of the run's session
            for value in HOSTILE:
                # Hostile ids, and a real conversation's id with hostile fields.
                urls = {fill(page.path, value), fill(page.path, real)}
                params = dict.fromkeys(page.query, value)
                # The real CSRF token, so that the hostile values get past the door to the
                # code behind it; then the token itself hostile.
                for url in sorted(urls):
                    for csrf in (token.group(1), value):
                        data = {**dict.fromkeys(page.form, value), "csrf_token": csrf}
                        response = await kim.http.request(
                            page.method,
                            url,
                            params=params,
                            data=data if page.method != "GET" else None,
                        )
                        tried += 1
                        assert response.status_code < 500, (page.method, url, value[:30])
        assert tried >= 2 * len(HOSTILE) * (len(pages) - 1)
    # Whatever reached the person's conversation came as text, never evaluated.
    assert all("49" not in message["text"] for message in person.transcript)
