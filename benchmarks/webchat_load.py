"""Web chat turns per second at 64 concurrent conversations, beside two baselines.

All run on the same uvicorn + FastAPI server process (spoc's real app, SQLite file, shipped
knowledge base), loaded from this separate process over loopback. Bounded by request count.
The baselines: a bare JSON echo (the target is measured against it), and on SQLite a turn's
database writes alone, without spoc's logic or SQLAlchemy (``bench_app``): the least a turn
that stores what spoc stores can cost on this stack.

    .venv/bin/python benchmarks/webchat_load.py [--conversations 64] [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
# One incident conversation as a person really clicks through it, then CSAT.
SCRIPT: list[dict[str, str]] = [
    {"text": "outlook kraschar hela tiden när jag öppnar kalendern"},
    {"action": "incident:helped:no"},
    {"text": "sedan i morse"},
    {"action": "incident:impact:3"},
    {"action": "incident:urgency:2"},
    {"action": "incident:confirm"},
    {"action": "feedback:rate:4"},
    {"action": "feedback:skip"},
]


POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def run_sql(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    workdir: Path,
    port: int,
    database_url: str | None = None,
    schema: str | None = None,
    workers: int = 1,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SPOC_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        **({"SPOC_DATABASE_SCHEMA": schema} if schema else {}),
        "SPOC_RATE_LIMIT_PER_SESSION": "1000000",
        "SPOC_RATE_LIMIT_PER_IP": "1000000",
        "SPOC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.bench_app:create_bench_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


def summary(name: str, latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "name": name,  # type: ignore[dict-item]
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "n": len(latencies),
    }


def client(workers: int, url: str) -> aiohttp.ClientSession:
    # aiohttp as the load generator: httpx's connection pool costs the client more CPU per
    # request than the server's echo does, so it would measure itself.
    connector = aiohttp.TCPConnector(limit=workers, limit_per_host=workers)
    timeout = aiohttp.ClientTimeout(total=60)
    return aiohttp.ClientSession(url, connector=connector, timeout=timeout)


async def run_echo(url: str, workers: int, per_worker: int) -> dict[str, float]:
    latencies: list[float] = []
    async with client(workers, url) as session:

        async def worker() -> None:
            for step in range(per_worker):
                body = SCRIPT[step % len(SCRIPT)]
                started = time.perf_counter()
                async with session.post("/bench/echo", json=body) as response:
                    await response.read()
                    response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return summary("JSON echo", latencies, time.perf_counter() - started)


async def run_writes(url: str, workers: int, per_worker: int) -> dict[str, float]:
    latencies: list[float] = []
    async with client(workers, url) as session:

        async def worker(number: int) -> None:
            for step in range(per_worker):
                # A new conversation every len(SCRIPT) turns, as spoc's clients open sessions.
                key = f"{number}-{step // len(SCRIPT)}"
                body = SCRIPT[step % len(SCRIPT)]
                started = time.perf_counter()
                async with session.post(f"/bench/writes/{key}", json=body) as response:
                    await response.read()
                    response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker(number) for number in range(workers)))
        return summary("turn's writes alone", latencies, time.perf_counter() - started)


async def run_spoc(url: str, workers: int, per_worker: int) -> dict[str, float]:
    latencies: list[float] = []
    async with client(workers, url) as session:

        async def worker() -> None:
            done = 0
            while done < per_worker:
                async with session.post("/api/chat/sessions", json={"locale": "sv"}) as response:
                    response.raise_for_status()
                    created = await response.json()
                headers = {"Authorization": f"Bearer {created['token']}"}
                path = f"/api/chat/sessions/{created['session_id']}/messages"
                for body in SCRIPT[: per_worker - done]:
                    started = time.perf_counter()
                    async with session.post(path, json=body, headers=headers) as response:
                        await response.read()
                        response.raise_for_status()
                    latencies.append(time.perf_counter() - started)
                    done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return summary("spoc web chat turn", latencies, time.perf_counter() - started)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """The server's options, shared with ``webchat_capacity.py``."""
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="PostgreSQL on 127.0.0.1:5432 (database test, a fresh schema) instead of SQLite",
    )


def describe_server(args: argparse.Namespace) -> str:
    return f"{args.workers} server process(es), {'PostgreSQL' if args.postgres else 'SQLite'}"


@asynccontextmanager
async def serving(args: argparse.Namespace) -> AsyncIterator[str]:
    """The bench app started as ``args`` say (a fresh SQLite file, or a fresh PostgreSQL
    schema dropped afterwards); yields its URL once it answers."""
    schema = f"bench_{os.getpid()}" if args.postgres else None
    if schema:
        await run_sql(f'CREATE SCHEMA "{schema}"')
    try:
        with tempfile.TemporaryDirectory() as workdir:
            port = free_port()
            database_url = POSTGRES_URL if args.postgres else None
            server = start_server(Path(workdir), port, database_url, schema, args.workers)
            url = f"http://127.0.0.1:{port}"
            try:
                await wait_ready(url)
                yield url
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        if schema:
            await run_sql(f'DROP SCHEMA "{schema}" CASCADE')


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=64)
    parser.add_argument("--turns", type=int, default=40, help="turns per conversation")
    add_server_options(parser)
    args = parser.parse_args()
    async with serving(args) as url:
        await run_spoc(url, 8, 8)  # warm-up: imports, caches, SQLite pages
        await run_echo(url, 8, 8)
        if not args.postgres:
            await run_writes(url, 8, 8)
        echo = await run_echo(url, args.conversations, args.turns)
        rows = [echo]
        if not args.postgres:
            rows.append(await run_writes(url, args.conversations, args.turns))
        spoc = await run_spoc(url, args.conversations, args.turns)
        rows.append(spoc)
    print(
        f"{args.conversations} concurrent conversations, {args.turns} turns each, "
        f"{describe_server(args)}"
    )
    print(f"{'':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'n':>8}")
    for row in rows:
        print(
            f"{row['name']:<24}{row['rps']:>10.0f}{row['p50']:>10.1f}{row['p99']:>10.1f}"
            f"{row['n']:>8}"
        )
    if len(rows) == 3:
        writes = rows[1]
        print(
            f"turn's writes alone / echo: {writes['rps'] / echo['rps']:.2f}; "
            f"spoc / turn's writes alone: {spoc['rps'] / writes['rps']:.2f}"
        )
    ratio = spoc["rps"] / echo["rps"]
    verdict = "meets" if ratio >= 0.5 and spoc["p99"] < 100 else "misses"
    print(f"spoc / echo throughput: {ratio:.2f} (target >= 0.50, p99 < 100 ms: {verdict})")


if __name__ == "__main__":
    asyncio.run(main())
