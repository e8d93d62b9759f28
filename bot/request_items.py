"""Request items of the service catalog (``catalog/requests.yaml``): what people can order or
ask access to, what spoc asks first, who approves, and which group fulfils."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.errors import ConfigError
from bot.fuzzy import Aliases, aliases_of

FILE = "requests.yaml"
ApprovalRule = Literal["manager", "owner", "pre-approved"]
PRE_APPROVED: ApprovalRule = "pre-approved"
RULES: tuple[ApprovalRule, ...] = ("manager", "owner", PRE_APPROVED)
KINDS = ("text", "choice")
# A match this good is taken at once; below it, and above the floor, the person chooses.
SURE_SCORE = 95.0
FLOOR_SCORE = 80.0


def _localised(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str):
        return {"sv": raw, "en": raw}
    if not isinstance(raw, dict) or "sv" not in raw:
        raise ConfigError(f"{where}: needs text in sv (and en)")
    return {str(key): str(value) for key, value in raw.items()}


def _pick(texts: dict[str, str], locale: str) -> str:
    return texts.get(locale) or texts["sv"]


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    names: dict[str, str]

    def name(self, locale: str) -> str:
        return _pick(self.names, locale)


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    kind: str
    questions: dict[str, str]
    required: bool = True
    options: tuple[Option, ...] = ()
    labels: dict[str, str] | None = None

    def question(self, locale: str) -> str:
        return _pick(self.questions, locale)

    def label(self, locale: str) -> str:
        return _pick(self.labels, locale) if self.labels else self.id

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)


@dataclass(frozen=True, slots=True)
class RequestItem:
    id: str
    names: dict[str, str]
    aliases: tuple[str, ...]
    approval: ApprovalRule
    fulfilment_group: str
    fields: tuple[Field, ...]
    owner: str | None = None
    owner_name: str | None = None
    hints: dict[str, str] | None = None

    def name(self, locale: str) -> str:
        return _pick(self.names, locale)

    def hint(self, locale: str) -> str | None:
        """Something to know before asking (often a way to do it yourself, at once)."""
        return _pick(self.hints, locale) if self.hints else None

    @property
    def is_pre_approved(self) -> bool:
        return self.approval == PRE_APPROVED


@dataclass(frozen=True, slots=True)
class ItemMatch:
    item: RequestItem
    score: float

    @property
    def is_sure(self) -> bool:
        return self.score >= SURE_SCORE


class RequestItems:
    def __init__(
        self, items: tuple[RequestItem, ...] = (), false_friends: tuple[str, ...] = ()
    ) -> None:
        self.items = items
        self._by_id = {item.id: item for item in items}
        self._aliases = Aliases(
            ((item, alias) for item in items for alias in (*item.aliases, *item.names.values())),
            floor=FLOOR_SCORE,
            false_friends=false_friends,
        )

    def __len__(self) -> int:
        return len(self.items)

    def get(self, item_id: str | None) -> RequestItem | None:
        return self._by_id.get(item_id) if item_id else None

    def ranked(self, text: str) -> list[ItemMatch]:
        """Items the text may be about, best first (each item once)."""
        best: dict[str, ItemMatch] = {}
        for item, score in self._aliases.scores(text):
            if score > best.get(item.id, ItemMatch(item, 0)).score:
                best[item.id] = ItemMatch(item, score)
        return sorted(best.values(), key=lambda match: -match.score)

    @classmethod
    def from_directory(cls, path: Path, false_friends: tuple[str, ...] = ()) -> RequestItems:
        """The items of ``path/requests.yaml``; none when the file is not there."""
        source = path / FILE
        if not source.is_file():
            return cls(false_friends=false_friends)
        try:
            raw = yaml.safe_load(source.read_text(encoding="utf-8"))
            items = tuple(_item(entry) for entry in raw["requests"])
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
            raise ConfigError(f"the request items in {source} cannot be read: {error}") from error
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            raise ConfigError(f"{source}: request item ids must be unique")
        return cls(items, false_friends)


def _item(entry: dict[str, Any]) -> RequestItem:
    item_id = str(entry["id"])
    approval = str(entry["approval"])
    if approval not in RULES:
        raise ConfigError(f"request item {item_id}: approval must be one of {', '.join(RULES)}")
    owner = entry.get("owner")
    if approval != PRE_APPROVED and not owner:
        # The owner approves, or stands in when the directory knows no manager.
        raise ConfigError(f"request item {item_id}: approval by {approval} needs an owner")
    return RequestItem(
        id=item_id,
        names=_localised(entry["name"], f"request item {item_id}"),
        aliases=aliases_of(entry, f"request item {item_id}"),
        approval=approval,
        fulfilment_group=str(entry["fulfilment_group"]),
        fields=tuple(_field(item_id, raw) for raw in entry.get("fields", ())),
        owner=str(owner) if owner else None,
        owner_name=str(entry["owner_name"]) if entry.get("owner_name") else None,
        hints=_localised(entry["hint"], f"request item {item_id}") if "hint" in entry else None,
    )


def _field(item_id: str, raw: dict[str, Any]) -> Field:
    where = f"request item {item_id}, field {raw.get('id')}"
    kind = str(raw.get("kind", "text"))
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}")
    options = tuple(
        Option(
            str(option["id"]), _localised({k: v for k, v in option.items() if k != "id"}, where)
        )
        for option in raw.get("options", ())
    )
    if kind == "choice" and not options:
        raise ConfigError(f"{where}: a choice needs options")
    return Field(
        id=str(raw["id"]),
        kind=kind,
        questions=_localised(raw["question"], where),
        required=bool(raw.get("required", True)),
        options=options,
        labels=_localised(raw["label"], where) if "label" in raw else None,
    )
