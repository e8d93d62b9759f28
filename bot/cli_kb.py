"""``spoc kb``: search the knowledge base and check its articles from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import Settings
from bot.knowledge import LANGUAGES, KnowledgeBase
from bot.knowledge.loader import load_directory


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kb search`` and ``kb check``; each sets ``handler(args) -> exit code``."""
    kb = subparsers.add_parser("kb", help="search and check the knowledge base")
    commands = kb.add_subparsers(dest="kb_command", required=True)

    search = commands.add_parser("search", help="what the bot would suggest for a question")
    search.add_argument("query")
    search.add_argument("--kb", type=Path, default=None, help="knowledge base directory")
    search.add_argument("--lang", choices=LANGUAGES, default=None)
    search.add_argument("--limit", type=int, default=3)
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    search.set_defaults(handler=run_search)

    check = commands.add_parser("check", help="validate the articles; exit 1 on problems")
    check.add_argument("--kb", type=Path, default=None, help="knowledge base directory")
    check.set_defaults(handler=run_check)


def run_search(args: argparse.Namespace) -> int:
    base = KnowledgeBase.from_directory(args.kb or default_kb_dir())
    for problem in base.problems:
        sys.stderr.write(f"{problem}\n")
    hits = base.search(args.query, lang=args.lang, limit=args.limit)
    if args.json:
        rows = [
            {
                "id": hit.article.id,
                "title": hit.article.title,
                "lang": hit.article.lang,
                "service": hit.article.service,
                "score": hit.score,
                "path": str(hit.article.path),
            }
            for hit in hits
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif not hits:
        sys.stdout.write("no article is relevant enough to suggest\n")
    else:
        for hit in hits:
            article = hit.article
            sys.stdout.write(f"{hit.score:5.1f}  {article.lang}/{article.id}  {article.title}\n")
    return 0


def run_check(args: argparse.Namespace) -> int:
    directory = args.kb or default_kb_dir()
    loaded = load_directory(directory)
    for problem in loaded.problems:
        sys.stdout.write(f"{problem}\n")
    if loaded.problems:
        sys.stdout.write(f"{len(loaded.problems)} problem(s) in {directory}\n")
        return 1
    langs = [article.lang for article in loaded.articles]
    per_lang = ", ".join(f"{lang}: {langs.count(lang)}" for lang in LANGUAGES)
    sys.stdout.write(f"{len(langs)} articles OK ({per_lang}) in {directory}\n")
    return 0


def default_kb_dir() -> Path:
    """The shipped knowledge base, or ``SPOC_KB_DIR`` when set."""
    return Settings().kb_dir


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.cli_kb kb search …``, until the ``spoc`` command wires this in."""
    parser = argparse.ArgumentParser(prog="spoc")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
