"""When agents answer chats: ``SPOC_DESK_OPEN_HOURS`` (``"mon-fri 08:00-17:00"``) in the
desk's time zone, closed on Swedish public holidays and on midsommarafton, julafton and
nyårsafton (the ``holidays`` package, which the SLA clock uses too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from bot.config import Settings
from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_LOOKAHEAD_DAYS = 30  # the desk opens again within this; longer means a configuration mistake


def _clock(value: str) -> time:
    if value.strip() == "24:00":
        return time.max
    return time.fromisoformat(value.strip())


def _days(spec: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in spec.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ConfigError(f"unknown day in {spec!r}: use mon, tue, wed, thu, fri, sat, sun")
        start, end = DAYS.index(first), DAYS.index(last or first)
        chosen.update(
            range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
        )
    return frozenset(chosen)


@cache
def _swedish_holidays(year: int) -> holidays.HolidayBase:
    """Public holidays and the de facto ones (midsommarafton, julafton, nyårsafton), when
    service desks close too; not every Sunday, which the package lists by default."""
    return holidays.country_holidays(
        "SE", years=year, categories=("public", "de_facto"), include_sundays=False
    )


@dataclass(frozen=True)
class DeskHours:
    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo
    holidays_open: bool = False

    @classmethod
    def parse(
        cls, spec: str, zone: str = "Europe/Stockholm", *, holidays_open: bool = False
    ) -> DeskHours:
        """``"mon-fri 08:00-17:00"``; ``"mon-sun 00:00-24:00"`` for always open."""
        try:
            days, hours = spec.split()
            opens, closes = hours.split("-")
            parsed = cls(_days(days), _clock(opens), _clock(closes), ZoneInfo(zone), holidays_open)
        except (ValueError, KeyError) as error:
            raise ConfigError(
                f"SPOC_DESK_OPEN_HOURS {spec!r}: write it like 'mon-fri 08:00-17:00'"
            ) from error
        if parsed.opens >= parsed.closes:
            raise ConfigError(f"SPOC_DESK_OPEN_HOURS {spec!r}: opening must be before closing")
        return parsed

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return self.holidays_open or day not in _swedish_holidays(day.year)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime:
        """The moment itself when open, else when the desk opens next."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(_LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.opens, self.zone)
            if self.is_working_day(day) and opening > local:
                return opening
        raise ConfigError(
            "the service desk never opens within a month: check SPOC_DESK_OPEN_HOURS"
        )

    def summary(self, locale: str) -> str:
        """The opening hours in words: ``"vardagar 08.00–17.00"``, ``"every day, all day"``."""
        sv = locale != "en"
        form = "%H.%M" if sv else "%H:%M"
        closes = "24.00" if self.closes == time.max else self.closes.strftime(form)
        if self.opens == time.min and self.closes == time.max:
            clock = "dygnet runt" if sv else "around the clock"
        else:
            clock = f"{self.opens.strftime(form)}–{closes.replace('.', ':') if not sv else closes}"
        days = sorted(self.days)
        names = WEEKDAYS["sv" if sv else "en"]
        if days == list(range(7)):
            when = "alla dagar" if sv else "every day"
        elif days == list(range(5)):
            when = "vardagar" if sv else "weekdays"
        elif days == list(range(days[0], days[-1] + 1)):
            when = f"{names[days[0]]}–{names[days[-1]]}"
        else:
            when = ", ".join(names[day] for day in days)
        closed = (
            "" if self.holidays_open else (" utom helgdagar" if sv else " except public holidays")
        )
        return f"{when} {clock}{closed}"

    def describe(self, moment: datetime, locale: str) -> str:
        """``"tisdag 1 december kl. 08.00"`` / ``"Tuesday 1 December at 08:00"``."""
        local = moment.astimezone(self.zone)
        lang = "en" if locale == "en" else "sv"
        weekday = WEEKDAYS[lang][local.weekday()]
        month = MONTHS[lang][local.month - 1]
        if lang == "en":
            return f"{weekday} {local.day} {month} at {local:%H:%M}"
        return f"{weekday} {local.day} {month} kl. {local:%H.%M}"


@cache
def desk_hours(spec: str, zone: str, holidays_open: bool) -> DeskHours:
    return DeskHours.parse(spec, zone, holidays_open=holidays_open)


def desk_of(settings: Settings) -> DeskHours:
    return desk_hours(
        settings.desk_open_hours, settings.desk_timezone, settings.desk_holidays_open
    )


def phone_hours(settings: Settings, locale: str) -> str:
    """When a person can reach the service desk, in the reader's language: the words of
    ``SPOC_SERVICE_DESK_HOURS`` when they are set, else the desk's opening hours
    (``SPOC_DESK_OPEN_HOURS``) described, so an English reply never says "vardagar"."""
    return settings.service_desk_hours or desk_of(settings).summary(locale)
