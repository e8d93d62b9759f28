"""Telegram's side of the text: escaped HTML, keyboards within limits, and the pacer."""

from __future__ import annotations

from bot.adapters.telegram import locale_hint
from bot.adapters.telegram_format import Pacer, buttons_fit, keyboard, pieces, to_html
from bot.messages import Button


def test_reply_text_is_escaped_html_with_light_markdown() -> None:
    text = 'Se **VPN-guiden** <b>här</b> & [intranätet](https://intra.se/?a=1&b="2")'
    assert to_html(text) == (
        "Se <b>VPN-guiden</b> &lt;b&gt;här&lt;/b&gt; &amp; "
        '<a href="https://intra.se/?a=1&amp;b=&quot;2&quot;">intranätet</a>'
    )


def test_keyboards_only_when_every_action_fits_the_callback_data() -> None:
    fits = (Button("Ja", "incident:helped:yes"), Button("Nej", "incident:helped:no"))
    markup = keyboard(fits)
    assert markup is not None
    assert [row[0].callback_data for row in markup.inline_keyboard] == [
        "incident:helped:yes",
        "incident:helped:no",
    ]
    too_long = (Button("Ja", "å" * 33),)  # 66 bytes in UTF-8
    assert not buttons_fit(too_long) and keyboard(too_long) is None
    assert keyboard(()) is None


def test_long_texts_are_cut_at_line_breaks() -> None:
    text = "\n".join(f"rad {n} " + "x" * 90 for n in range(100))
    parts = pieces(text)
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts)
    assert "\n".join(parts) == text


def test_the_pacer_allows_a_burst_then_one_a_second_per_chat() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])
    assert [pacer.delay(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.delay(1) == 1.0  # the fourth waits a second ...
    assert pacer.delay(2) == 0.0  # ... while another chat goes on
    now[0] = 1.0
    assert pacer.delay(1) == 0.0
    pacer.block(1, 30)
    assert pacer.delay(1) == 30.0


def test_groups_get_twenty_a_minute_and_everyone_thirty_a_second() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])
    assert all(pacer.delay(-100) == 0.0 for _ in range(20))
    assert pacer.delay(-100) == 3.0
    now[0] = 10.0
    sent = sum(pacer.delay(chat) == 0.0 for chat in range(1, 40))
    assert sent == 30


def test_locale_hint() -> None:
    assert [locale_hint(c) for c in ("sv", "sv-SE", "en", "de", None)] == [
        "sv",
        "sv",
        "en",
        "en",
        None,
    ]
