"""LDAP directory (OpenLDAP or Active Directory) through ldap3.

ldap3 is synchronous: each call opens a connection bound as spoc's service account in a
worker thread, does its one job and unbinds, so a slow directory never blocks the event
loop and there is no connection to go stale between password resets.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar

from ldap3 import BASE, MODIFY_DELETE, MODIFY_REPLACE, NONE, SUBTREE, Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from bot.config import Settings
from bot.directory.base import DirectoryUnavailable, PasswordRejected, Person, UnknownAccount

log = logging.getLogger(__name__)
T = TypeVar("T")
_NO_SUCH_ATTRIBUTE = 16
# A lockout attribute holding one of these means "not locked" (AD writes 0 on unlock).
_UNLOCKED = frozenset({"", "0", "16010101000000Z"})


def _first(attributes: dict[str, Any], name: str) -> str | None:
    for key, value in attributes.items():
        if key.lower() == name.lower():
            values = value if isinstance(value, list) else [value]
            return str(values[0]) if values and values[0] not in (None, "") else None
    return None


class LdapDirectory:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # ldap3 hands timeouts to setsockopt as whole seconds.
        self._timeout = max(1, math.ceil(settings.ldap_timeout_seconds))
        self._server = Server(settings.ldap_url, connect_timeout=self._timeout, get_info=NONE)

    # -- plumbing ---------------------------------------------------------------------------

    def _connect(self, user: str | None = None, password: str | None = None) -> Connection:
        settings = self.settings
        if user is None:
            user = settings.ldap_bind_dn
            secret = settings.ldap_bind_password
            password = secret.get_secret_value() if secret else None
        return Connection(
            self._server,
            user=user,
            password=password,
            receive_timeout=self._timeout,
            raise_exceptions=False,
            read_only=False,
        )

    def _service(self) -> Connection:
        connection = self._connect()
        try:
            bound = connection.bind()
        except LDAPException:
            # ldap3 leaves the socket of a failed connect open: close it here.
            if (leftover := getattr(connection, "socket", None)) is not None:
                leftover.close()
            raise
        if not bound:
            log.error("LDAP: the service account cannot bind (%s)", connection.result["result"])
            connection.unbind()
            raise DirectoryUnavailable("the directory refused spoc's service account")
        return connection

    async def _run(self, job: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(job)
        except LDAPException as error:
            log.error("LDAP: %s", type(error).__name__)
            raise DirectoryUnavailable("the directory cannot be reached") from error

    def _attributes(self) -> list[str]:
        s = self.settings
        names = [
            s.ldap_attr_username,
            s.ldap_attr_display_name,
            "cn",
            s.ldap_attr_email,
            s.ldap_attr_private_email,
            s.ldap_attr_mobile,
            s.ldap_attr_manager,
            s.ldap_attr_lockout,
        ]
        return list(dict.fromkeys(name for name in names if name))

    def _search_one(self, connection: Connection, who: str) -> tuple[str, dict[str, Any]] | None:
        s = self.settings
        value = escape_filter_chars(who.strip())
        query = (
            f"(&(objectClass=person)"
            f"(|({s.ldap_attr_username}={value})({s.ldap_attr_email}={value})))"
        )
        connection.search(
            s.ldap_base_dn, query, SUBTREE, attributes=self._attributes(), size_limit=2
        )
        response = connection.response or []
        entries = [item for item in response if item.get("type") == "searchResEntry"]
        if len(entries) != 1:  # none, or ambiguous: never act on the wrong person
            return None
        return str(entries[0]["dn"]), dict(entries[0]["attributes"])

    def _username_at(self, connection: Connection, dn: str) -> str | None:
        name = self.settings.ldap_attr_username
        if not connection.search(dn, "(objectClass=*)", BASE, attributes=[name]):
            return None
        return _first(dict(connection.response[0]["attributes"]), name)

    def _person(self, connection: Connection, attributes: dict[str, Any]) -> Person | None:
        s = self.settings
        username = _first(attributes, s.ldap_attr_username)
        if username is None:
            return None
        manager_dn = _first(attributes, s.ldap_attr_manager)
        lockout = _first(attributes, s.ldap_attr_lockout)
        return Person(
            username=username,
            display_name=_first(attributes, s.ldap_attr_display_name)
            or _first(attributes, "cn")
            or username,
            email=_first(attributes, s.ldap_attr_email),
            private_email=_first(attributes, s.ldap_attr_private_email),
            mobile=_first(attributes, s.ldap_attr_mobile),
            manager=self._username_at(connection, manager_dn) if manager_dn else None,
            locked=lockout is not None and lockout not in _UNLOCKED,
        )

    def _dn_of(self, connection: Connection, username: str) -> str:
        found = self._search_one(connection, username)
        if found is None:
            raise UnknownAccount("no such account")
        return found[0]

    # -- the port ---------------------------------------------------------------------------

    async def find(self, who: str) -> Person | None:
        def job() -> Person | None:
            connection = self._service()
            try:
                found = self._search_one(connection, who)
                return self._person(connection, found[1]) if found else None
            finally:
                connection.unbind()

        return await self._run(job)

    async def manager_of(self, username: str) -> Person | None:
        person = await self.find(username)
        if person is None or not person.manager:
            return None
        return await self.find(person.manager)

    async def set_password(self, username: str, new_password: str) -> None:
        def job() -> None:
            connection = self._service()
            try:
                dn = self._dn_of(connection, username)
                if self.settings.ldap_flavour == "ad":
                    done = connection.extend.microsoft.modify_password(dn, new_password)
                else:
                    done = connection.extend.standard.modify_password(
                        user=dn, new_password=new_password
                    )
                if not done:
                    result = connection.result or {}
                    log.warning("LDAP: password change refused (%s)", result.get("description"))
                    raise PasswordRejected("the directory did not accept the new password")
            finally:
                connection.unbind()

        await self._run(job)

    async def unlock(self, username: str) -> None:
        attribute = self.settings.ldap_attr_lockout

        def job() -> None:
            connection = self._service()
            try:
                dn = self._dn_of(connection, username)
                if self.settings.ldap_flavour == "ad":
                    change = {attribute: [(MODIFY_REPLACE, ["0"])]}
                else:
                    change = {attribute: [(MODIFY_DELETE, [])]}
                done = connection.modify(dn, change)
                if not done and connection.result.get("result") != _NO_SUCH_ATTRIBUTE:
                    log.error("LDAP: unlock refused (%s)", connection.result.get("description"))
                    raise DirectoryUnavailable("the directory refused to clear the lockout")
            finally:
                connection.unbind()

        await self._run(job)

    async def check_password(self, username: str, password: str) -> bool:
        if not password:  # an empty password would be an anonymous bind
            return False

        def job() -> bool:
            connection = self._service()
            try:
                found = self._search_one(connection, username)
            finally:
                connection.unbind()
            if found is None:
                return False
            person = self._connect(found[0], password)
            try:
                return bool(person.bind())
            finally:
                person.unbind()

        return await self._run(job)
