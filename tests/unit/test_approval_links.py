"""Approve/deny links: signed, expiring, bound to one approval; CSRF tokens bound to the
cookie and the link."""

from __future__ import annotations

import pytest

from bot.approvals.chats import is_direct
from bot.approvals.links import ApprovalLinks, LinkExpired, LinkInvalid
from bot.config import Settings

SECRET = "unit-test-secret-0123456789abcdef"


def links(max_age_seconds: int = 3600) -> ApprovalLinks:
    return ApprovalLinks(SECRET, max_age_seconds=max_age_seconds)


def test_a_link_carries_the_approval_and_the_decision() -> None:
    token = links().token(approval_id=7, nonce="n0nce", approve=False, locale="en")
    claim = links().read(token)
    assert (claim.approval_id, claim.nonce, claim.approve, claim.locale) == (
        7,
        "n0nce",
        False,
        "en",
    )


def test_an_edited_link_or_another_secret_is_invalid() -> None:
    token = links().token(approval_id=7, nonce="n", approve=True, locale="sv")
    with pytest.raises(LinkInvalid):
        links().read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(LinkInvalid):
        ApprovalLinks("another", max_age_seconds=3600).read(token)
    with pytest.raises(LinkInvalid):
        links().read("")


def test_an_old_link_has_expired_and_keeps_its_language() -> None:
    token = links().token(approval_id=7, nonce="n", approve=True, locale="en")
    with pytest.raises(LinkExpired) as expired:
        links(max_age_seconds=-1).read(token)
    assert expired.value.locale == "en"


def test_csrf_tokens_belong_to_one_cookie_and_one_link() -> None:
    approvals = links()
    token = approvals.csrf_token(link="L1", cookie="c1")
    assert approvals.csrf_ok(link="L1", cookie="c1", given=token)
    assert not approvals.csrf_ok(link="L2", cookie="c1", given=token)
    assert not approvals.csrf_ok(link="L1", cookie="c2", given=token)
    assert not approvals.csrf_ok(link="L1", cookie=None, given=token)
    assert not approvals.csrf_ok(link="L1", cookie="c1", given=None)


@pytest.mark.parametrize(
    ("channel", "key", "account", "direct"),
    [
        ("slack", "T0SPOC:D0KARIN", "U0KARIN", True),
        ("slack", "T0SPOC:C0GENERAL:1600000001.000200", "U0KARIN", False),  # a thread
        ("slack", "T0SPOC:C0GENERAL", "U0KARIN", False),
        ("telegram", "424242", "424242", True),
        ("telegram", "-100987", "424242", False),  # a group
        ("webchat", "abc", "abc", False),
    ],
)
def test_approval_buttons_go_only_to_one_to_one_chats(
    channel: str, key: str, account: str, direct: bool
) -> None:
    assert is_direct(channel, key, account) is direct


def test_a_link_answers_until_the_approval_expires_even_past_its_own_hours() -> None:
    settings = Settings(approval_secret="s" * 32, approval_link_hours=72)
    expiring = settings.model_copy(update={"approval_expiry_hours": 120})
    never = settings.model_copy(update={"approval_expiry_hours": 0})
    assert ApprovalLinks.from_settings(expiring).max_age_seconds == 120 * 3600
    assert ApprovalLinks.from_settings(never).max_age_seconds == 72 * 3600
