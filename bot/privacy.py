"""Masking of personal data before anything is stored or logged.

Personal identity numbers (personnummer, samordningsnummer) are masked only when their check
digit is valid, so order numbers and phone numbers that merely look alike stay readable.
"""

from __future__ import annotations

import logging
import re

PNR_MASK = "******-****"
CARD_MASK = "****-****-****-****"
SECRET_MASK = "********"  # noqa: S105 - the mask shown in place of a secret

_PNR = re.compile(r"(?<![\d])(?:(?:19|20)(\d{6})|(\d{6}))([-+ ]?)(\d{4})(?![\d])")
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
_SECRET = re.compile(
    r"(?i)\b(lösenord(?:et)?|losenord(?:et)?|password|passwd|pwd|pin(?:-?kod(?:en)?)?)"
    r"(\s*(?:är|ar|is|=|:)\s*)(\S+)"
)


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_identity_number(ten_digits: str) -> bool:
    """True for a 10-digit personnummer or samordningsnummer (day + 60), valid check digit."""
    if len(ten_digits) != 10 or not ten_digits.isdigit():
        return False
    month, day = int(ten_digits[2:4]), int(ten_digits[4:6])
    if day > 60:
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31 and luhn_is_valid(ten_digits)


def _mask_pnr(match: re.Match[str]) -> str:
    birth = match.group(1) or match.group(2)
    return PNR_MASK if is_identity_number(birth + match.group(4)) else match.group(0)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD_MASK if 13 <= len(digits) <= 19 and luhn_is_valid(digits) else match.group(0)


def mask(text: str) -> str:
    """Text with identity numbers, card numbers and stated passwords masked."""
    text = _PNR.sub(_mask_pnr, text)
    text = _CARD.sub(_mask_card, text)
    return _SECRET.sub(lambda m: m.group(1) + m.group(2) + SECRET_MASK, text)


_MASKED_STATEMENT = re.compile(
    r"(?i)(?:\b(?:mitt|min|my)\s+)?"
    r"(?:\b(?:personnummer|personnumret|personnr|pnr|samordningsnummer|personal\s+number|"
    r"personal\s+identity\s+number|kortnummer|kortnumret|card\s+number)"
    r"\s*(?:är|ar|is|=|:)?\s*)?"
    rf"(?:{re.escape(PNR_MASK)}|{re.escape(CARD_MASK)}|{re.escape(SECRET_MASK)})"
)


def without_masked(text: str) -> str:
    """Masked text without what was masked, and without the words that named an identity or
    card number: "mitt personnummer är ******-****" tells who someone is, not what their
    problem is about. A stated password keeps its word: it may well be the problem."""
    return " ".join(_MASKED_STATEMENT.sub(" ", text).split())


def contains_identity_number(text: str) -> bool:
    return any(_mask_pnr(m) == PNR_MASK for m in _PNR.finditer(text))


class MaskingFilter(logging.Filter):
    """Masks personal data in every log record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = mask(str(record.msg))
        return True
