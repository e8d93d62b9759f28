"""Shared steps of the password reset stories: a slapd and a mail server for the app, and
a person who opens the reset link and fills in the form the way a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.config import Settings
from tests.support.slapd import BASE_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd, running_slapd
from tests.support.smtp import MailCatcher, smtp_server

LINK = re.compile(r"/reset/([A-Za-z0-9_-]{20,})")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Slapd]:
    with running_slapd(tmp_path / "slapd") as server:
        yield server


@pytest.fixture
async def smtp() -> AsyncIterator[MailCatcher]:
    async with smtp_server() as catcher:
        yield catcher


def with_mail(settings: Settings, smtp: MailCatcher) -> Settings:
    return settings.model_copy(
        update={"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none"}
    )


def with_ldap(settings: Settings, slapd: Slapd) -> Settings:
    return settings.model_copy(
        update={
            "directory": "ldap",
            "ldap_url": slapd.url,
            "ldap_bind_dn": SERVICE_DN,
            "ldap_bind_password": SecretStr(SERVICE_PASSWORD),
            "ldap_base_dn": BASE_DN,
        }
    )


def link_in(text: str) -> str:
    match = LINK.search(text)
    assert match is not None, text
    return f"/reset/{match.group(1)}"


async def open_form(http: httpx.AsyncClient, link: str) -> str:
    """GET the reset page; returns the form's CSRF token (the cookie stays in ``http``)."""
    page = await http.get(link)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match is not None
    return match.group(1)


async def choose_password(
    http: httpx.AsyncClient, link: str, password: str, confirm: str | None = None
) -> httpx.Response:
    csrf = await open_form(http, link)
    return await http.post(
        link,
        data={
            "csrf": csrf,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def heading(page: httpx.Response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page.text)
    return match.group(1) if match else ""
