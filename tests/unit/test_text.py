"""The preview of a guide shown in the chat: its steps stay on their own lines."""

from __future__ import annotations

from bot.text import preview

GUIDE = """Syns du inte i mötet? Prova det här:


1. Kontrollera   att kameran är påslagen.
2. Stäng andra program som använder kameran.
3. Starta om Teams.

**Kontakta servicedesken** om det inte hjälper.
"""


def test_steps_keep_their_lines_and_blank_lines_collapse_to_one() -> None:
    assert preview(GUIDE, 900) == (
        "Syns du inte i mötet? Prova det här:\n\n"
        "1. Kontrollera att kameran är påslagen.\n"
        "2. Stäng andra program som använder kameran.\n"
        "3. Starta om Teams.\n\n"
        "**Kontakta servicedesken** om det inte hjälper."
    )


def test_a_long_guide_is_cut_after_a_whole_step() -> None:
    cut = preview(GUIDE, 125)
    assert cut == (
        "Syns du inte i mötet? Prova det här:\n\n"
        "1. Kontrollera att kameran är påslagen.\n"
        "2. Stäng andra program som använder kameran.…"
    )
    assert len(cut) <= 125


def test_one_long_line_is_cut_at_a_word() -> None:
    cut = preview("ord " * 100, 50)
    assert len(cut) <= 50
    assert cut.endswith("ord…")


def test_nothing_to_show() -> None:
    assert preview(" \n\n \t", 100) == ""
