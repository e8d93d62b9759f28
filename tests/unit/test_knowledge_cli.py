"""``spoc kb search`` and ``spoc kb check`` through their own argument parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot import cli_kb

FIXTURES = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "kb"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="spoc")
    cli_kb.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def test_search_prints_the_hits(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("kb", "search", "vpnet strular", "--kb", str(FIXTURES), "--lang", "sv") == 0
    out = capsys.readouterr().out
    assert "sv/vpn-connect" in out
    assert "VPN ansluter inte" in out


def test_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "kb",
        "search",
        "forgot password",
        "--kb",
        str(FIXTURES),
        "--lang",
        "en",
        "--limit",
        "1",
        "--json",
    )
    assert code == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert hit["id"] == "password-forgotten"
    assert hit["lang"] == "en"
    assert 0 < hit["score"] <= 100


def test_search_says_so_when_nothing_is_relevant(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("kb", "search", "när har biblioteket öppet?", "--kb", str(FIXTURES)) == 0
    assert "no article" in capsys.readouterr().out


def test_check_passes_a_good_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("kb", "check", "--kb", str(FIXTURES)) == 0
    assert "13 articles OK (sv: 10, en: 3)" in capsys.readouterr().out


def test_check_lists_problems_as_path_line_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "sv" / "broken.md"
    broken.parent.mkdir()
    broken.write_text("---\nid: broken\n---\nText.\n", encoding="utf-8")
    assert run("kb", "check", "--kb", str(tmp_path)) == 1
    assert f"{broken}:1: missing title" in capsys.readouterr().out


def test_default_directory_is_the_shipped_one() -> None:
    assert cli_kb.default_kb_dir().name == "knowledge_base"
