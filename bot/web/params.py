"""Values from a URL or a body, kept to what the database can hold.

Numbers that reach SQL from a URL stay within what a row id can hold (the id columns are
INTEGER, 32 bits signed on PostgreSQL): a made-up huge id gets the usual 422 error object,
never an overflow in the database driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BeforeValidator

from bot.errors import BadInput
from bot.text import printable

MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# "Events after this one": 0 is the start.
After = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]
MaybeAfter = Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)]
MaybeRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]

# Text from another system or a form, without control characters, before its length is
# checked: a NUL byte would otherwise reach PostgreSQL, which refuses it.
Printable = Annotated[
    str, BeforeValidator(lambda value: printable(value) if isinstance(value, str) else value)
]


def last_event_id(value: str | None) -> int:
    """The message id in an event stream's Last-Event-ID header; 0 without one."""
    if not value:
        return 0
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ROW_ID:
        raise BadInput("Last-Event-ID must be a message id.")
    return int(value)
