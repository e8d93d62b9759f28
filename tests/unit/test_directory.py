"""The directory port, the same contract for both backends: spoc's own table (migrated
SQLite) and LDAP (a real slapd)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.directory import Directory, DirectoryUnavailable, UnknownAccount, create_directory
from bot.directory.ldap import LdapDirectory
from bot.store.db import create_engine, migrate, session_factory
from tests.support.accounts import with_ldap
from tests.support.slapd import Slapd


@pytest.fixture(params=["builtin", "ldap"])
async def directory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Directory]:
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")  # type: ignore[call-arg]
    if request.param == "ldap":
        slapd: Slapd = request.getfixturevalue("slapd")
        yield LdapDirectory(with_ldap(settings, slapd))
        return
    engine = create_engine(settings.database_url)
    await migrate(engine)
    yield create_directory(settings, session_factory(engine))
    await engine.dispose()


async def test_find_by_username_or_work_email_in_any_case(directory: Directory) -> None:
    anna = await directory.find("anna.andersson")
    assert anna is not None
    assert (anna.display_name, anna.email) == ("Anna Andersson", "anna.andersson@exempelby.se")
    assert (anna.private_email, anna.manager, anna.locked) == (
        "anna.privat@example.com",
        "karin.karlsson",
        False,
    )
    assert await directory.find("ANNA.Andersson@Exempelby.se") == anna
    berit = await directory.find("berit.berg")
    assert berit is not None and berit.locked
    david = await directory.find("david.dahl")
    assert david is not None and (david.private_email, david.mobile) == (None, "+46701000004")


@pytest.mark.parametrize(
    "who",
    [
        "nobody",
        "*",
        "anna*",
        "*)(uid=*",
        "anna.andersson)(|(uid=*",
        "",
        "karin.privat@example.com",
    ],
)
async def test_nothing_but_an_exact_username_or_work_email_finds_anyone(
    directory: Directory, who: str
) -> None:
    assert await directory.find(who) is None


async def test_manager_of(directory: Directory) -> None:
    manager = await directory.manager_of("anna.andersson")
    assert manager is not None and manager.username == "karin.karlsson"
    assert await directory.manager_of("karin.karlsson") is None
    assert await directory.manager_of("nobody") is None


async def test_set_password_then_check_it_and_unlock(directory: Directory) -> None:
    await directory.set_password("anna.andersson", "Ett helt nytt lösen 42")
    assert await directory.check_password("anna.andersson", "Ett helt nytt lösen 42")
    assert not await directory.check_password("anna.andersson", "Ett helt nytt lösen 43")
    assert not await directory.check_password("anna.andersson", "")
    await directory.unlock("berit.berg")
    berit = await directory.find("berit.berg")
    assert berit is not None and not berit.locked
    await directory.unlock("berit.berg")  # unlocking an unlocked account is fine
    with pytest.raises(UnknownAccount):
        await directory.set_password("nobody", "Ett helt nytt lösen 42")
    with pytest.raises(UnknownAccount):
        await directory.unlock("nobody")


async def test_an_unreachable_ldap_server_is_reported_not_raised_raw() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        directory="ldap",
        ldap_url=f"ldap://127.0.0.1:{port}",
        ldap_bind_dn="cn=spoc",
        ldap_bind_password=SecretStr("x"),
        ldap_timeout_seconds=1,
    )
    with pytest.raises(DirectoryUnavailable):
        await LdapDirectory(settings).find("anna.andersson")
