"""``spoc agent add USERNAME``: the password from standard input, argon2-hashed, groups."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import agents as store
from bot.store.db import opened


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'agents.db'}"
    monkeypatch.setenv("SPOC_DATABASE_URL", url)
    return url


def stored(url: str, username: str) -> store.Agent | None:
    async def find() -> store.Agent | None:
        async with opened(url) as sessions, sessions() as session:
            return await store.find_agent(session, username=username)

    return asyncio.run(find())


def test_agent_add_reads_the_password_from_stdin_and_stores_only_a_hash(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("en lång hemlig fras\n"))
    code = main(["agent", "add", "kim", "--name", "Kim Karlsson", "--group", "Servicedesk"])
    assert code == 0
    assert "Agent kim created (Servicedesk)." in capsys.readouterr().out
    agent = stored(database, "kim")
    assert agent is not None
    assert (agent.display_name, agent.groups) == ("Kim Karlsson", ["Servicedesk"])
    assert agent.password_hash.startswith("$argon2id$")
    assert "hemlig" not in agent.password_hash


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["agent", "add", "kim"], "kort\n", "at least 10 characters"),
        (["agent", "add", "Kim Karlsson"], "en lång hemlig fras\n", "A username is"),
    ],
)
def test_agent_add_refuses_bad_input_with_a_clear_message(
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_the_console_script_takes_the_password_on_stdin_once_per_name(tmp_path: Path) -> None:
    env = {"SPOC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "PATH": ""}
    spoc = str(Path(sys.executable).with_name("spoc"))

    def add_lo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [spoc, "agent", "add", "lo"],
            input="ett långt lösenord\n",
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    first = add_lo()
    assert first.returncode == 0, first.stderr
    again = add_lo()
    assert again.returncode == 1
    assert "exists already" in again.stderr
