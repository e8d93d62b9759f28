"""Approvers from the staff directory: the requester's manager, and owners named by username."""

from __future__ import annotations

import logging

from bot.approvals.port import Approver, Requester
from bot.directory import Directory, DirectoryUnavailable

log = logging.getLogger(__name__)


class DirectoryManagers:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    async def manager_of(self, requester: Requester) -> Approver | None:
        """The manager of the person with the requester's e-mail, when the directory knows
        both and the manager has an e-mail; None lets the item's owner approve instead."""
        if not requester.email:
            return None
        try:
            person = await self.directory.find(requester.email)
            manager = await self.directory.manager_of(person.username) if person else None
        except DirectoryUnavailable as error:
            log.warning("approvals: the directory could not be asked for a manager (%s)", error)
            return None
        if manager is None or not manager.email:
            return None
        return Approver(manager.email, manager.display_name, "manager")

    async def owner_named(self, who: str, name: str | None) -> Approver | None:
        """An owner given as a directory username, with the e-mail the directory has."""
        try:
            person = await self.directory.find(who)
        except DirectoryUnavailable as error:
            log.warning("approvals: the directory could not be asked for an owner (%s)", error)
            return None
        if person is None or not person.email:
            return None
        return Approver(person.email, name or person.display_name, "owner")
