"""Every setting is listed in .env.example with a comment, as the README promises."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed = {line.split("=", 1)[0]: number for number, line in enumerate(lines) if "=" in line}
    missing, silent = [], []
    for name in Settings.model_fields:
        key = f"SPOC_{name.upper()}"
        if key not in listed:
            missing.append(key)
            continue
        above = lines[: listed[key]]
        # The comment is the nearest non-setting line above (settings may share a comment).
        nearest = next((line for line in reversed(above) if not line.startswith("SPOC_")), "")
        if not nearest.startswith("#"):
            silent.append(key)
    assert missing == [] and silent == []
