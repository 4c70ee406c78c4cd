"""Shared field types and the strictness every contract uses."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

CommitSha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
AppId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")]
PersonId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@+-]{1,128}$")]
ExecutionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a time zone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Contract(BaseModel):
    """Strict model: unknown fields are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Lenient(BaseModel):
    """A model read from a larger document (AWS events, the execution state): unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


_FORBIDDEN_IN_REF = ("..", "~", "^", ":", "?", "*", "[", "\\", "@{", " ", "//")
_DEFAULT_IGNORABLE = {"Cf"}  # format characters: zero-width and bidirectional controls


def check_ref_name(name: str) -> str:
    """Validate a branch or tag name as git would, and refuse look-alike and invisible characters.

    Raises
    ------
    ValueError
        With the rule the name breaks.
    """
    if not name:
        raise ValueError("ref name is empty")
    if len(name.encode()) > 255:
        raise ValueError("ref name is over 255 bytes")
    for bad in _FORBIDDEN_IN_REF:
        if bad in name:
            raise ValueError(f"ref name contains {bad!r}")
    for ch in name:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise ValueError("ref name contains a control character")
        if unicodedata.category(ch) in _DEFAULT_IGNORABLE:
            raise ValueError(f"ref name contains an invisible character U+{ord(ch):04X}")
        if ord(ch) > 0x7E:
            raise ValueError(f"ref name contains a non-ASCII character U+{ord(ch):04X}")
    if name.startswith(("/", ".", "-")) or name.endswith(("/", ".")) or name == "@":
        raise ValueError("ref name starts or ends with a character git forbids")
    if any(part.endswith(".lock") or part.startswith(".") for part in name.split("/")):
        raise ValueError("ref name has a component starting with '.' or ending with '.lock'")
    return name


RefName = Annotated[str, AfterValidator(check_ref_name)]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


class ErrorInfo(Lenient):
    """What a Catch puts at `$.error` (a task failure's Cause may arrive as an object)."""

    error: str = Field(alias="Error")
    cause: Annotated[str, BeforeValidator(_text)] = Field(default="", alias="Cause")


def first_error(exc) -> str:  # noqa: ANN001 - a pydantic ValidationError
    """One line naming the first invalid field and the reason."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(root)"
    return f"{loc}: {err['msg']}"
