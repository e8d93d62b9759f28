"""The rules of a new password, as the reset page explains them."""

from __future__ import annotations

import pytest

from bot.directory.base import Person
from bot.directory.policy import COMMON, CONTAINS_NAME, TOO_LONG, TOO_SHORT, problems

ANNA = Person("anna.andersson", "Anna Andersson", "anna.andersson@exempelby.se")


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Tre blåbär i en kaffekopp", []),
        ("correct horse battery staple", []),
        ("kort", [TOO_SHORT]),
        ("x" * 129, [TOO_LONG, COMMON]),
        ("Sommar2026!!!!", [COMMON]),
        ("Lösenord123456", [COMMON]),
        ("losenord123456", [COMMON]),
        ("qwertyuiop1234", [COMMON]),
        ("123456789012", [COMMON]),
        ("Anna tycker om glass", [CONTAINS_NAME]),
        ("ANDERSSON-och-katten", [CONTAINS_NAME]),
        ("my.anna.andersson.pw", [CONTAINS_NAME]),
        ("Anna", [TOO_SHORT, COMMON, CONTAINS_NAME]),
        ("0987654321098", [COMMON]),
    ],
)
def test_policy(password: str, broken: list[str]) -> None:
    assert problems(password, person=ANNA, min_length=12) == broken


def test_the_minimum_length_is_a_setting() -> None:
    assert problems("Blå grusväg", person=ANNA, min_length=8) == []
    assert problems("Blå grusväg", person=ANNA, min_length=20) == [TOO_SHORT]
