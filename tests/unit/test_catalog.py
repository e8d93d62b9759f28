from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.catalog import Catalog
from bot.errors import ConfigError
from bot.fuzzy import token_score
from bot.text import fold, words

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
        ("my charger is broken", "workplace"),
        ("ingen kommer in i patient records", "care"),
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


@pytest.mark.parametrize(
    ("text", "service", "score"),
    [
        # "VPN:en" is how Swedish inflects an abbreviation: the same word.
        ("vpn:en kopplar ner hela tiden", "remote", 95.0),
        ("the mapped drive has a red X", "files", 100.0),
        # A compound of the alias and another word counts, a little less than the word.
        ("skärmlåset kommer hela tiden", "workplace", 86.0),
        # A drive letter is no word of its own, and is found as written.
        ("G: har försvunnit", "files", 100.0),
        ("s: har ett rött kryss", "files", 100.0),
        ("g-disken är borta", "files", 95.0),
    ],
)
def test_how_sure_a_match_is(catalog: Catalog, text: str, service: str, score: float) -> None:
    match = catalog.match(text)
    assert match is not None
    assert (match.service.id, match.score) == (service, score)


@pytest.mark.parametrize(
    "text",
    [
        "debug: fel i loggen",  # "g:" only as a word of its own
        "kaffemaskinen på kontoret är trasig",  # the office, not the account ("konto")
        "du är värdelös",  # not care ("vård")
        "vilken film ska jag se ikväll",  # not a file ("fil")
        "how do I apply for parental leave",  # not an app
        "bra musik att jobba till",  # not a mouse ("mus")
        "kan vi ses i förmiddag",  # not a form
    ],
)
def test_a_word_that_only_begins_like_an_alias_is_not_the_service(
    catalog: Catalog, text: str
) -> None:
    assert catalog.match(text) is None


def test_false_friends_are_read_from_the_catalog(tmp_path: Path) -> None:
    services = """
false_friends: [kontor]
services:
  - {id: account, name: {sv: Konto}, aliases: [konto], owner_group: Servicedesk}
"""
    (tmp_path / "services.yaml").write_text(services, encoding="utf-8")
    (tmp_path / "sla.yaml").write_text("{}", encoding="utf-8")
    catalog = Catalog.from_directory(tmp_path)
    assert catalog.match("kontoret är kallt") is None
    match = catalog.match("kontot är låst")
    assert match is not None and match.score == 95.0
    # Without the false friend the same words read as a compound of the alias.
    (tmp_path / "services.yaml").write_text(services.replace("[kontor]", "[]"), encoding="utf-8")
    match = Catalog.from_directory(tmp_path).match("kontoret är kallt")
    assert match is not None and match.score == 86.0


def test_the_alias_index_scores_as_scoring_every_alias_would(catalog: Catalog) -> None:
    """The index scores only the aliases a word could reach; scoring every alias against
    every word, as the definition says, must give the same services and scores."""
    texts = [
        query["query"]
        for path in sorted((ROOT / "tests" / "knowledge").glob("eval_holdout_3[7-9].yaml"))
        for query in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]
    ]
    texts += ["G: är borta", "debug: fel", "vpn:en", "outlookkalendern", "teamsmötet"]
    texts += ["skrivarn", "konto" * 50, "x" * 3000]
    aliases = [
        (service.id, fold(alias)) for service in catalog.services for alias in service.aliases
    ]
    friends = [fold(word) for word in catalog.false_friends]
    for text in texts:
        tokens, folded = words(text), fold(text)
        expected: dict[str, float] = {}
        for service, alias in aliases:
            if " " in alias:
                score = 100.0 if alias in folded else 0.0
            elif words(alias) != [alias]:  # "g:": no word of its own
                score = 100.0 if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", folded) else 0.0
            else:
                score = max((token_score(alias, token, friends) for token in tokens), default=0.0)
            if score >= 85.0 and score > expected.get(service, 0.0):
                expected[service] = score
        best = max(expected.values(), default=None)
        match = catalog.match(text)
        assert (match.score if match else None) == best, text
        if match is not None:
            assert expected[match.service.id] == best, text


def test_a_hostile_long_word_is_scored_but_not_remembered() -> None:
    catalog = Catalog.from_directory(ROOT / "catalog")
    remembered = catalog._aliases._word_scores.cache_info().currsize
    match = catalog.match("outlook" * 250)  # one 1,750-letter "word" holding an alias
    assert match is not None and (match.service.id, match.score) == ("email", 90.0)
    assert catalog._aliases._word_scores.cache_info().currsize == remembered
    catalog.match("outlook")
    assert catalog._aliases._word_scores.cache_info().currsize == remembered + 1


def test_an_alias_yaml_did_not_read_as_text_is_a_clear_error(tmp_path: Path) -> None:
    # Unquoted in a YAML list, g: is a mapping, and would never match anything.
    services = "services: [{id: files, name: {sv: Filer}, aliases: [g:], owner_group: Desk}]"
    (tmp_path / "services.yaml").write_text(services, encoding="utf-8")
    (tmp_path / "sla.yaml").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="service files: every alias must be text; quote"):
        Catalog.from_directory(tmp_path)
