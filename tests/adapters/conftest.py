"""The local fake Slack and Telegram APIs, one of each per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_user("U0ANNA", name="Anna Andersson", email="anna.andersson@exempelby.se")
    fake.add_user("U0BERIT", name="Berit Berg", email="berit.berg@exempelby.se", locale="en-GB")
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()
