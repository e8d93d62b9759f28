"""The web chat API at its front door: tokens scoped to one session, keepalive, size and rate
limits with clear error objects, CORS and embedding only for configured origins, and strict
security headers on spoc's pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from bot.config import Settings
from bot.store.models import Conversation, utcnow
from tests.support.app import app_client
from tests.support.chat import ChatPerson

KOMMUN = "https://www.exempelby.se"
ELSEWHERE = "https://evil.example"


@asynccontextmanager
async def spoc_with(settings: Settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with some settings changed, behind an in-process httpx client."""
    async with app_client(settings.model_copy(update=changes)) as http:
        yield http


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    error: dict[str, str] = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


# ---- sessions and tokens ---------------------------------------------------------------


async def test_session_ids_and_tokens_are_long_random_and_distinct(
    client: httpx.AsyncClient,
) -> None:
    people = [await ChatPerson.start(client) for _ in range(3)]
    for person in people:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", person.session_id)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", person.token)  # 256 bits
    assert len({p.token for p in people}) == len({p.session_id for p in people}) == 3


async def test_another_sessions_token_gets_the_same_404_as_a_missing_session(
    client: httpx.AsyncClient,
) -> None:
    anna, bertil = await ChatPerson.start(client), await ChatPerson.start(client)
    wrong = {"Authorization": f"Bearer {bertil.token}"}
    base = f"/api/chat/sessions/{anna.session_id}"
    missing = f"/api/chat/sessions/{'x' * 22}"
    answers = [
        await client.post(f"{base}/messages", json={"text": "hej"}, headers=wrong),
        await client.get(f"{base}/messages", headers=wrong),
        await client.get(f"{base}/events", headers=wrong),
        await client.get(f"{base}/events", params={"access_token": bertil.token}),
        await client.post(f"{base}/keepalive", headers=wrong),
        await client.get(f"{missing}/messages", headers=wrong),
    ]
    bodies = {assert_error(answer, 404, "not_found")["message"] for answer in answers}
    assert len(bodies) == 1  # nothing tells a stolen id from a made-up one
    assert [m["author"] for m in anna.transcript] == ["bot"]


async def test_a_request_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    response = await client.get(f"/api/chat/sessions/{person.session_id}/messages")
    assert_error(response, 401, "unauthorized")


async def test_keepalive_extends_the_session_and_says_for_how_long(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await age(client, person.session_id, minutes=50)
    response = await client.post(
        f"/api/chat/sessions/{person.session_id}/keepalive", headers=person.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"expires_in": 3600}
    await age(client, person.session_id, minutes=30)  # 30 minutes after the keepalive
    assert (await person.say("hej"))[0]["author"] == "bot"


async def test_an_expired_session_is_410_everywhere(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    await age(client, person.session_id, minutes=61)
    base = f"/api/chat/sessions/{person.session_id}"
    for response in (
        await client.post(f"{base}/messages", json={"text": "hej"}, headers=person.headers),
        await client.get(f"{base}/messages", headers=person.headers),
        await client.post(f"{base}/keepalive", headers=person.headers),
    ):
        assert_error(response, 410, "session_expired")


async def age(http: httpx.AsyncClient, session_id: str, *, minutes: int) -> None:
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session, session.begin():
        await session.execute(
            update(Conversation)
            .where(Conversation.channel_key == session_id)
            .values(last_activity_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_the_widget_config_is_public_and_documented(client: httpx.AsyncClient) -> None:
    config = (await client.get("/api/chat/config")).json()
    assert config["session_ttl_seconds"] == 3600
    assert config["session_warning_seconds"] == 120
    assert config["max_message_chars"] == 2000
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/chat/config" in paths
    assert "/api/chat/sessions/{session_id}/keepalive" in paths


# ---- limits ---------------------------------------------------------------------------


async def test_a_message_body_over_the_limit_is_413_with_an_error_object(
    settings: Settings,
) -> None:
    async with spoc_with(settings, max_request_bytes=1024) as http:
        person = await ChatPerson.start(http)
        response = await http.post(
            f"/api/chat/sessions/{person.session_id}/messages",
            json={"text": "ö" * 1000},
            headers=person.headers,
        )
        assert_error(response, 413, "payload_too_large")


async def test_too_many_messages_in_one_session_is_429_with_retry_after(
    settings: Settings,
) -> None:
    async with spoc_with(settings, rate_limit_per_session=3) as http:
        person, other = await ChatPerson.start(http), await ChatPerson.start(http)
        for _ in range(3):
            await person.say("hej")
        response = await http.post(
            f"/api/chat/sessions/{person.session_id}/messages",
            json={"text": "hej igen"},
            headers=person.headers,
        )
        error = assert_error(response, 429, "rate_limited")
        assert "this chat" in error["message"]
        assert 1 <= int(response.headers["Retry-After"]) <= 20
        await other.say("hej")  # other sessions are not affected


async def test_too_many_requests_from_one_address_is_429(settings: Settings) -> None:
    async with spoc_with(settings, rate_limit_per_ip=4) as http:
        person = await ChatPerson.start(http)
        for _ in range(3):
            await http.get(
                f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
            )
        response = await http.post("/api/chat/sessions", json={"locale": "sv"})
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1
        assert (await http.get("/")).status_code == 200  # pages are not rate limited


# ---- origins, CORS and embedding --------------------------------------------------------


async def test_without_configured_origins_only_spoc_itself_may_call_the_api(
    client: httpx.AsyncClient,
) -> None:
    own = await client.post("/api/chat/sessions", json={}, headers={"Origin": "http://spoc.test"})
    assert own.status_code == 201
    foreign = await client.post("/api/chat/sessions", json={}, headers={"Origin": ELSEWHERE})
    assert_error(foreign, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in foreign.headers
    preflight = await client.options("/api/chat/sessions", headers=preflight_headers(ELSEWHERE))
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_configured_origin_gets_cors_answers_including_on_errors(
    settings: Settings,
) -> None:
    configured = {"allowed_origins": [KOMMUN + "/"], "rate_limit_per_session": 1}
    async with spoc_with(settings, **configured) as http:
        preflight = await http.options("/api/chat/sessions", headers=preflight_headers(KOMMUN))
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == KOMMUN
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers  # no cookies

        created = await http.post("/api/chat/sessions", json={}, headers={"Origin": KOMMUN})
        assert created.status_code == 201
        assert created.headers["access-control-allow-origin"] == KOMMUN
        body = created.json()
        path = f"/api/chat/sessions/{body['session_id']}/messages"
        headers = {"Origin": KOMMUN, "Authorization": f"Bearer {body['token']}"}
        assert (await http.post(path, json={"text": "hej"}, headers=headers)).status_code == 200
        limited = await http.post(path, json={"text": "hej"}, headers=headers)
        assert_error(limited, 429, "rate_limited")
        # The widget on the kommun's site can read the error and when to try again.
        assert limited.headers["access-control-allow-origin"] == KOMMUN
        assert "retry-after" in limited.headers["access-control-expose-headers"].lower()

        foreign = await http.post("/api/chat/sessions", json={}, headers={"Origin": ELSEWHERE})
        assert_error(foreign, 403, "origin_not_allowed")


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


# ---- security headers and pages -------------------------------------------------------


async def test_conversations_and_the_console_are_never_cached_but_static_files_are(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await person.say("skrivaren fungerar inte")
    transcript = await client.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    assert transcript.status_code == 200
    assert transcript.headers["cache-control"] == "no-store"
    # Signed out: a page or a redirect; link pages answered for a link that is no link.
    for path in (
        "/agent/login",
        "/agent",
        "/agent/report",
        "/reset/not-a-link",
        "/approvals/not-a-link",
        "/dev/outbox",
    ):
        assert (await client.get(path)).headers["cache-control"] == "no-store", path
    widget = await client.get("/static/spoc-widget.js")
    assert widget.status_code == 200
    assert "max-age" in widget.headers["cache-control"]


@pytest.mark.parametrize(
    "path", ["/", "/en", "/tillganglighet", "/integritet", "/en/accessibility", "/en/privacy"]
)
async def test_pages_have_a_strict_csp_and_no_inline_code(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    html = response.text
    assert re.search(r"<html lang=\"(sv|en)\">", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


async def test_embedding_follows_the_configured_origins(settings: Settings) -> None:
    async with spoc_with(settings, allowed_origins=[KOMMUN]) as http:
        response = await http.get("/")
    assert f"frame-ancestors {KOMMUN};" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


async def test_the_widget_files_may_be_loaded_by_other_sites(client: httpx.AsyncClient) -> None:
    for name in ("spoc-widget.js", "spoc-widget.css"):
        response = await client.get(f"/static/{name}")
        assert response.status_code == 200
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert "max-age=" in response.headers["cache-control"]
    page = await client.get("/")
    assert page.headers["cross-origin-resource-policy"] == "same-origin"


async def test_the_pages_tell_citizens_about_emergencies_privacy_and_people(
    client: httpx.AsyncClient,
) -> None:
    privacy = (await client.get("/integritet")).text
    for fact in (
        "högst 90 dagar",
        "60 minuter",
        "112",
        "1177",
        "Integritetsskyddsmyndigheten",
        "ersätts med stjärnor",
    ):
        assert fact in privacy
    statement = (await client.get("/tillganglighet")).text
    for fact in ("Digg", "WCAG 2.1", "delvis förenlig", "0123-45 67 00"):
        assert fact in statement
    demo = (await client.get("/")).text
    assert 'src="/static/spoc-widget.js"' in demo and 'data-spoc-locale="sv"' in demo


async def test_swagger_ui_is_a_development_aid_and_the_schema_is_always_published(
    settings: Settings,
) -> None:
    async with spoc_with(settings, environment="development") as http:
        docs = await http.get("/docs")
        assert docs.status_code == 200
        assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    async with spoc_with(settings, environment="production") as http:
        assert (await http.get("/docs")).status_code == 404
        assert (await http.get("/openapi.json")).status_code == 200


async def test_a_last_event_id_that_is_no_message_id_gets_a_clear_error(
    client: httpx.AsyncClient,
) -> None:
    session = (await client.post("/api/chat/sessions", json={"locale": "sv"})).json()
    path = f"/api/chat/sessions/{session['session_id']}/events"
    for value in ("abc", "-1", "1.5", str(2**40)):  # not a whole number, or past any id
        response = await client.get(
            path,
            headers={"Authorization": f"Bearer {session['token']}", "Last-Event-ID": value},
        )
        assert response.status_code == 400, value
        assert response.json()["error"]["message"] == "Last-Event-ID must be a message id."
