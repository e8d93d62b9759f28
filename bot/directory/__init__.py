"""Staff directory: see :mod:`bot.directory.base` for the port and :class:`Person`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.directory.base import (
    Directory,
    DirectoryUnavailable,
    PasswordRejected,
    Person,
    UnknownAccount,
)

__all__ = [
    "Directory",
    "DirectoryUnavailable",
    "PasswordRejected",
    "Person",
    "UnknownAccount",
    "create_directory",
]


def create_directory(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Directory:
    """The backend ``SPOC_DIRECTORY`` names."""
    if settings.directory == "ldap":
        from bot.directory.ldap import LdapDirectory

        return LdapDirectory(settings)
    from bot.directory.builtin import BuiltinDirectory

    return BuiltinDirectory(sessions)
