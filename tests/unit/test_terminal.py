"""What ``spoc chat`` prints for a reply."""

from __future__ import annotations

from bot.messages import Button, Reply
from bot.terminal import render

GUIDE = Reply(
    1,
    "bot",
    "**Skrivaren skriver inte ut**\n1. Välj **Skriv ut** igen.",
    (Button("Ja, det löste sig", "incident:helped:yes"), Button("Nej", "incident:helped:no")),
)


def test_bold_is_plain_text_when_not_a_terminal() -> None:
    assert render(GUIDE) == (
        "Skrivaren skriver inte ut\n1. Välj Skriv ut igen.\n  1) Ja, det löste sig\n  2) Nej"
    )


def test_bold_is_bold_on_a_terminal() -> None:
    assert render(GUIDE, styled=True).splitlines()[:2] == [
        "\033[1mSkrivaren skriver inte ut\033[0m",
        "1. Välj \033[1mSkriv ut\033[0m igen.",
    ]


def test_an_agent_is_named() -> None:
    said = Reply(2, "agent", "Hej, jag hjälper dig.", author_name="Kim")
    assert render(said) == "Kim: Hej, jag hjälper dig."
