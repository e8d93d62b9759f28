"""The ``spoc`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spoc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service (web chat, API, channels)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    chat = commands.add_parser("chat", help="talk to spoc in the terminal")
    chat.add_argument("--locale", choices=("sv", "en"), default=None)
    chat.set_defaults(handler=_chat)

    tickets = commands.add_parser("tickets", help="list and show tickets")
    ticket_commands = tickets.add_subparsers(dest="tickets_command", required=True)
    listing = ticket_commands.add_parser("list", help="the newest tickets")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--limit", type=_limit, default=50, help="how many (1-1000)")
    listing.set_defaults(handler=_tickets_list)
    show = ticket_commands.add_parser("show", help="one ticket with its history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_tickets_show)

    report = commands.add_parser(
        "report", help="deflection, tickets, time to ticket, escalations and CSAT"
    )
    report.add_argument("--days", type=_days, default=30, help="the last N days (1-3650)")
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=_report)

    purge = commands.add_parser(
        "purge", help="delete conversations past SPOC_CHAT_RETENTION_DAYS now (also runs hourly)"
    )
    purge.set_defaults(handler=_purge)

    from bot import cli_kb
    from bot.agents import cli as cli_agent

    cli_kb.register(commands)
    cli_agent.register(commands)
    kb_commands = next(
        action
        for action in commands.choices["kb"]._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    stats = kb_commands.add_parser("stats", help="what the knowledge manager should write next")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--limit", type=_limit, default=10, help="rows per list (1-1000)")
    stats.add_argument(
        "--days", type=_days, default=None, help="the last N days (1-3650); all stored without"
    )
    stats.set_defaults(handler=_kb_stats)
    examples = kb_commands.add_parser(
        "examples", help="questions a guide answered, to add to the example memory"
    )
    examples.add_argument("--json", action="store_true")
    examples.add_argument("--limit", type=_limit, default=20, help="questions per guide (1-1000)")
    examples.add_argument(
        "--days", type=_days, default=None, help="the last N days (1-3650); all stored without"
    )
    examples.add_argument(
        "--add", action="store_true", help="add the listed questions to the examples file"
    )
    examples.set_defaults(handler=_kb_examples)

    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


def _bounded(low: int, high: int, unit: str) -> Callable[[str], int]:
    """An argument type: a whole number of ``unit`` from ``low`` to ``high``, or a usage
    error that says so (never a traceback, never a query for a negative or absurd count)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            message = f"{value!r} is not a whole number of {unit}"
            raise argparse.ArgumentTypeError(message) from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"give between {low} and {high} {unit}")
        return number

    return parse


_days = _bounded(1, 3650, "days")  # a period: at least a day, at most ten years
_limit = _bounded(1, 1000, "rows")  # a list: not more than a person reads


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import configure_logging
    from bot.web.app import create_app

    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot.terminal import run_terminal_chat

    return asyncio.run(run_terminal_chat(Settings(), locale=args.locale))


def _kb_stats(args: argparse.Namespace) -> int:
    from bot.kb_stats import knowledge_stats, render
    from bot.knowledge import KnowledgeBase

    settings = Settings()
    knowledge = KnowledgeBase.from_directory(settings.kb_dir)
    since = _since(args.days)
    stats = asyncio.run(
        knowledge_stats(settings, limit=args.limit, knowledge=knowledge, since=since)
    )
    _write(json.dumps(stats, ensure_ascii=False, indent=2) if args.json else render(stats))
    return 0


def _since(days: int | None) -> datetime | None:
    """The start of the last ``days`` days, or None for everything stored."""
    from bot.app import utc_now

    return utc_now() - timedelta(days=days) if days else None


def _kb_examples(args: argparse.Namespace) -> int:
    from bot.kb_stats import helped_stats, render_helped
    from bot.knowledge import KnowledgeBase
    from bot.knowledge.memory import FILE_NAME, add_examples

    settings = Settings()
    knowledge = KnowledgeBase.from_directory(settings.kb_dir)
    listed = asyncio.run(
        helped_stats(settings, knowledge, limit=args.limit, since=_since(args.days))
    )
    text = json.dumps(listed, ensure_ascii=False, indent=2) if args.json else None
    _write(text or render_helped(listed))
    if not args.add:
        return 0
    additions = [
        (row["lang"], row["article_id"], item["query"])
        for row in listed
        for item in row["questions"]
    ]
    try:
        added = add_examples(settings.kb_dir, additions)
    except (OSError, ValueError) as failed:
        sys.stderr.write(f"Nothing added: {failed}\n")
        return 1
    sys.stderr.write(f"Added {added} question(s) to {settings.kb_dir / FILE_NAME}.\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.app import utc_now
    from bot.report import render, service_report

    report = asyncio.run(service_report(Settings(), days=args.days, now=utc_now()))
    _write(json.dumps(report, ensure_ascii=False, indent=2) if args.json else render(report))
    return 0


def _purge(_args: argparse.Namespace) -> int:
    from bot.app import Spoc, utc_now
    from bot.retention import cutoff, purge

    settings = Settings()

    async def run() -> int:
        spoc = Spoc.build(settings)
        await spoc.start()
        try:
            older_than = cutoff(utc_now(), settings.chat_retention_days)
            return await purge(spoc.sessions, older_than=older_than)
        finally:
            await spoc.close()

    count = asyncio.run(run())
    _write(f"{count} conversations older than {settings.chat_retention_days} days deleted.")
    return 0


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _tickets_list(args: argparse.Namespace) -> int:
    from bot.tickets_view import ticket_list

    rows = asyncio.run(ticket_list(Settings(), limit=args.limit))
    if args.json:
        _write(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        _write("No tickets yet.")
    for row in rows:
        _write(
            f"{row['number']}  P{row['priority']}  {row['state']:<10} "
            f"{row['owner_group']:<28} {row['title']}"
        )
    return 0


def _tickets_show(args: argparse.Namespace) -> int:
    from bot.tickets_view import ticket_detail

    detail: dict[str, Any] | None = asyncio.run(ticket_detail(Settings(), args.number))
    if detail is None:
        sys.stderr.write(f"No ticket {args.number.upper()}.\n")
        return 1
    if args.json:
        _write(json.dumps(detail, ensure_ascii=False, indent=2))
        return 0
    for key in (
        "number",
        "title",
        "state",
        "priority",
        "owner_group",
        "service_id",
        "impact",
        "urgency",
        "requester",
        "created_at",
        "response_due_at",
        "resolve_due_at",
    ):
        _write(f"{key:>16}: {detail[key]}")
    _write(f"{'description':>16}: {detail['description']}")
    for event in detail["events"]:
        _write(f"{event['created_at']}  {event['kind']:<12} {event['actor']}  {event['detail']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
