"""Folding and words of what people write; the preview of a guide shown in the chat."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.knowledge import words as knowledge_words
from bot.text import fold, preview, words

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


def _fold_by_definition(text: str) -> str:
    lowered = (
        unicodedata.normalize("NFC", text)
        .lower()
        .translate(
            str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})
        )
    )
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@given(st.text())
def test_folding_character_by_character_is_folding_the_whole_text(text: str) -> None:
    assert fold(text) == _fold_by_definition(text)


@given(st.text())
def test_the_search_folds_the_same_way_without_composing_first(text: str) -> None:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(table))
    expected = "".join(char for char in decomposed if not unicodedata.combining(char))
    assert knowledge_words.fold(text) == expected


def test_folding_examples() -> None:
    assert fold("Lösenordet HAR gått ut") == "losenordet har gatt ut"
    assert fold("Café ﬁle Ångström") == "cafe file angstrom"
    assert fold("e\u0301") == "e"  # a combining accent typed separately
    assert words("VPN:en strular – igen!") == ["vpn:en", "strular", "igen"]


def test_the_words_of_a_text_are_a_new_list_each_time() -> None:
    first = words("outlook kraschar")
    first.append("changed")
    assert words("outlook kraschar") == ["outlook", "kraschar"]
