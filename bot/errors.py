"""One exception hierarchy. Each layer catches at one boundary and answers kindly."""

from __future__ import annotations


class SpocError(Exception):
    """Base of every error spoc raises on purpose."""

    code = "internal_error"
    status = 500


class BadInput(SpocError):
    code = "bad_request"
    status = 400


class TooLarge(SpocError):
    code = "payload_too_large"
    status = 413


class NotFound(SpocError):
    code = "not_found"
    status = 404


class Unauthorized(SpocError):
    code = "unauthorized"
    status = 401


class Expired(SpocError):
    code = "session_expired"
    status = 410


class RateLimited(SpocError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DuplicateDelivery(SpocError):
    """The inbound message was already processed (its idempotency key is stored)."""

    code = "duplicate"
    status = 200


class ConfigError(SpocError):
    code = "config_error"


class Forbidden(SpocError):
    code = "forbidden"
    status = 403


class Conflict(SpocError):
    """The request lost a race or does not fit the current state (another agent claimed
    the conversation first)."""

    code = "conflict"
    status = 409
