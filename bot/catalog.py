"""The service catalog: services with owner group and criticality, matched fuzzily."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.fuzzy import Aliases, aliases_of
from bot.request_items import RequestItems
from bot.text import fold

_MIN_SCORE = 85.0


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    names: dict[str, str]
    aliases: tuple[str, ...]
    owner_group: str
    criticality: str
    security: bool = False  # takes a work account someone else may have got into

    def name(self, locale: str) -> str:
        return self.names.get(locale) or next(iter(self.names.values()))

    @property
    def is_critical(self) -> bool:
        return self.criticality == "high"


@dataclass(frozen=True, slots=True)
class ServiceMatch:
    service: Service
    score: float


class Catalog:
    def __init__(
        self,
        services: tuple[Service, ...],
        sla: dict[str, Any],
        requests: RequestItems | None = None,
        false_friends: tuple[str, ...] = (),
    ) -> None:
        self.services = services
        self.sla = sla
        self.requests = requests or RequestItems()
        self.false_friends = false_friends
        self._by_id = {service.id: service for service in services}
        self._aliases = Aliases(
            ((service, alias) for service in services for alias in service.aliases),
            floor=_MIN_SCORE,
            false_friends=false_friends,
        )

    @property
    def security(self) -> Service | None:
        """The service that takes a work account someone else may have got into."""
        return next((service for service in self.services if service.security), None)

    @classmethod
    def from_directory(cls, path: Path) -> Catalog:
        try:
            raw = yaml.safe_load((path / "services.yaml").read_text(encoding="utf-8"))
            sla = yaml.safe_load((path / "sla.yaml").read_text(encoding="utf-8"))
            services = tuple(
                Service(
                    id=str(item["id"]),
                    names={str(k): str(v) for k, v in item["name"].items()},
                    aliases=aliases_of(item, f"service {item['id']}"),
                    owner_group=str(item["owner_group"]),
                    criticality=str(item.get("criticality", "medium")),
                    security=item.get("security") is True,
                )
                for item in raw["services"]
            )
            false_friends = tuple(str(word) for word in raw.get("false_friends") or ())
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"the service catalog in {path} cannot be read: {error}") from error
        requests = RequestItems.from_directory(path, false_friends=false_friends)
        return cls(services, sla, requests, false_friends)

    def get(self, service_id: str | None) -> Service | None:
        return self._by_id.get(service_id) if service_id else None

    def named(self, name: str | None) -> Service | None:
        """The service with this name in any language (a knowledge article names its
        service so), or None."""
        wanted = fold(name or "").strip()
        return next(
            (s for s in self.services if wanted and wanted in map(fold, s.names.values())),
            None,
        )

    def match(self, text: str) -> ServiceMatch | None:
        """The service the text is most likely about, or None when nothing is close enough."""
        best: ServiceMatch | None = None
        for service, score in self._aliases.scores(text):
            if best is None or score > best.score:  # the first of equals, as listed
                best = ServiceMatch(service, score)
        return best
