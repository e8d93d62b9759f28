"""Start-up's long-lived objects are kept out of the cycle collector's passes, once a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# Two apps started one after the other in a fresh interpreter, as `spoc serve` starts one.
_PROBE = """
import asyncio, gc, json
from bot.config import Settings
from bot.web.app import create_app

async def main():
    counts = [gc.get_freeze_count()]
    for _ in range(2):
        app = create_app(Settings())
        async with app.router.lifespan_context(app):
            counts.append(gc.get_freeze_count())
    print(json.dumps(counts))

asyncio.run(main())
"""


def test_start_up_objects_are_frozen_once_per_process(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SPOC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'spoc.db'}",
        "SPOC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SPOC_DATABASE_SCHEMA", None)
    probe = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before, first, second = json.loads(probe.stdout.strip().splitlines()[-1])
    assert before == 0
    # The libraries, knowledge base, catalog and templates: far more than a handful.
    assert first > 50_000
    # The second app's own objects stay collectable: nothing was frozen again.
    assert second <= first
