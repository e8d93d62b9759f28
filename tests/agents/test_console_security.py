"""The console's doors: sign-in with lockout, CSRF on every change, groups, bad input."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.agents import PASSWORD, agent_user
from tests.support.chat import ChatPerson


async def waiting_conversation(client: httpx.AsyncClient) -> ChatPerson:
    person = await ChatPerson.start(client)
    await person.say("jag vill prata med en människa")
    return person


async def test_sign_in_brute_force_is_locked_out(client: httpx.AsyncClient) -> None:
    async with agent_user(client, "kim", sign_in=False) as kim:
        for _ in range(4):
            response = await kim.sign_in("wrong password!")
            assert response.status_code == 401
            assert response.json()["error"]["message"] == "Wrong username or password."
        locked = await kim.sign_in("wrong password!")
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 600
        assert "locked" in locked.json()["error"]["message"]
        # Locked means locked: the right password does not open it either.
        assert (await kim.sign_in(PASSWORD)).status_code == 429
        assert "spoc_agent" not in kim.http.cookies
        assert (await kim.get("/conversations")).status_code == 401
    unknown = await client.post(
        "/api/agent/session", json={"username": "nobody", "password": "whatever123"}
    )
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "Wrong username or password."


async def test_a_change_without_the_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await waiting_conversation(client)
    async with agent_user(client, "kim") as kim:
        (item,) = await kim.queue()
        path = f"/api/agent/conversations/{item['conversation_id']}/claim"
        missing = await kim.http.post(path)
        assert missing.status_code == 403
        assert "CSRF" in missing.json()["error"]["message"]
        wrong = await kim.http.post(path, headers={"X-CSRF-Token": "not-the-token"})
        assert wrong.status_code == 403
        # The console's own form is held to the same rule.
        form = await kim.http.post(
            f"/agent/conversations/{item['conversation_id']}/claim", data={"csrf_token": "x"}
        )
        assert form.status_code == 403
        (still,) = await kim.queue()
        assert still["state"] == "waiting"
        assert (await kim.claim(item["conversation_id"])).status_code == 200


async def test_an_agent_cannot_read_conversations_outside_their_groups(
    client: httpx.AsyncClient,
) -> None:
    await waiting_conversation(client)  # goes to the default group, Servicedesk
    async with (
        agent_user(client, "skola", name="Sara", groups=["Skolans IT"]) as school,
        agent_user(client, "desk", name="Dan", groups=["Servicedesk"]) as desk,
    ):
        assert await school.queue() == []
        (item,) = await desk.queue()
        conversation_id = item["conversation_id"]
        for response in (
            await school.get(f"/conversations/{conversation_id}"),
            await school.get(f"/conversations/{conversation_id}/events"),
            await school.claim(conversation_id),
            await school.post(f"/conversations/{conversation_id}/notes", {"text": "hej"}),
            await school.http.get(f"/agent/conversations/{conversation_id}"),
        ):
            assert response.status_code == 404, response.text
        # Moved to the school's queue, it is theirs to see, and no longer the desk's.
        assert (await desk.claim(conversation_id)).status_code == 200
        moved = await desk.post(
            f"/conversations/{conversation_id}/transfer", {"group": "Skolans IT"}
        )
        assert moved.status_code == 200, moved.text
        assert [i["group"] for i in await school.queue()] == ["Skolans IT"]
        assert await desk.queue() == []
        unknown = await school.post(f"/conversations/{conversation_id}/transfer", {"group": "X"})
        assert unknown.status_code == 409  # not theirs yet: claim first


async def test_the_console_signs_in_with_a_form_and_keeps_the_session_cookie_safe(
    client: httpx.AsyncClient,
) -> None:
    async with agent_user(client, "kim", name="Kim", sign_in=False) as kim:
        http = kim.http
        first = await http.get("/agent")
        assert (first.status_code, first.headers["location"]) == (303, "/agent/login?next=/agent")
        page = await http.get("/agent/login")
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        forged = await http.post(
            "/agent/login", data={"username": "kim", "password": PASSWORD, "csrf_token": "x"}
        )
        assert forged.status_code == 403
        signed = await http.post(
            "/agent/login",
            data={"username": "kim", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert (signed.status_code, signed.headers["location"]) == (303, "/agent")
        cookie = next(
            v for k, v in signed.headers.multi_items() if k == "set-cookie" and "spoc_agent=" in v
        )
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        queue = await http.get("/agent")
        assert queue.status_code == 200
        assert "Inloggad som <strong>Kim</strong>" in queue.text
        assert "script-src 'self'" in queue.headers["content-security-policy"]
        wrong = await http.post(
            "/agent/login",
            data={"username": "kim", "password": "nope nope nope", "csrf_token": token.group(1)},
        )
        assert wrong.status_code == 401
        assert "Fel användarnamn eller lösenord" in wrong.text


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/conversations/1/messages", {}, 422),
        ("post", "/conversations/abc/claim", None, 422),
        ("post", "/conversations/999/claim", None, 404),
        ("get", "/conversations?state=everything", None, 422),
        ("post", "/conversations/1/transfer", {"agent": "a", "group": "b"}, 400),
    ],
)
async def test_bad_requests_get_a_clear_4xx(
    client: httpx.AsyncClient, method: str, path: str, body: object, status: int
) -> None:
    async with agent_user(client, "kim") as kim:
        if method == "get":
            response = await kim.http.get(f"/api/agent{path}")
        else:
            response = await kim.http.post(
                f"/api/agent{path}", json=body, headers={"X-CSRF-Token": kim.csrf}
            )
        assert response.status_code == status, response.text
        assert response.json()["error"]["message"]


async def test_the_agent_api_is_in_the_openapi_schema_and_the_console_pages_are_not(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for action in ("claim", "messages", "notes", "transfer", "handback", "close", "events"):
        assert f"/api/agent/conversations/{{conversation_id}}/{action}" in paths
    assert {"/api/agent/session", "/api/agent/conversations", "/api/agent/events"} <= set(paths)
    assert not [path for path in paths if path.startswith("/agent")]


async def test_trying_one_password_on_many_accounts_is_slowed_down(
    client: httpx.AsyncClient,
) -> None:
    answers = [
        (
            await client.post(
                "/api/agent/session", json={"username": f"user{n}", "password": "Sommar2026!"}
            )
        ).status_code
        for n in range(30)
    ]
    # Twenty a minute, refilled as time passes (each refusal takes an argon2 check).
    assert answers[:20] == [401] * 20
    assert 429 in answers[20:]


HOSTILE = (
    "",
    "\x00",
    "nul\x00in the middle",
    "{{ 7*7 }} {% raw %}<script>alert(1)</script>",
    "x" * 50_000,
    "ö" * 3000,
    "agent:\x00",
    "group:" + "g" * 5000,
)


async def test_the_console_forms_answer_hostile_values_without_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    """The console's HTML forms are not in the OpenAPI schema the API fuzz reads: each one
    gets NUL bytes, template syntax, huge and empty values, and ids no row can have."""
    person = await waiting_conversation(client)
    async with agent_user(client, "kim", name="Kim") as kim:
        page = await kim.http.get("/agent")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        (item,) = await kim.queue()
        real = item["conversation_id"]
        await kim.claim(real)
        fields = {
            "messages": "text",
            "notes": "text",
            "transfer": "target",
            "close": "resolution",
            "handback": "csrf_token",
            "claim": "csrf_token",
        }
        for action, field in fields.items():
            for conversation_id in (real, 0, -1, 2**31, 2**70, "abc"):
                for value in HOSTILE:
                    response = await kim.http.post(
                        f"/agent/conversations/{conversation_id}/{action}",
                        data={"csrf_token": token.group(1), field: value},
                    )
                    assert response.status_code < 500, (action, conversation_id, value[:20])
        for taken in ("0", "abc", str(2**40), "\x00"):
            assert (await kim.http.get("/agent", params={"taken": taken})).status_code < 500
        login = await client.post(
            "/agent/login", data={"username": "kim\x00", "password": "\x00", "csrf_token": "x"}
        )
        assert login.status_code < 500
    # Whatever was stored reached the person as text, never evaluated.
    assert all("49" not in message["text"] for message in person.transcript)
