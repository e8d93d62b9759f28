"""Shared fixtures: a fresh, migrated database per test (SQLite file or a PostgreSQL schema),
the real ASGI app driven through httpx, and a real uvicorn server on an ephemeral port."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from bot.config import Settings
from bot.web.app import create_app
from tests.support.accounts import slapd, smtp  # noqa: F401 - fixtures for every test
from tests.support.app import app_client
from tests.support.server import LiveServer, serve

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "SPOC_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """(url, schema) of an empty database; PostgreSQL gets a schema of its own per test."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'spoc.db'}", None
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_plain_dsn(POSTGRES_URL))
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield POSTGRES_URL, schema
    finally:
        leftovers = await _drop_schema(connection, schema)
        await connection.close()
    # A connection the app left open in a transaction would have made the drop wait forever.
    assert not leftovers, f"connections still open in a transaction after the test: {leftovers}"


async def _drop_schema(connection: asyncpg.Connection, schema: str) -> list[str]:
    """Drop the test's schema; returns what kept it locked (then ended), if anything did."""
    await connection.execute("SET lock_timeout = '20s'")
    try:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return []
    except asyncpg.exceptions.LockNotAvailableError:
        blockers = await connection.fetch(
            """SELECT DISTINCT a.pid, a.state, a.application_name, left(a.query, 200) AS query
               FROM pg_locks l
               JOIN pg_class c ON c.oid = l.relation
               JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE n.nspname = $1 AND a.pid <> pg_backend_pid()""",
            schema,
        )
        for blocker in blockers:
            await connection.execute("SELECT pg_terminate_backend($1)", blocker["pid"])
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return [f"{b['state']}: {b['query']}" for b in blockers]


@pytest.fixture
def settings(database: tuple[str, str | None], tmp_path: Path) -> Settings:
    url, schema = database
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        database_schema=schema,
        kb_dir=ROOT / "knowledge_base",
        catalog_dir=ROOT / "catalog",
        default_locale="sv",
        # The desk is open around the clock unless a test says otherwise: what an escalation
        # does must not depend on the hour the suite runs.
        desk_open_hours="mon-sun 00:00-24:00",
        desk_holidays_open=True,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, lifespan included, behind an in-process httpx client."""
    async with app_client(settings) as http:
        yield http


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """``spoc``'s app on a real uvicorn server in a thread, on an ephemeral port."""
    with serve(create_app(settings)) as server:
        yield server
