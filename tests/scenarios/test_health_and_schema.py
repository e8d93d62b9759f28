from __future__ import annotations

import httpx


async def test_healthz_answers_when_the_database_does(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_documents_the_chat_api(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/chat/sessions" in paths
    assert "/api/chat/sessions/{session_id}/messages" in paths
    assert "/api/chat/sessions/{session_id}/events" in paths
