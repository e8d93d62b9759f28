from __future__ import annotations

import logging

import pytest

from bot.privacy import (
    CARD_MASK,
    PNR_MASK,
    SECRET_MASK,
    MaskingFilter,
    contains_identity_number,
    is_identity_number,
    mask,
    without_masked,
)


@pytest.mark.parametrize(
    "text",
    [
        "19811218-9876",
        "811218-9876",
        "8112189876",
        "198112189876",
        "811218+9876",
        "811278-9873",  # samordningsnummer: day + 60
    ],
)
def test_valid_identity_numbers_are_masked(text: str) -> None:
    assert mask(f"mitt nummer är {text}, tack") == f"mitt nummer är {PNR_MASK}, tack"


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong check digit
        "811318-9876",  # month 13
        "ordernummer 1234567890",
        "ring 0701234567",
        "INC0000123",
    ],
)
def test_lookalikes_stay_readable(text: str) -> None:
    assert mask(text) == text
    assert not contains_identity_number(text)


def test_check_digit_rules() -> None:
    assert is_identity_number("8112189876")
    assert not is_identity_number("811218987")
    assert not is_identity_number("abcdefghij")


def test_card_numbers_and_stated_passwords_are_masked() -> None:
    assert mask("kortet 4111 1111 1111 1111 funkar inte") == f"kortet {CARD_MASK} funkar inte"
    assert mask("mitt lösenord är Sommar2026!") == f"mitt lösenord är {SECRET_MASK}"
    assert mask("password: hunter2") == f"password: {SECRET_MASK}"


@pytest.mark.parametrize(
    ("said", "about"),
    [
        ("outlook kraschar. Mitt personnummer är 811218-9876", "outlook kraschar."),
        ("pnr: 198112189876, vpnet strular", ", vpnet strular"),
        ("My personal number is 811218-9876 and BankID fails", "and BankID fails"),
        ("kortnummer 4111 1111 1111 1111 nekas i e-tjänsten", "nekas i e-tjänsten"),
        # a password said is masked, but the word stays: it may be what the problem is about
        (
            "mitt lösenord är Sommar2026! och det funkar inte",
            "mitt lösenord är och det funkar inte",
        ),
        # no number stated: the word is the topic
        (
            "jag har glömt mitt personnummer till BankID",
            "jag har glömt mitt personnummer till BankID",
        ),
    ],
)
def test_what_a_message_is_about_leaves_out_the_numbers_that_tell_who(
    said: str, about: str
) -> None:
    assert without_masked(mask(said)) == about


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("spoc.test.privacy")
    handler_filter = MaskingFilter()
    record = logger.makeRecord(
        "spoc.test.privacy", logging.INFO, __file__, 1, "user %s wrote", ("811218-9876",), None
    )
    assert handler_filter.filter(record)
    assert record.getMessage() == f"user {PNR_MASK} wrote"
