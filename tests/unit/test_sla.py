from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.sla import SlaPolicy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return SlaPolicy(Catalog.from_directory(ROOT / "catalog").sla)


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [(1, 1, 1), (1, 2, 2), (2, 1, 2), (2, 2, 3), (3, 1, 3), (3, 2, 4), (3, 3, 5), (9, 0, 3)],
)
def test_priority_matrix(policy: SlaPolicy, impact: int, urgency: int, priority: int) -> None:
    assert policy.priority(impact, urgency) == priority


def test_p1_runs_on_the_calendar_clock(policy: SlaPolicy) -> None:
    saturday_night = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)
    targets = policy.targets(1, saturday_night)
    assert targets.response_due_at == datetime(2026, 11, 21, 22, 15, tzinfo=UTC)
    assert targets.resolve_due_at == datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def test_p3_runs_on_opening_hours_and_skips_weekends_and_holidays(policy: SlaPolicy) -> None:
    # Friday 16:00 Stockholm (15:00 UTC): one hour left that day, three more on Monday.
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert policy.targets(3, friday).response_due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    # Thursday before Good Friday 2026 (3 April) and Easter Monday (6 April).
    maundy_thursday = datetime(2026, 4, 2, 14, 0, tzinfo=UTC)  # 16:00 local (CEST)
    due = policy.targets(3, maundy_thursday).response_due_at
    assert due == datetime(2026, 4, 7, 9, 0, tzinfo=UTC)  # Tuesday 11:00 local


def test_opening_hours(policy: SlaPolicy) -> None:
    hours = policy.opening_hours
    assert hours.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # Monday 10:00
    assert not hours.is_open(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))  # Sunday
    assert not hours.is_open(datetime(2026, 12, 25, 9, 0, tzinfo=UTC))  # juldagen
