"""Who is asking: the agent behind the session cookie, and the CSRF check on every change.

The cookie is HttpOnly, SameSite=Strict, Secure when spoc is served over https, and scoped to
the whole site (the console under ``/agent`` and its API under ``/api/agent``). A request that
changes something must carry the session's CSRF token: the ``csrf_token`` form field or the
``X-CSRF-Token`` header, compared in constant time. Sign-in itself is protected the same way
with a token in a short-lived cookie of its own (double submit), against login CSRF.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bot.agents.accounts import hash_token
from bot.app import Spoc
from bot.errors import Forbidden, RateLimited, Unauthorized
from bot.store import agents as store
from bot.store.agents import Agent
from bot.web.security import TokenBuckets, same_secret

COOKIE = "spoc_agent"
LOGIN_COOKIE = "spoc_agent_login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
LOGIN_COOKIE_SECONDS = 3600
# Sign-in attempts per minute from one address, whatever the usernames: account lockout
# stops guessing one password, this slows trying one password on many accounts.
SIGN_INS_PER_MINUTE = 20


@dataclass(frozen=True, slots=True)
class SignedInAgent:
    agent: Agent
    csrf_token: str
    token_hash: str


def spoc_of(request: Request) -> Spoc:
    spoc: Spoc = request.app.state.spoc
    return spoc


def _secure(request: Request) -> bool:
    return spoc_of(request).settings.public_base_url.startswith("https://")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    hours = spoc_of(request).settings.agent_session_hours
    response.set_cookie(
        COOKIE,
        token,
        max_age=hours * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def login_token(request: Request) -> str:
    """The sign-in form's CSRF token: the cookie's, or a new one (set it on the answer)."""
    given = request.cookies.get(LOGIN_COOKIE)
    return given if given and len(given) <= 100 else secrets.token_urlsafe(24)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=LOGIN_COOKIE_SECONDS,
        path="/agent",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def throttle_sign_in(request: Request) -> None:
    buckets: TokenBuckets = request.app.state.sign_in_buckets
    client = request.client.host if request.client else "unknown"
    wait = buckets.take(f"ip:{client}")
    if wait:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            f"Too many sign-in attempts from your address. Try again in {seconds} seconds.",
            retry_after=seconds,
        )


def check_login_token(request: Request, given: str | None) -> None:
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not given or not same_secret(expected, given):
        raise Forbidden("The sign-in form has expired or is not ours: reload the page.")


async def signed_in(request: Request) -> SignedInAgent | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 200:
        return None
    async with spoc_of(request).reads() as session:
        found = await store.agent_of_session(session, token_hash=hash_token(token))
    if found is None:
        return None
    agent, agent_session = found
    return SignedInAgent(agent, agent_session.csrf_token, agent_session.token_hash)


def login_redirect(request: Request) -> RedirectResponse:
    """A console page asked for without a session: to sign-in, then back to the page."""
    return RedirectResponse(f"/agent/login?next={quote(request.url.path)}", status_code=303)


async def require_agent(request: Request) -> SignedInAgent:
    """The signed-in agent; for any method but GET/HEAD also a valid CSRF token in the
    header (the JSON API; the console's forms check their field themselves)."""
    found = await signed_in(request)
    if found is None:
        raise Unauthorized("Sign in to the agent console first (POST /api/agent/session).")
    if request.method not in ("GET", "HEAD"):
        check_csrf(found, request.headers.get(CSRF_HEADER))
    return found


def check_csrf(agent: SignedInAgent, given: str | None) -> None:
    if not given or not same_secret(agent.csrf_token, given):
        raise Forbidden(f"Missing or wrong CSRF token (send the {CSRF_HEADER} header).")
