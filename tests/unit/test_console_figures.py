"""How the console's managers' pages write figures and defuse spreadsheet cells."""

from __future__ import annotations

import pytest

from bot.agents.figures import duration, period, share, spreadsheet_cell, unanswered_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_text(start: str) -> None:
    assert spreadsheet_cell(f"{start}1+1") == f"'{start}1+1"


def test_ordinary_questions_are_left_as_they_are() -> None:
    assert spreadsheet_cell("Skrivaren = trasig") == "Skrivaren = trasig"
    assert (
        unanswered_csv([{"query": "-1; a", "count": 2}]) == '\ufeffFråga;Antal\r\n"\'-1; a";2\r\n'
    )


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, None),
        (0.4, "0\u00a0s"),
        (59, "59\u00a0s"),
        (90, "2\u00a0min"),
        (119 * 60, "119\u00a0min"),
        (3 * 3600 + 5 * 60, "3\u00a0h 5\u00a0min"),
        (3 * 86400 + 2 * 3600, "3\u00a0dygn 2\u00a0h"),
    ],
)
def test_durations_read_as_a_person_would_say_them(seconds: float | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_shares_and_periods() -> None:
    assert (share(0.5), share(None), share(0.0)) == ("50\u00a0%", None, "0\u00a0%")
    assert [period(days) for days in ("7", "30", " 90 ", "14", "-7", "x")] == [
        7,
        30,
        90,
        None,
        None,
        None,
    ]
