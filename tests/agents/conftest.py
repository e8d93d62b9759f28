"""The service desk is open around the clock in these tests, unless a test closes it."""

from __future__ import annotations

import pytest

from bot.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "desk_open_hours": "mon-sun 00:00-24:00",
            "desk_holidays_open": True,
            # The races send many messages a minute from one session.
            "rate_limit_per_session": 10_000,
            "rate_limit_per_ip": 10_000,
        }
    )
