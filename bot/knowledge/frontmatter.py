"""The YAML front matter of an article file, with the line of every key.

Lines are counted as an editor shows them (from 1), so that each problem can point at the
line to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# libyaml parses ten thousand front matters in a fraction of the pure-Python time.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FENCE = "---"
# Front matter starts on the file's second line; YAML marks count from zero.
_FRONT_OFFSET = 2


@dataclass(frozen=True, slots=True)
class FrontMatter:
    values: dict[str, Any]
    lines: dict[str, int]  # the line of each key
    body: str
    body_line: int


class FrontMatterError(Exception):
    """The file cannot be read as front matter plus body; ``line`` is where to look."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_front_matter(path: Path) -> FrontMatter:
    """The front matter and body of an article file; raises ``FrontMatterError``."""
    text = _read(path)
    lines = text.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise FrontMatterError(1, "missing front matter (the file must start with '---')")
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
    if not end:
        raise FrontMatterError(1, "front matter is not closed with '---'")
    values, key_lines = _parse_yaml("\n".join(lines[1:end]))
    body = "\n".join(lines[end + 1 :]).strip()
    return FrontMatter(values, key_lines, body, end + 2)


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FrontMatterError(1, f"cannot read file: {error.strerror or error}") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise FrontMatterError(line, "not valid UTF-8") from error


def _parse_yaml(text: str) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        values = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        # The context is where the broken thing starts (the opening quote or bracket),
        # which is the line to fix; the problem is often only where the parser gave up.
        mark = error.context_mark or error.problem_mark
        line = mark.line + _FRONT_OFFSET if mark is not None else 1
        message = f"malformed front matter: {error.problem or error}"
        raise FrontMatterError(line, message) from error
    except yaml.YAMLError as error:
        raise FrontMatterError(1, f"malformed front matter: {error}") from error
    finally:
        loader.dispose()
    if values is None:
        raise FrontMatterError(1, "missing title (front matter is empty)")
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise FrontMatterError(_FRONT_OFFSET, "front matter must be 'key: value' lines")
    key_lines = {str(key.value): key.start_mark.line + _FRONT_OFFSET for key, _value in node.value}
    return {str(key): value for key, value in values.items()}, key_lines
