"""One-time codes that prove a person holds an e-mail address or a phone: six digits, kept
only as an argon2 hash, checked in constant time."""

from __future__ import annotations

import asyncio
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CODE_DIGITS = 6
MAX_ATTEMPTS = 3
# Codes live minutes and allow three guesses: argon2 with a light cost is plenty, and keeps
# every answer (a real recipient or none) equally quick.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


async def new_code() -> tuple[str, str]:
    """A fresh code and its hash (to store instead of the code)."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    return code, await asyncio.to_thread(_hasher.hash, code)


def code_of(text: str) -> str | None:
    """The code in what the person typed ("123 456", "koden är 123456"), if any."""
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == CODE_DIGITS and len(text) <= 40 else None


async def matches(code_hash: str, code: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, code_hash, code)
    except (VerificationError, InvalidHashError):
        return False
