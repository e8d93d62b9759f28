"""The web front's security building blocks, in isolation: token buckets, origins, CSP, and
the page helpers that feed user-chosen values into templates."""

from __future__ import annotations

import pytest

from bot.web.pages import demo_color, warning_seconds
from bot.web.security import TokenBuckets, content_security_policy, origin_of


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_the_limit_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(3, period=60, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(20.0)  # one token per 20 s
    assert buckets.take("b") == 0  # keys are independent


def test_a_bucket_refills_with_time_but_never_above_the_limit() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(2, period=60, clock=clock)
    buckets.take("a")
    buckets.take("a")
    clock.now += 30
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0
    clock.now += 3600  # a long pause banks no more than the limit
    assert [buckets.take("a") for _ in range(3)][:2] == [0, 0]
    assert buckets.take("a") > 0


def test_buckets_stay_bounded_dropping_idle_clients_first() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(5, period=60, max_keys=3, clock=clock)
    buckets.take("idle")
    clock.now += 120  # "idle" has refilled completely
    for key in ("busy-1", "busy-2"):
        buckets.take(key)
    buckets.take("new")
    assert len(buckets) == 3
    for key in ("newer", "newest"):
        buckets.take(key)
    assert len(buckets) <= 3


def test_origins_are_normalised_as_browsers_send_them() -> None:
    assert origin_of("https://WWW.Exempelby.se/") == "https://www.exempelby.se"
    assert origin_of("https://www.exempelby.se:8443/chat?x=1") == "https://www.exempelby.se:8443"
    assert origin_of(" * ") == "*"


def test_the_csp_forbids_inline_code_and_framing_unless_origins_are_configured() -> None:
    strict = content_security_policy([])
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ):
        assert directive in strict
    assert "unsafe-inline" not in strict
    framed = content_security_policy(["https://www.exempelby.se", "https://intra.exempelby.se"])
    assert "frame-ancestors https://www.exempelby.se https://intra.exempelby.se;" in framed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ffdd00", "#ffdd00"),
        ("#FFF", "#FFF"),
        (None, "#005a9c"),
        ("", "#005a9c"),
        ('red" onload="alert(1)', "#005a9c"),
        ("12345", "#005a9c"),
        ("ggg", "#005a9c"),
    ],
)
def test_the_demo_page_takes_only_hex_colours(value: str | None, expected: str) -> None:
    assert demo_color(value) == expected


@pytest.mark.parametrize(("ttl", "warning"), [(3600, 120), (120, 60), (30, 20)])
def test_the_timeout_warning_comes_early_enough_to_react(ttl: int, warning: int) -> None:
    assert warning_seconds(ttl) == warning
