"""How many people one spoc process can chat with at once, answering within 100 ms (p99).

The closed loop of ``webchat_load.py`` asks how fast a turn can go when 64 clients send
the next message the moment an answer comes. People do not write like that: they read the
answer and think before they write again. Here each simulated person clicks through the same
incident as ``webchat_load.py`` with a pause before every message (exponentially distributed,
mean ``--think`` seconds, so the arrivals together are random as real ones are), and opens a
new chat when one ends. For each number of people, the bare JSON echo on the same server is
loaded the same way first, as the baseline of what the stack and this client add.

    .venv/bin/python benchmarks/webchat_capacity.py [--people 1000,2000,3000,4000]
        [--think 10] [--seconds 30] [--postgres] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from webchat_load import SCRIPT, add_server_options, client, describe_server, serving, summary

TARGET_P99_MS = 100.0
# People share connections, as they would behind a reverse proxy.
CONNECTIONS = 256


async def load(
    url: str, people: int, think: float, seconds: float, echo: bool
) -> dict[str, float]:
    """Turns answered while all ``people`` are chatting: after one mean pause of ramp-up, for
    ``seconds``."""
    latencies: list[float] = []
    chance = random.Random(people)  # the same pauses for the echo and for spoc
    begin = time.perf_counter() + think
    end = begin + seconds
    async with client(min(people, CONNECTIONS), url) as session:

        async def send(path: str, body: dict[str, str], headers: dict[str, str]) -> None:
            started = time.perf_counter()
            async with session.post(path, json=body, headers=headers) as response:
                await response.read()
                response.raise_for_status()
            if begin <= started < end:
                latencies.append(time.perf_counter() - started)

        async def person() -> None:
            await asyncio.sleep(chance.uniform(0, think))
            while time.perf_counter() < end:
                path, headers = "/bench/echo", {}
                if not echo:
                    async with session.post("/api/chat/sessions", json={"locale": "sv"}) as answer:
                        answer.raise_for_status()
                        created = await answer.json()
                    headers = {"Authorization": f"Bearer {created['token']}"}
                    path = f"/api/chat/sessions/{created['session_id']}/messages"
                for body in SCRIPT:
                    pause = chance.expovariate(1 / think)
                    if time.perf_counter() + pause >= end:
                        return  # this person's next message would come after the measurement
                    await asyncio.sleep(pause)
                    await send(path, body, headers)

        await asyncio.gather(*(person() for _ in range(people)))
    return summary("JSON echo" if echo else "spoc web chat turn", latencies, seconds)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", default="1000,2000,3000,4000", help="comma-separated")
    parser.add_argument("--think", type=float, default=10.0, help="mean pause, seconds")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured per level")
    add_server_options(parser)
    args = parser.parse_args()
    levels = [int(part) for part in args.people.split(",")]
    rows: list[tuple[int, dict[str, float], dict[str, float]]] = []
    async with serving(args) as url:
        for people in levels:
            echo = await load(url, people, args.think, args.seconds, echo=True)
            spoc = await load(url, people, args.think, args.seconds, echo=False)
            rows.append((people, echo, spoc))
            print(f"{people} people: p99 echo {echo['p99']:.1f}, spoc {spoc['p99']:.1f} ms")
    print(
        f"People chatting at once, a pause of {args.think:g} s on average before each message, "
        f"{describe_server(args)}, {args.seconds:g} s measured per level"
    )
    header = f"{'people':>8}{'turns/s':>10}{'echo p50':>10}{'echo p99':>10}"
    print(header + f"{'spoc p50':>10}{'spoc p99':>10}{'n':>8}")
    for people, echo, spoc in rows:
        print(
            f"{people:>8}{spoc['rps']:>10.0f}{echo['p50']:>10.1f}{echo['p99']:>10.1f}"
            f"{spoc['p50']:>10.1f}{spoc['p99']:>10.1f}{spoc['n']:>8}"
        )
    within = [people for people, _, spoc in rows if spoc["p99"] < TARGET_P99_MS]
    print(
        f"most people answered with p99 < {TARGET_P99_MS:.0f} ms: {max(within)}"
        if within
        else f"no level answered with p99 < {TARGET_P99_MS:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
