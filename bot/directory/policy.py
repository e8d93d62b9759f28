"""What a new password must be: long enough, not a common password (or a common word with
digits and signs around it), and free of the person's username and name."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from bot.directory.base import Person
from bot.text import fold

COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
MAX_LENGTH = 128
MIN_NAME_PART = 3
# Keyboard rows and digit runs, forwards and backwards: "123456789012", "asdfghjklö".
_RUNS = ("1234567890" * 3, "qwertyuiopå", "asdfghjklöä", "zxcvbnm")
SEQUENCES = tuple(fold(run) for run in _RUNS) + tuple(fold(run)[::-1] for run in _RUNS)

TOO_SHORT = "too_short"
TOO_LONG = "too_long"
COMMON = "common"
CONTAINS_NAME = "contains_name"
MISMATCH = "mismatch"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and line[0] != "#")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _name_parts(person: Person) -> set[str]:
    parts = set(re.split(r"[\s._@-]+", fold(f"{person.username} {person.display_name}")))
    return {part for part in parts if len(part) >= MIN_NAME_PART}


def problems(password: str, *, person: Person, min_length: int) -> list[str]:
    """The rules ``password`` breaks (empty when it is fine), as codes for the page's text."""
    found = []
    if len(password) < min_length:
        found.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        found.append(TOO_LONG)
    folded = fold(password)
    listed = common_passwords()
    letters = _letters(folded)
    repeated = len(set(folded)) <= 2
    run = any(folded in sequence for sequence in SEQUENCES)
    if folded in listed or (letters and letters in listed) or repeated or run:
        found.append(COMMON)
    squeezed = re.sub(r"[\s._-]+", "", folded)
    if any(part in folded or part in squeezed for part in _name_parts(person)):
        found.append(CONTAINS_NAME)
    return found
