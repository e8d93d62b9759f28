"""spoc's real app plus two baselines on the same server stack: a bare JSON echo, and a turn's
database writes alone (SQLite only), for measuring all three in one run."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.store.models import Base
from bot.web.app import create_app

# The reply the writes baseline answers with: about the size of one of spoc's replies.
_REPLY_TEXT = (
    "Tråkigt att Outlook krånglar. Den här guiden brukar hjälpa: Outlook kraschar eller "
    "startar inte. Hjälpte den?"
)
_BUTTONS = [
    {"title": "Ja, det löste sig", "action": "incident:helped:yes"},
    {"title": "Nej", "action": "incident:helped:no"},
]


def create_bench_app() -> FastAPI:
    settings = Settings()
    app = create_app(settings)

    @app.post("/bench/echo")
    async def echo(request: Request) -> Any:
        return await request.json()

    if settings.is_sqlite:
        _install_writes_baseline(app, settings)
    return app


def _install_writes_baseline(app: FastAPI, settings: Settings) -> None:
    """``POST /bench/writes/{key}``: what a turn writes, with no logic and no SQLAlchemy.

    In one transaction on spoc's schema (its own file beside spoc's, so the two never wait
    for each other): take the writer lock, read the conversation's row (insert it on the first
    message), store the person's message under a delivery key, store one reply, write the
    conversation's state and one event, commit. These are the statements of a turn of the
    benchmark's script, run by the sqlite3 module on the event loop's thread as spoc's own
    connection runs them: the least any turn on this stack can cost."""
    spoc_db = make_url(settings.database_url).database or "spoc.db"
    path = Path(spoc_db).with_name(Path(spoc_db).stem + "-writes.db")
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    # Unique across server processes too (--workers): a repeated key would store nothing.
    delivery_keys = (f"k{os.getpid()}-{number}" for number in itertools.count(1))

    def now() -> str:
        return datetime.now(UTC).replace(tzinfo=None).isoformat(" ")

    def turn(key: str, body: dict[str, Any]) -> dict[str, Any]:
        row = db.execute(
            "SELECT id, data FROM conversations WHERE channel = 'webchat' AND channel_key = ?",
            (key,),
        ).fetchone()
        if row is None:
            conversation_id = db.execute(
                "INSERT INTO conversations (channel, channel_key, locale, locale_fixed, flow,"
                " step, data, owner, status, created_at, last_activity_at)"
                " VALUES ('webchat', ?, 'sv', 0, 'greeting', 'start', '{}', 'bot', 'open', ?, ?)",
                (key, now(), now()),
            ).lastrowid
            data: dict[str, Any] = {}
        else:
            conversation_id, data = row[0], json.loads(row[1])
        data["turns"] = data.get("turns", 0) + 1
        message_id = db.execute(
            "INSERT INTO messages (conversation_id, author, text, buttons, idempotency_key,"
            " created_at) VALUES (?, 'user', ?, '[]', ?, ?)"
            " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            (conversation_id, body.get("text") or body.get("action"), next(delivery_keys), now()),
        ).fetchone()[0]
        reply_id = db.execute(
            "INSERT INTO messages (conversation_id, author, text, buttons, reply_to, created_at)"
            " VALUES (?, 'bot', ?, ?, ?, ?) RETURNING id",
            (conversation_id, _REPLY_TEXT, json.dumps(_BUTTONS), message_id, now()),
        ).fetchone()[0]
        db.execute(
            "UPDATE conversations SET step = ?, data = ?, last_activity_at = ? WHERE id = ?",
            ("ask_helped", json.dumps(data), now(), conversation_id),
        )
        db.execute(
            "INSERT INTO events (conversation_id, kind, data, created_at)"
            " VALUES (?, 'article_suggested', '{}', ?)",
            (conversation_id, now()),
        )
        return {
            "messages": [
                {"id": reply_id, "author": "bot", "text": _REPLY_TEXT, "buttons": _BUTTONS}
            ]
        }

    @app.post("/bench/writes/{key}")
    async def writes(key: str, request: Request) -> Any:
        body = await request.json()
        db.execute("BEGIN IMMEDIATE")
        try:
            answer = turn(key, body)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return answer
