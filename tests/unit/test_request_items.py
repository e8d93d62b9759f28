"""Request items of the shipped catalog: loading, fuzzy matching and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import nlu
from bot.catalog import Catalog
from bot.errors import ConfigError
from bot.request_items import RequestItems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_directory(ROOT / "catalog")


def test_the_shipped_items_each_say_who_approves_and_who_fulfils(catalog: Catalog) -> None:
    items = catalog.requests.items
    assert len(items) >= 8
    rules = {item.id: item.approval for item in items}
    assert rules["care_journal"] == "manager"
    assert rules["acrobat_pro"] == "manager"
    assert rules["standard_software"] == rules["accessories"] == "pre-approved"
    assert rules["guest_wifi"] == "owner"
    for item in items:
        assert item.name("sv") and item.name("en") and item.fulfilment_group
        assert item.is_pre_approved or item.owner, item.id
        for field in item.fields:
            assert field.question("sv") != field.question("en"), (item.id, field.id)
            assert field.label("sv") != field.id, (item.id, field.id)
            assert field.kind == "text" or len(field.options) >= 2


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("jag vill beställa adobe acrobat", "acrobat_pro"),
        ("behöver behörighet till funktionsbrevlådan", "shared_mailbox"),
        ("kan jag få tillgång till journalsystemet", "care_journal"),
        ("I need access to a shared folder", "file_share"),
        ("jag behöver en extra skärm", "accessories"),
        ("install software from the company portal", "standard_software"),
        ("gästkonto till wifi för en konsult", "guest_wifi"),
        ("vill gå med i sändlistan", "distribution_list"),
        ("acrobatt pro", "acrobat_pro"),  # a typo
    ],
)
def test_a_request_finds_its_item(catalog: Catalog, text: str, item: str) -> None:
    matches = catalog.requests.ranked(text)
    assert matches and matches[0].item.id == item


def test_nothing_close_means_no_item(catalog: Catalog) -> None:
    assert catalog.requests.ranked("jag vill beställa en elefant") == []


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("jag vill beställa adobe acrobat", True),
        ("kan jag få tillgång till journalsystemet?", True),
        ("I need access to the shared mailbox", True),
        ("please install Notepad++", True),
        ("kan inte installera programmet", False),
        ("jag kommer inte åt funktionsbrevlådan", False),
        ("outlook kraschar", False),
        ("min skärm fungerar inte", False),
    ],
)
def test_wanting_something_is_told_from_something_broken(text: str, wanted: bool) -> None:
    assert nlu.wants_request(text) is wanted


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "requests.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def test_an_item_that_needs_approval_but_names_no_owner_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "requests:\n  - id: x\n    name: {sv: X, en: X}\n    approval: owner\n"
        "    fulfilment_group: G\n",
    )
    with pytest.raises(ConfigError, match="needs an owner"):
        RequestItems.from_directory(path)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    approval: boss\n", "approval must be one of"),
        (
            "    approval: pre-approved\n    fields:\n      - {id: f, kind: choice,"
            " question: {sv: Q, en: Q}}\n",
            "a choice needs options",
        ),
        (
            "    approval: pre-approved\n    fields:\n      - {id: f, kind: date,"
            " question: {sv: Q, en: Q}}\n",
            "kind must be one of",
        ),
    ],
)
def test_broken_items_are_refused_with_a_reason(tmp_path: Path, extra: str, message: str) -> None:
    path = _write(
        tmp_path,
        f"requests:\n  - id: x\n    name: {{sv: X, en: X}}\n    fulfilment_group: G\n{extra}",
    )
    with pytest.raises(ConfigError, match=message):
        RequestItems.from_directory(path)


def test_a_catalog_without_request_items_still_loads(tmp_path: Path) -> None:
    for name in ("services.yaml", "sla.yaml"):
        (tmp_path / name).write_text((ROOT / "catalog" / name).read_text("utf-8"), "utf-8")
    assert len(Catalog.from_directory(tmp_path).requests) == 0
