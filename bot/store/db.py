"""Engine and session factory; migrations applied on start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.store.sqlite import inline_connector

MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 71_523_001  # PostgreSQL advisory lock id: one migrator at a time


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        # SQLite has one writer at a time: one connection makes concurrent turns queue in
        # the pool's FIFO instead of in SQLite's busy handler, which sleeps in growing steps
        # (webchat_load.py: p99 3.1 s -> 1.3 s at 64 conversations).
        engine = create_async_engine(
            url,
            async_creator=inline_connector(url, timeout=30),
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        _make_sqlite_transactions_immediate(engine)
        return engine
    connect_args = {"server_settings": {"search_path": schema}} if schema else {}
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args=connect_args,
        # Parameters hold message text and personal data: keep them out of error logs.
        hide_parameters=True,
    )


def create_read_engine(url: str, engine: AsyncEngine) -> AsyncEngine:
    """Connections for reads that write nothing (session checks, transcripts for streams).

    On SQLite they start deferred transactions on connections of their own, so under WAL
    they read beside the one writer instead of queueing behind it; elsewhere the engine
    itself serves.
    """
    if not url.startswith("sqlite"):
        return engine
    readers = create_async_engine(
        url,
        async_creator=inline_connector(url, timeout=30),
        hide_parameters=True,
        pool_size=4,
        max_overflow=4,
    )
    _configure_sqlite(readers, begin="BEGIN")
    return readers


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    """SQLite takes the write lock at BEGIN, so concurrent writers queue instead of failing.

    The driver's own transaction handling is switched off, as SQLAlchemy's docs recommend.
    """

    _configure_sqlite(engine, begin="BEGIN IMMEDIATE")


def _configure_sqlite(engine: AsyncEngine, *, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
    command.upgrade(_alembic_config(connection), "heads")  # every branch of revisions


async def migrate(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema (safe to run from several processes)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_reachable(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any driver failure means "not reachable"; the caller answers 503
        return False
    return True


@asynccontextmanager
async def opened(
    url: str, *, schema: str | None = None
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database for a short job (a command), disposed of afterwards."""
    engine = create_engine(url, schema=schema)
    try:
        await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()
