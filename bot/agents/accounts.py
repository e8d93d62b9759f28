"""Agent accounts: argon2 password hashes, sign-in with lockout, server-side sessions.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a
leaked database opens no console. Each session has its own CSRF token, which every request
that changes something must echo (a form field or the ``X-CSRF-Token`` header).

Repeated failed sign-ins lock the account for a while (counted in the database, so every
worker process sees the same count). A locked account is refused even with the right
password, and the answer for an unknown user takes as long as for a known one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.errors import BadInput, Conflict, RateLimited, Unauthorized
from bot.store import agents as store
from bot.store.agents import Agent
from bot.store.models import utcnow

log = logging.getLogger(__name__)
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
_hasher = PasswordHasher()
# Verified for unknown usernames, so that they cost the same time as known ones.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_username(username: str) -> str:
    if not store.USERNAME.fullmatch(username):
        raise BadInput(
            "A username is 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadInput(f"The password must be at least {MIN_PASSWORD_CHARS} characters.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadInput(f"The password must be at most {MAX_PASSWORD_CHARS} characters.")
    return password


async def create_agent(
    sessions: async_sessionmaker[AsyncSession],
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    groups: list[str] | None = None,
) -> Agent:
    check_username(username)
    check_password(password)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    try:
        async with sessions() as session, session.begin():
            return await store.add_agent(
                session,
                username=username,
                display_name=(display_name or username).strip()[:120],
                password_hash=password_hash,
                groups=sorted({g.strip() for g in groups or [] if g.strip()}),
            )
    except IntegrityError as error:
        raise Conflict(f"An agent named {username!r} exists already.") from error


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class SignedIn:
    agent: Agent
    token: str
    csrf_token: str


async def sign_in(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    username: str,
    password: str,
    now: datetime | None = None,
) -> SignedIn:
    """A new session for the agent, or :class:`Unauthorized` / :class:`RateLimited`."""
    now = now or utcnow()
    async with sessions() as session:
        agent = await store.find_agent(session, username=username.strip().lower())
    if agent is not None and agent.locked_until is not None and agent.locked_until > now:
        raise _locked(agent.locked_until, now)
    given = password[:MAX_PASSWORD_CHARS]
    valid = await asyncio.to_thread(_verify, agent.password_hash if agent else _DUMMY_HASH, given)
    if agent is None:
        raise Unauthorized("Wrong username or password.")
    if not valid:
        lock_until = now + timedelta(minutes=settings.agent_lockout_minutes)
        async with sessions() as session, session.begin():
            locked = await store.count_failed_login(
                session,
                agent_id=agent.id,
                limit=settings.agent_max_failed_logins,
                lock_until=lock_until,
            )
        if locked:
            log.warning("agent account %s locked after repeated failed sign-ins", agent.username)
            raise _locked(lock_until, now)
        raise Unauthorized("Wrong username or password.")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with sessions() as session, session.begin():
        await store.reset_failed_logins(session, agent_id=agent.id)
        await store.add_session(
            session,
            token_hash=hash_token(token),
            agent_id=agent.id,
            csrf_token=csrf,
            expires_at=now + timedelta(hours=settings.agent_session_hours),
        )
    return SignedIn(agent, token, csrf)


def _locked(until: datetime, now: datetime) -> RateLimited:
    seconds = max(1, int((until - now).total_seconds()))
    minutes = max(1, round(seconds / 60))
    return RateLimited(
        f"Too many failed sign-ins: the account is locked for {minutes} more minutes.",
        retry_after=seconds,
    )
