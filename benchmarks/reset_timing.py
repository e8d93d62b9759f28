"""Does the password reset's answer take as long for an unknown account as for a real one?

An attacker who could time the answer would learn who works here, so both paths do the
same work (directory lookup, hashing a code, the lockout lookup); only a real account's
code is queued for sending. This measures the "username" turn for each, alternating, on
spoc's real app with the builtin directory (or a real slapd with --ldap), and prints the
percentiles side by side.

    .venv/bin/python benchmarks/reset_timing.py [--rounds 60] [--ldap]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from tests.support.accounts import with_ldap  # noqa: E402
from tests.support.app import app_client  # noqa: E402
from tests.support.chat import ChatPerson  # noqa: E402
from tests.support.slapd import running_slapd  # noqa: E402


@contextlib.contextmanager
def configured(directory: Path, ldap: bool) -> Iterator[Settings]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{directory / 'bench.db'}",
        kb_dir=ROOT / "knowledge_base",
        catalog_dir=ROOT / "catalog",
        rate_limit_per_ip=1_000_000,
        rate_limit_per_session=1_000_000,
    )
    if not ldap:
        yield settings
        return
    with running_slapd(directory / "slapd") as slapd:
        yield with_ldap(settings, slapd)


async def measure(settings: Settings, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"real account": [], "unknown account": []}
    async with app_client(settings) as http:
        for round_ in range(rounds):
            for label, account in (
                ("real account", "anna.andersson"),
                ("unknown account", f"okand.person{round_}"),
            ):
                person = await ChatPerson.start(http)
                await person.say("jag har glömt mitt lösenord")
                started = time.perf_counter()
                await person.say(account)
                timings[label].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--ldap", action="store_true", help="a real slapd instead of builtin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, configured(Path(directory), args.ldap) as s:
        timings = asyncio.run(measure(s, args.rounds))
    print(f"directory: {'ldap (slapd)' if args.ldap else 'builtin'}, rounds: {args.rounds}")
    print(f"{'':18}{'p50 ms':>8}{'p90 ms':>8}{'mean ms':>9}")
    for label, values in timings.items():
        deciles = statistics.quantiles(values, n=10)
        print(
            f"{label:18}{statistics.median(values):8.1f}{deciles[8]:8.1f}"
            f"{statistics.fmean(values):9.1f}"
        )


if __name__ == "__main__":
    main()
