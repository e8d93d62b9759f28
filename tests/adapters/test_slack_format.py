"""Slack's side of the text: what goes out is escaped mrkdwn, what comes in is plain text."""

from __future__ import annotations

from bot.adapters.choices import action_for, number_in, numbered
from bot.adapters.slack_events import conversation_key, locale_hint, message_key, place_of
from bot.adapters.slack_format import (
    MAX_BUTTONS,
    answered_blocks,
    buttons_fit,
    from_slack,
    message_of,
    to_mrkdwn,
)
from bot.messages import Button, Reply


def test_reply_text_is_escaped_and_light_markdown_becomes_mrkdwn() -> None:
    text = "Se **VPN-guiden** <här> & [intranätet](https://intra.exempelby.se/vpn?a=1&b=2)"
    assert to_mrkdwn(text) == (
        "Se *VPN-guiden* &lt;här&gt; &amp; <https://intra.exempelby.se/vpn?a=1&amp;b=2|intranätet>"
    )
    assert to_mrkdwn("<!channel> <@U123>") == "&lt;!channel&gt; &lt;@U123&gt;"


def test_what_the_person_wrote_comes_in_as_plain_text() -> None:
    said = "<@U0SPOCBOT> skrivaren &amp; <https://x.se/a|länken> &lt;3 <mailto:it@x.se|it@x.se>"
    assert from_slack(said, bot_user_id="U0SPOCBOT") == "skrivaren & länken <3 it@x.se"


def test_buttons_become_blocks_and_numbered_text_when_they_do_not_fit() -> None:
    reply = Reply(7, "bot", "Löste det problemet?", (Button("Ja", "a:yes"), Button("Nej", "a:no")))
    message = message_of(reply)
    actions = message["blocks"][-1]
    assert actions["block_id"] == "spoc-reply-7"
    assert [e["value"] for e in actions["elements"]] == ["a:yes", "a:no"]
    assert message["text"] == "Löste det problemet?\n\n1) Ja\n2) Nej"  # notifications
    many = tuple(Button(str(n), f"n:{n}") for n in range(MAX_BUTTONS + 1))
    assert not buttons_fit(many)
    assert "blocks" not in message_of(Reply(8, "bot", "Välj", many))
    assert not buttons_fit((Button("x" * 76, "a"),))


def test_a_chosen_button_leaves_the_choice_in_place_of_the_buttons() -> None:
    blocks = message_of(Reply(1, "bot", "Fråga", (Button("Ja", "y"),)))["blocks"]
    after = answered_blocks(blocks, "Ja & nej")
    assert [b["type"] for b in after] == ["section", "context"]
    assert "Ja &amp; nej" in after[-1]["elements"][0]["text"]


def test_a_long_reply_is_cut_into_sections_slack_accepts() -> None:
    reply = Reply(1, "bot", "\n".join(["rad " * 50] * 40), (Button("Ok", "ok"),))
    sections = message_of(reply)["blocks"][:-1]
    assert len(sections) > 1
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)


def test_numbers_map_back_to_the_choices_shown() -> None:
    buttons = (Button("Ja", "y"), Button("Nej", "n"))
    assert numbered("Fråga", buttons).endswith("1) Ja\n2) Nej")
    typed = ("2", " 2) ", "2.", "två", "2 kollegor")
    assert [number_in(t) for t in typed] == [2, 2, 2, None, None]
    assert (action_for(2, buttons), action_for(3, buttons), action_for(0, buttons)) == (
        "n",
        None,
        None,
    )


def test_where_a_message_belongs() -> None:
    dm = {"channel": "D1", "channel_type": "im", "user": "U1", "text": "hej", "ts": "1.1"}
    assert message_key(dm, "T1", bot_user_id="UB") == ("T1:D1", False)
    chatter = {"channel": "C1", "channel_type": "channel", "user": "U1", "text": "fika?"}
    assert message_key(chatter, "T1", bot_user_id="UB") is None
    reply = chatter | {"thread_ts": "9.9"}
    assert message_key(reply, "T1", bot_user_id="UB") == ("T1:C1:9.9", True)
    assert message_key(reply | {"text": "<@UB> hjälp"}, "T1", bot_user_id="UB") is None
    assert message_key(dm | {"subtype": "message_changed"}, "T1", bot_user_id="UB") is None
    assert place_of(conversation_key("T1", "C1", "9.9")) == ("C1", "9.9")
    assert place_of(conversation_key("T1", "D1")) == ("D1", None)
    assert [locale_hint(x) for x in ("sv-SE", "en-GB", "fi-FI", None)] == ["sv", "en", "en", None]
