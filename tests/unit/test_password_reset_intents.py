"""Which messages start the self-service reset or unlock, and which stay incidents."""

from __future__ import annotations

import pytest

from bot.flows.password_reset import intent


@pytest.mark.parametrize(
    "text",
    [
        "jag har glömt mitt lösenord",
        "Glömt lösen",
        "hej, glomt losenordet igen :(",
        "forgot my password",
        "I forgot my password",
        "Can you reset my password please",
    ],
)
def test_a_forgotten_password_starts_the_reset(text: str) -> None:
    assert intent(text) == "password_reset.start"


@pytest.mark.parametrize(
    "text",
    [
        "kontot är låst",
        "Mitt konto är LÅST!",
        "jag är utelåst",
        "account locked",
        "I'm locked out",
    ],
)
def test_a_locked_account_starts_the_unlock(text: str) -> None:
    assert intent(text) == "password_reset.unlock"


@pytest.mark.parametrize(
    "text",
    [
        "outlook kraschar",
        "lösenordet fungerar inte längre",  # could be many things: an incident, not a reset
        "the printer is locked in the storage room",
        "jag har glömt var skrivaren står",
    ],
)
def test_other_problems_are_not_account_help(text: str) -> None:
    assert intent(text) is None
