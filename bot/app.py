"""The assembled engine: settings in, a router and its parts out. No globals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import tasks as background
from bot.approvals.desk import Approvals
from bot.approvals.links import ApprovalLinks
from bot.approvals.managers import DirectoryManagers
from bot.approvals.timeouts import ApprovalTimeouts
from bot.catalog import Catalog
from bot.config import Settings
from bot.directory import Directory, create_directory
from bot.directory.reset import ResetLinks
from bot.flows.base import Services
from bot.knowledge import KnowledgeBase
from bot.mail import Mailer, forget
from bot.outbox import Outbox
from bot.privacy import MaskingFilter
from bot.replies import Replies
from bot.retention import cutoff, purge
from bot.router import Router
from bot.sla import SlaPolicy
from bot.store.db import create_engine, create_read_engine, migrate, session_factory


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Spoc:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # Read-only work (session checks, transcripts): beside the writer on SQLite.
    reads: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase
    catalog: Catalog
    router: Router
    outbox: Outbox
    read_engine: AsyncEngine
    directory: Directory
    mailer: Mailer
    resets: ResetLinks
    approvals: Approvals | None = None
    # Reminders and expiry of approvals nobody answers (a background job of ``running``).
    timeouts: ApprovalTimeouts | None = None

    @classmethod
    def build(cls, settings: Settings) -> Spoc:
        engine = create_engine(settings.database_url, schema=settings.database_schema)
        sessions = session_factory(engine)
        read_engine = create_read_engine(settings.database_url, engine)
        catalog = Catalog.from_directory(settings.catalog_dir)
        knowledge = KnowledgeBase.from_directory(settings.kb_dir)
        directory = create_directory(settings, sessions)
        mailer = Mailer(settings, sessions)
        resets = ResetLinks(sessions, minutes=settings.reset_link_minutes)
        services = Services(
            settings=settings,
            replies=Replies(),
            catalog=catalog,
            knowledge=knowledge,
            sla=SlaPolicy(catalog.sla),
            now=utc_now,
            directory=directory,
            mailer=mailer,
            resets=resets,
        )
        outbox = Outbox(sessions)
        approvals = Approvals(
            sessions=sessions,
            services=services,
            outbox=outbox,
            links=ApprovalLinks.from_settings(settings),
            mailer=mailer,
            managers=DirectoryManagers(directory),
        )
        router = Router(sessions=sessions, services=services, outbox=outbox, approvals=approvals)
        reads = sessions if read_engine is engine else session_factory(read_engine)
        return cls(
            settings,
            engine,
            sessions,
            reads,
            knowledge,
            catalog,
            router,
            outbox,
            read_engine,
            directory=directory,
            mailer=mailer,
            resets=resets,
            approvals=approvals,
            timeouts=ApprovalTimeouts(sessions=sessions, approvals=approvals),
        )

    async def start(self) -> None:
        await migrate(self.engine)
        await self.outbox.recover()

    async def close(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Spoc]:
        """Started, with the outbox delivering, the knowledge base hot-reloading and
        unanswered approvals reminded and expired."""
        await self.start()
        tasks = [
            asyncio.create_task(self.outbox.run(), name="outbox"),
            asyncio.create_task(self._watch_knowledge(), name="kb-reload"),
            asyncio.create_task(self._keep_retention(), name="retention"),
            asyncio.create_task(self.mailer.run(), name="mail"),
        ]
        if self.timeouts is not None and self.timeouts.is_on:
            tasks.append(asyncio.create_task(self.timeouts.run(), name="approval-timeouts"))
        try:
            yield self
        finally:
            await background.stop(tasks)
            await self.close()

    async def _keep_retention(self, every_seconds: float = 3600.0) -> None:
        """Delete conversations past their retention: shortly after start, then hourly."""
        log = logging.getLogger(__name__)
        await asyncio.sleep(5)
        while True:
            try:
                older_than = cutoff(utc_now(), self.settings.chat_retention_days)
                await purge(self.sessions, older_than=older_than)
                await forget(self.sessions, older_than=older_than)  # mail, reset links
            except Exception:  # a failed round is retried at the next
                log.exception("retention: deleting old conversations failed")
            await asyncio.sleep(every_seconds)

    async def _watch_knowledge(self, every_seconds: float = 5.0) -> None:
        log = logging.getLogger(__name__)
        while True:
            await asyncio.sleep(every_seconds)
            try:
                if await asyncio.to_thread(self.knowledge.reload_if_changed):
                    log.info("knowledge base reloaded from %s", self.settings.kb_dir)
            except Exception:  # a broken edit must not stop the watcher
                log.exception("knowledge base reload failed")


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
