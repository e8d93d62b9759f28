"""Reply templates: one Jinja2 environment per app, templates per locale.

User text only ever enters as a variable, never as template source. Output is plain text;
each adapter escapes it for its channel.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.messages import Button, Outbound

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = ("sv", "en")


def create_environment(directory: Path = TEMPLATES) -> Environment:
    return Environment(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - plain text for chat; adapters escape per channel
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Read once, like the labels: templates change with a release, which restarts spoc,
        # and checking each file's time on every reply cost about 1 % of a turn.
        auto_reload=False,
    )


@cache
def _labels(directory: Path, locale: str) -> dict[str, str]:
    raw = yaml.safe_load((directory / locale / "labels.yaml").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in raw.items()}


class Replies:
    """Renders named replies in a locale: ``replies.render("sv", "ask_since", ...)``."""

    def __init__(self, environment: Environment | None = None) -> None:
        self.environment = environment or create_environment()
        loader = self.environment.loader
        self.directory = (
            Path(loader.searchpath[0]) if isinstance(loader, FileSystemLoader) else (TEMPLATES)
        )

    def text(self, locale: str, name: str, **context: Any) -> str:
        template = self.environment.get_template(f"{_locale(locale)}/{name}.txt.j2")
        return template.render(**context).strip()

    def label(self, locale: str, key: str) -> str:
        return _labels(self.directory, _locale(locale))[key]

    def button(self, locale: str, key: str, action: str) -> Button:
        return Button(self.label(locale, key), action)

    def render(
        self, locale: str, name: str, buttons: tuple[Button, ...] = (), **context: Any
    ) -> Outbound:
        return Outbound(self.text(locale, name, **context), buttons)


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else LOCALES[0]
