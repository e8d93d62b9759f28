"""Priority from impact x urgency, and response/resolve targets from the SLA table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays

IMPACT_WIDE, IMPACT_SEVERAL, IMPACT_ONE = 1, 2, 3
URGENCY_STOPPED, URGENCY_HINDERED, URGENCY_CAN_WAIT = 1, 2, 3


@dataclass(frozen=True, slots=True)
class Target:
    """A duration in words-friendly parts: ``hours`` or ``days`` and the clock it runs on."""

    hours: float
    days: int
    clock: str  # "business" or "calendar"


@dataclass(frozen=True, slots=True)
class Targets:
    priority: int
    response: Target
    resolve: Target
    response_due_at: datetime
    resolve_due_at: datetime


def _target(spec: dict[str, Any], clock: str) -> Target:
    return Target(hours=float(spec.get("hours", 0)), days=int(spec.get("days", 0)), clock=clock)


class OpeningHours:
    """The service desk's opening hours: weekdays, Swedish public holidays excluded."""

    def __init__(self, start: time, end: time, zone: ZoneInfo) -> None:
        self.start, self.end, self.zone = start, end, zone
        self._holidays = holidays.country_holidays("SE")

    @classmethod
    def from_config(cls, spec: dict[str, str]) -> OpeningHours:
        return cls(
            time.fromisoformat(spec["start"]),
            time.fromisoformat(spec["end"]),
            ZoneInfo(spec.get("timezone", "Europe/Stockholm")),
        )

    @property
    def hours_per_day(self) -> float:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)) / (
            timedelta(hours=1)
        )

    def is_working_day(self, day: date) -> bool:
        # The holidays package counts Sundays as "Söndag" holidays for Sweden; weekday check first.
        return day.weekday() < 5 and day not in self._holidays

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def add(self, moment: datetime, hours: float) -> datetime:
        """``moment`` plus ``hours`` of opening time."""
        local = moment.astimezone(self.zone)
        remaining = timedelta(hours=hours)
        while True:
            day = local.date()
            opens = datetime.combine(day, self.start, self.zone)
            closes = datetime.combine(day, self.end, self.zone)
            if self.is_working_day(day) and local < closes:
                local = max(local, opens)
                if local + remaining <= closes:
                    return (local + remaining).astimezone(UTC)
                remaining -= closes - local
            local = datetime.combine(day + timedelta(days=1), self.start, self.zone)


class SlaPolicy:
    def __init__(self, config: dict[str, Any]) -> None:
        self.matrix: list[list[int]] = config["priority_matrix"]
        self.opening_hours = OpeningHours.from_config(config["opening_hours"])
        self._targets = {int(k): v for k, v in config["targets"].items()}

    def priority(self, impact: int, urgency: int) -> int:
        return int(self.matrix[_bounded(impact) - 1][_bounded(urgency) - 1])

    def _due(self, start: datetime, target: Target) -> datetime:
        if target.clock == "business":
            hours = target.hours + target.days * self.opening_hours.hours_per_day
            return self.opening_hours.add(start, hours)
        return start + timedelta(hours=target.hours, days=target.days)

    def targets(self, priority: int, now: datetime) -> Targets:
        spec = self._targets[priority]
        clock = str(spec.get("clock", "business"))
        response, resolve = _target(spec["response"], clock), _target(spec["resolve"], clock)
        return Targets(
            priority, response, resolve, self._due(now, response), self._due(now, resolve)
        )


def _bounded(level: int) -> int:
    return min(3, max(1, level))
