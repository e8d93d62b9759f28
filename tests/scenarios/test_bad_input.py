"""Bad input gets a clear answer or a 4xx error object, and the conversation keeps working."""

from __future__ import annotations

import httpx
import pytest

from bot.privacy import PNR_MASK
from tests.support.chat import ChatPerson, tickets_of


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


async def test_empty_text_gets_a_kind_answer(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    replies = await person.say("   ")
    assert "tomt meddelande" in replies[0]["text"]


async def test_huge_message_is_capped_and_the_person_is_told(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    replies = await person.say("skrivaren fungerar inte " + "x" * 5000)
    assert "2000 tecken" in replies[0]["text"]
    history = await client.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    stored = [m for m in history.json()["messages"] if m["author"] == "user"]
    assert len(stored[0]["text"]) == 2000


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    response = await client.post(
        f"/api/chat/sessions/{person.session_id}/messages",
        content=b'{"text": "' + b"a" * 40_000 + b'"}',
        headers={**person.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 413, "payload_too_large")
    await person.say("hej")  # still works


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\xfd not utf-8", b"\x00\x01\x02\x03", b"{not json", b"[1, 2"],
)
async def test_binary_or_malformed_bodies_are_400(client: httpx.AsyncClient, body: bytes) -> None:
    person = await ChatPerson.start(client)
    response = await client.post(
        f"/api/chat/sessions/{person.session_id}/messages",
        content=body,
        headers={**person.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "invalid_json")


async def test_neither_text_nor_action_is_422(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    response = await client.post(
        f"/api/chat/sessions/{person.session_id}/messages", json={}, headers=person.headers
    )
    assert_error(response, 422, "invalid_request")


async def test_template_syntax_and_markup_are_never_evaluated(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    hostile = "{{ 7*7 }} {% raw %} <script>alert(1)</script> ${7*7} skrivaren fungerar inte"
    await person.say(hostile)
    for _ in range(6):
        offered = person.offered()
        for action in (
            "incident:helped:no",
            "incident:since:1",
            "incident:impact:3",
            "incident:urgency:3",
            "incident:confirm",
        ):
            if action in offered:
                await person.press(action)
                break
        else:
            break
    ticket = (await tickets_of(client))[0]
    assert "{{ 7*7 }}" in ticket.description
    assert "<script>alert(1)</script>" in ticket.description
    assert "49" not in ticket.description


async def test_unknown_button_is_answered_and_the_question_repeated(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await person.say("teams kraschar hela tiden")
    before = person.offered()
    replies = await person.send(action="incident:drop-tables")
    assert "tidigare fråga" in replies[0]["text"]
    assert person.offered() == before


async def test_unknown_session_and_wrong_token_get_the_same_404(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    other = await ChatPerson.start(client)
    unknown = await client.post(
        "/api/chat/sessions/no-such-session/messages", json={"text": "hej"}, headers=person.headers
    )
    wrong_token = await client.post(
        f"/api/chat/sessions/{other.session_id}/messages",
        json={"text": "hej"},
        headers=person.headers,
    )
    assert_error(unknown, 404, "not_found")
    assert_error(wrong_token, 404, "not_found")
    assert unknown.json() == wrong_token.json()
    missing = await client.post(
        f"/api/chat/sessions/{person.session_id}/messages", json={"text": "hej"}
    )
    assert_error(missing, 401, "unauthorized")


async def test_expired_session_is_410(client: httpx.AsyncClient) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from bot.store.models import Conversation, utcnow

    person = await ChatPerson.start(client)
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session, session.begin():
        await session.execute(
            update(Conversation).values(last_activity_at=utcnow() - timedelta(days=1))
        )
    response = await client.post(
        f"/api/chat/sessions/{person.session_id}/messages",
        json={"text": "hej"},
        headers=person.headers,
    )
    assert_error(response, 410, "session_expired")


async def test_identity_numbers_are_masked_in_what_is_stored_and_shown(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await person.say("mitt personnummer är 19811218-9876 och e-tjänsten fungerar inte")
    history = await client.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    texts = [m["text"] for m in history.json()["messages"]]
    assert not any("9876" in text for text in texts)
    assert any(PNR_MASK in text for text in texts)


async def test_emoji_only_is_misunderstood_kindly(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    replies = await person.say("🙈🙈🙈")
    assert "förstod jag inte" in replies[0]["text"]
    await person.say("outlook kraschar")
    assert "incident:helped:no" in person.offered() or "Vad händer" in person.last_text()
