"""``spoc agent add USERNAME``: create an agent account for the console.

The password is asked twice at a terminal, or read from the first line of standard input
(``printf '%s\\n' "$PASSWORD" | spoc agent add kim``), never from an argument, where it would
end up in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from bot.config import Settings
from bot.errors import SpocError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agent = subparsers.add_parser("agent", help="agent accounts for the agent console")
    commands = agent.add_subparsers(dest="agent_command", required=True)
    add = commands.add_parser(
        "add", help="create an agent account (password from a prompt or stdin)"
    )
    add.add_argument("username", help="lower-case letters, digits, '.', '_' or '-'")
    add.add_argument(
        "--name", default=None, help="display name shown to people (default: the username)"
    )
    add.add_argument(
        "--group",
        action="append",
        default=[],
        help="an agent group (repeat for several); without groups the agent sees every queue",
    )
    add.set_defaults(handler=run_add)


def read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            sys.stderr.write("The two passwords differ.\n")
            return None
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def run_add(args: argparse.Namespace) -> int:
    from bot.agents.accounts import check_password, check_username, create_agent
    from bot.store.db import opened

    settings = Settings()
    try:
        check_username(args.username)
        password = read_password()
        if password is None:
            return 1
        check_password(password)

        async def create() -> None:
            async with opened(settings.database_url, schema=settings.database_schema) as sessions:
                await create_agent(
                    sessions,
                    username=args.username,
                    password=password,
                    display_name=args.name,
                    groups=args.group,
                )

        asyncio.run(create())
    except SpocError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    groups = ", ".join(args.group) or "all queues"
    sys.stdout.write(f"Agent {args.username} created ({groups}).\n")
    return 0
