"""The directory port: who a member of staff is, and the two things spoc may change about
their account (a new password, a cleared lockout).

Backends: :mod:`bot.directory.builtin` (spoc's own table) and :mod:`bot.directory.ldap`
(OpenLDAP or Active Directory). Build one with :func:`bot.directory.create_directory`.

Use it from anywhere async::

    person = await directory.find("anna.andersson")        # or "anna.andersson@exempelby.se"
    boss = await directory.manager_of("anna.andersson")    # Person | None, e.g. for approvals
    if boss and boss.email: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.errors import SpocError


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff as the directory knows them.

    ``email`` is the work address; ``private_email`` and ``mobile`` are registered contact
    points outside the account (where one-time codes go); ``manager`` is the manager's
    username; ``locked`` says whether sign-in is locked out.
    """

    username: str
    display_name: str
    email: str | None = None
    private_email: str | None = None
    mobile: str | None = None
    manager: str | None = None
    locked: bool = False


class DirectoryUnavailable(SpocError):
    """The directory could not be reached or refused spoc's service account."""

    code = "directory_unavailable"
    status = 503


class UnknownAccount(SpocError):
    code = "unknown_account"
    status = 404


class PasswordRejected(SpocError):
    """The directory refused the new password by a rule of its own (history, complexity)."""

    code = "password_rejected"
    status = 400


class Directory(Protocol):
    async def find(self, who: str) -> Person | None:
        """The person with this username or work e-mail (case-insensitive), else None."""
        ...

    async def manager_of(self, username: str) -> Person | None:
        """The manager of ``username``, when the directory names one."""
        ...

    async def set_password(self, username: str, new_password: str) -> None:
        """Replace the password (raises :class:`UnknownAccount` for no such person)."""
        ...

    async def unlock(self, username: str) -> None:
        """Clear the sign-in lockout (raises :class:`UnknownAccount` for no such person)."""
        ...

    async def check_password(self, username: str, password: str) -> bool:
        """Whether ``password`` signs ``username`` in (an LDAP bind, or the stored hash)."""
        ...


def is_plausible_account(who: str) -> bool:
    """A username or an e-mail address as typed: one word, not absurdly long."""
    who = who.strip()
    return 0 < len(who) <= 254 and not any(char.isspace() for char in who)
