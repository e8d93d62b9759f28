"""The service catalog: services with owner group and criticality, matched fuzzily."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.fuzzy import alias_score as _alias_score
from bot.request_items import RequestItems
from bot.text import fold, words

_MIN_SCORE = 85.0


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    names: dict[str, str]
    aliases: tuple[str, ...]
    owner_group: str
    criticality: str

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
    ) -> None:
        self.services = services
        self.sla = sla
        self.requests = requests or RequestItems()
        self._by_id = {service.id: service for service in services}
        self._aliases = tuple(
            (service, fold(alias)) for service in services for alias in service.aliases
        )

    @classmethod
    def from_directory(cls, path: Path) -> Catalog:
        try:
            raw = yaml.safe_load((path / "services.yaml").read_text(encoding="utf-8"))
            sla = yaml.safe_load((path / "sla.yaml").read_text(encoding="utf-8"))
            services = tuple(
                Service(
                    id=str(item["id"]),
                    names={str(k): str(v) for k, v in item["name"].items()},
                    aliases=tuple(str(alias) for alias in item.get("aliases", ())),
                    owner_group=str(item["owner_group"]),
                    criticality=str(item.get("criticality", "medium")),
                )
                for item in raw["services"]
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"the service catalog in {path} cannot be read: {error}") from error
        return cls(services, sla, RequestItems.from_directory(path))

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
        folded = fold(text)
        tokens = words(text)
        best: ServiceMatch | None = None
        for service, alias in self._aliases:
            score = _alias_score(alias, tokens, folded)
            if score >= _MIN_SCORE and (best is None or score > best.score):
                best = ServiceMatch(service, score)
        return best
