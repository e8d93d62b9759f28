"""Signed, expiring approve/deny links for e-mail, and the CSRF token of their confirm page.

A link carries the approval's id, its nonce and the decision, signed with
``SPOC_APPROVAL_SECRET`` (itsdangerous, timestamped). It is single-use because the decision
it leads to is taken by compare-and-set; the nonce ties it to that one approval row.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.config import Settings
from bot.web.security import same_secret

log = logging.getLogger(__name__)
SALT = "spoc.approval.link"
DECISIONS = ("approve", "deny")


class LinkInvalid(Exception):
    """Not a link spoc made (edited, truncated or forged)."""


class LinkExpired(Exception):
    def __init__(self, locale: str | None) -> None:
        super().__init__("the link has expired")
        self.locale = locale


@dataclass(frozen=True, slots=True)
class LinkClaim:
    approval_id: int
    nonce: str
    approve: bool
    locale: str


class ApprovalLinks:
    def __init__(self, secret: str, *, max_age_seconds: int) -> None:
        self._secret = secret.encode()
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age_seconds = max_age_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> ApprovalLinks:
        secret = settings.approval_secret.get_secret_value() if settings.approval_secret else ""
        if not secret:
            log.warning(
                "SPOC_APPROVAL_SECRET is not set: approval links sent now stop working when "
                "spoc restarts"
            )
            secret = secrets.token_urlsafe(32)
        # A link answers until the approval expires (then it says so, like a used one): the
        # approver who opens the first mail on day four is not sent to the telephone.
        hours = max(settings.approval_link_hours, settings.approval_expiry_hours)
        return cls(secret, max_age_seconds=hours * 3600)

    def token(self, *, approval_id: int, nonce: str, approve: bool, locale: str) -> str:
        payload = {"a": approval_id, "n": nonce, "d": DECISIONS[0 if approve else 1], "l": locale}
        return str(self._serializer.dumps(payload))

    def read(self, token: str) -> LinkClaim:
        try:
            payload = self._serializer.loads(token, max_age=self.max_age_seconds)
        except SignatureExpired as error:
            raise LinkExpired(self._locale_of(error.payload)) from error
        except BadSignature as error:
            raise LinkInvalid("bad signature") from error
        try:
            return LinkClaim(
                int(payload["a"]), str(payload["n"]), payload["d"] == "approve", str(payload["l"])
            )
        except (KeyError, TypeError, ValueError) as error:
            raise LinkInvalid("bad payload") from error

    def _locale_of(self, payload: Any) -> str | None:
        """The language of an expired link's page (its signature was good, only old)."""
        try:
            data = self._serializer.load_payload(payload)
        except BadData:
            return None
        locale = data.get("l") if isinstance(data, dict) else None
        return locale if isinstance(locale, str) else None

    def csrf_token(self, *, link: str, cookie: str) -> str:
        message = f"csrf|{cookie}|{link}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def csrf_ok(self, *, link: str, cookie: str | None, given: str | None) -> bool:
        if not cookie or not given:
            return False
        return same_secret(self.csrf_token(link=link, cookie=cookie), given)
