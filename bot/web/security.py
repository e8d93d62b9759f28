"""Security middleware of spoc's web front: headers, origins and rate limits.

Outermost first, as :func:`install` wires them:

1. :class:`SecurityHeaders` — a strict Content-Security-Policy on every response (no inline
   script or style anywhere on spoc's pages), ``frame-ancestors`` limited to the configured
   origins, and the usual hardening headers. The static widget files are the one thing
   other sites may load, so only they are ``Cross-Origin-Resource-Policy: cross-origin``.
2. CORS (Starlette's own middleware) answering only ``settings.allowed_origins``; an empty
   list means same-origin only.
3. :class:`OriginGuard` — a browser request to the chat API from an origin that is neither
   spoc's own nor configured is refused with 403, so a site that copies the widget tag
   cannot run conversations even with a client that ignores CORS answers.
4. :class:`RateLimit` — token buckets per client IP (every chat API request) and per chat
   session (messages and keepalives), answered with 429, ``Retry-After`` and the error
   object.

The rate limiter is in-process: each worker process keeps its own buckets, so with N
workers the effective limit is up to N times the setting. That is acceptable for a front
door whose purpose is stopping floods from one client, not exact accounting; a shared store
(PostgreSQL or Redis) would be the next step if exact limits across workers are needed.
Behind a reverse proxy, run uvicorn with ``--proxy-headers --forwarded-allow-ips=<proxy>``
so the client address is the person's and not the proxy's.
"""

from __future__ import annotations

import hmac
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings
from bot.web.errors import error_response

API_PREFIX = "/api/chat/"
STATIC_PREFIX = "/static/"
DEV_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")
# Per-session limits apply to what writes: a message or a keepalive.
_SESSION_WRITE = re.compile(r"^/api/chat/sessions/([^/]+)/(?:messages|keepalive)$")

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
# FastAPI's Swagger UI (development only) loads its assets from a CDN and starts with an
# inline script; it shows no user content, so it gets a policy of its own.
DOCS_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def bearer_of(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme in any case)."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased, as browsers send it in ``Origin``;
    ``*`` (any origin) stays as it is."""
    if url.strip() == "*":
        return "*"
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def content_security_policy(frame_origins: Iterable[str]) -> str:
    ancestors = " ".join(frame_origins) or "'none'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, allowed_origins: list[str], https: bool) -> None:
        self.app = app
        self.csp = content_security_policy(allowed_origins)
        self.deny_framing = not allowed_origins
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), path)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, path: str) -> None:
        headers["Content-Security-Policy"] = DOCS_CSP if path in DEV_DOCS_PATHS else self.csp
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        is_static = path.startswith(STATIC_PREFIX)
        headers["Cross-Origin-Resource-Policy"] = "cross-origin" if is_static else "same-origin"
        # Transcripts, tickets and figures stay out of browser and proxy caches (a shared
        # computer at a reception desk): only what sets its own policy, the static files, is
        # cached.
        headers.setdefault("Cache-Control", "no-store")
        if self.deny_framing:
            headers["X-Frame-Options"] = "DENY"  # for browsers older than frame-ancestors
        if self.https:
            headers["Strict-Transport-Security"] = "max-age=31536000"


class OriginGuard:
    """Refuses chat API requests whose ``Origin`` is neither spoc's own nor configured."""

    def __init__(self, app: ASGIApp, *, allowed_origins: list[str], public_base_url: str) -> None:
        self.app = app
        self.allowed = {origin_of(o) for o in allowed_origins} | {origin_of(public_base_url)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or self._is_allowed(origin.lower(), scope, headers):
            await self.app(scope, receive, send)
            return
        response = error_response(
            403,
            "origin_not_allowed",
            "This website is not allowed to use the chat. Add its origin to SPOC_ALLOWED_ORIGINS.",
        )
        await response(scope, receive, send)

    def _is_allowed(self, origin: str, scope: Scope, headers: Headers) -> bool:
        # Same-origin requests carry Origin on POST; spoc's own origin is always fine.
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        return origin == own or origin in self.allowed or "*" in self.allowed


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``limit`` requests per ``period`` seconds per key, refilled continuously.

    Memory is bounded: past ``max_keys`` keys, buckets that have refilled completely (idle
    clients) are dropped, then the oldest ones.
    """

    def __init__(
        self,
        limit: int,
        *,
        period: float = 60.0,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = max(limit, 1)
        self.rate = self.limit / period
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Take one token; 0 when allowed, else the seconds until the next token."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[key] = _Bucket(float(self.limit), now)
        bucket.tokens = min(self.limit, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _make_room(self, now: float) -> None:
        if len(self._buckets) < self.max_keys:
            return
        full_after = self.limit / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.updated >= full_after]:
            del self._buckets[key]
        while len(self._buckets) >= self.max_keys:
            del self._buckets[next(iter(self._buckets))]


class RateLimit:
    def __init__(self, app: ASGIApp, *, per_ip: TokenBuckets, per_session: TokenBuckets) -> None:
        self.app = app
        self.per_ip = per_ip
        self.per_session = per_session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(API_PREFIX)
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.per_ip.take(f"ip:{client[0] if client else 'unknown'}")
        if wait:
            await _too_many(scope, receive, send, wait, "from your address")
            return
        written = _SESSION_WRITE.match(path)
        if written and scope["method"] == "POST":
            wait = self.per_session.take(f"session:{written.group(1)}")
            if wait:
                await _too_many(scope, receive, send, wait, "in this chat")
                return
        await self.app(scope, receive, send)


async def _too_many(scope: Scope, receive: Receive, send: Send, wait: float, where: str) -> None:
    seconds = max(1, math.ceil(wait))
    response = error_response(
        429,
        "rate_limited",
        f"Too many requests {where}. Try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )
    await response(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware chain; call after every other middleware so these are outermost."""
    origins = [origin_of(origin) for origin in settings.allowed_origins]
    app.add_middleware(
        RateLimit,
        per_ip=TokenBuckets(settings.rate_limit_per_ip),
        per_session=TokenBuckets(settings.rate_limit_per_session),
    )
    app.add_middleware(
        OriginGuard,
        allowed_origins=origins,
        public_base_url=settings.public_base_url,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(
        SecurityHeaders,
        allowed_origins=origins,
        https=settings.public_base_url.startswith("https://"),
    )


def same_secret(expected: str, given: str) -> bool:
    """Whether a token someone sent is ours, in constant time. Compared as UTF-8 bytes:
    ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters, and a form or cookie
    can hold any."""
    return hmac.compare_digest(expected.encode(), given.encode())
