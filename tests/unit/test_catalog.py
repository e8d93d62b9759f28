from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import Catalog
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_directory(ROOT / "catalog")


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("outlok kraschar", "email"),
        ("Outlook startar inte", "email"),
        ("vpnet strular", "remote"),
        ("mikrofonen funkar inte i teamsmötet", "teams"),
        ("skrivarn går inte", "print"),
        ("glömt lösenordet", "account"),
        ("losenord", "account"),
        ("journalsystemet är nere", "care"),
        ("the printer is jammed", "print"),
        ("e-tjänsten går inte att skicka", "eservices"),
        # An inflected word outranks one that only starts like an alias ("kontoret" is no
        # account, "konto"): the screen's owner gets the ticket.
        ("skärmen på kontoret flimrar", "workplace"),
        ("mejlappen kraschar", "email"),  # a compound still counts
    ],
)
def test_services_are_matched_fuzzily(catalog: Catalog, text: str, service: str) -> None:
    match = catalog.match(text)
    assert match is not None
    assert match.service.id == service


@pytest.mark.parametrize("text", ["när har biblioteket öppet?", "hej", "", "🙈"])
def test_no_service_for_unrelated_text(catalog: Catalog, text: str) -> None:
    assert catalog.match(text) is None


def test_every_service_routes_somewhere(catalog: Catalog) -> None:
    for service in catalog.services:
        assert service.owner_group
        assert service.criticality in {"low", "medium", "high"}
        assert service.name("sv") and service.name("en")


def test_broken_catalog_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text("services: [{id: x}]", encoding="utf-8")
    (tmp_path / "sla.yaml").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="service catalog"):
        Catalog.from_directory(tmp_path)


def test_a_service_is_found_by_its_name_in_either_language(catalog: Catalog) -> None:
    assert catalog.named("E-post och kalender").id == "email"  # type: ignore[union-attr]
    assert catalog.named("e-mail and calendar").id == "email"  # type: ignore[union-attr]
    assert catalog.named("Nätverk och wifi") is catalog.named("NATVERK OCH WIFI")
    assert catalog.named("Kaffemaskinen") is None
    assert catalog.named("") is None and catalog.named(None) is None
