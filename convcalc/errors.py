"""Typed errors with stable catalogue keys; the text lives in ``convcalc.i18n``."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import TYPE_CHECKING

from convcalc.text import visible

if TYPE_CHECKING:
    from convcalc.i18n import Msg


@dataclass(frozen=True)
class Location:
    """A place in a spec file; line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self):
        parts = [visible(self.file)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class ConvcalcError(Exception):
    """Input convcalc cannot analyse (exit code 2): a catalogue key, its parameters and a place."""

    exit_code = 2

    def __init__(self, key: str, location: Location | None = None, /, **params):
        super().__init__(key)
        self.key = key
        self.location = location
        self.params = params

    def render(self, lang: str = "en") -> str:
        from convcalc.i18n import translate

        message = translate(self.key, lang, **self.params)
        return f"{self.location}: {message}" if self.location else message


class FieldProblem(ValueError):
    """A check across a layer's fields (a pydantic model validator) that fails, charged to the
    field whose value breaks it, so that the message names that field and points at its value
    (a Msg message reads in the user's language).

    >>> FieldProblem("groups", "filters (6) must be a multiple of groups (4)").field
    'groups'
    """

    def __init__(self, field: str, message: str | Msg):
        super().__init__(message)
        self.field = field


class LayerError(Exception):
    """A layer cannot accept what reaches it (an inconsistency: exit code 1)."""

    def __init__(self, key: str, /, **params):
        super().__init__(key)
        self.key = key
        self.params = params


_READING_REASONS = {errno.ENOENT: "reason_no_such_file", errno.ENOTDIR: "reason_not_directory",
                    errno.EACCES: "reason_permission", errno.EPERM: "reason_permission",
                    errno.EISDIR: "reason_is_directory"}


def reading_reason(error: OSError):
    """Why a file could not be read, as a catalogue message where the system's reason is a common
    one (the system's own text is in its locale's language, usually English), else that text."""
    from convcalc.i18n import Msg

    key = _READING_REASONS.get(error.errno)
    return Msg(key) if key else error.strerror or str(error)
