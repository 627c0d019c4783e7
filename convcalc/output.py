"""Every file convcalc writes goes through here: created new or, with ``force``, replaced whole.

The rules: a file is created exclusively (O_CREAT | O_EXCL), so an existing file, or a second
convcalc racing onto the same path, is refused rather than overwritten; a symbolic link at the
named path is never followed nor replaced; with ``force`` the new content goes to a temporary file
in the same directory that then takes the name in one step (``os.replace``), so readers see the old
file or the new one, never half of one; a failed write (no such directory, permission, a full
disk, an interrupt) removes what it had begun and says ``PATH: cannot write: REASON``.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import Msg

_REASONS = {errno.ENOENT: "reason_no_directory", errno.ENOTDIR: "reason_not_directory",
            errno.EACCES: "reason_permission", errno.EPERM: "reason_permission", errno.EROFS: "reason_read_only",
            errno.ENOSPC: "reason_no_space", errno.EDQUOT: "reason_no_space", errno.EISDIR: "reason_is_directory",
            errno.EFBIG: "reason_file_too_large"}
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@contextmanager
def new_file(path: str, force: bool = False) -> Iterator:
    """A binary stream whose bytes become the file ``path`` when the block ends without an error.

    Without ``force`` the file is created at once (so an existing one is refused before any work);
    with it, a temporary file beside ``path`` replaces ``path`` at the end."""
    if path.endswith((os.sep, "/")):
        raise ConvcalcError("output_unwritable", Location(path), reason=Msg("reason_names_directory"))
    if force:
        _refuse_link(path)
        try:
            descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".",
                                                     prefix=f".{os.path.basename(path)}.", suffix=".tmp")
            os.fchmod(descriptor, 0o666 & ~_umask())
        except OSError as error:
            raise _unwritable(path, error) from None
    else:
        try:
            descriptor = os.open(path, _NEW, 0o666)
        except FileExistsError:
            _refuse_link(path)
            if os.path.isdir(path):
                raise _unwritable(path, IsADirectoryError(errno.EISDIR, "")) from None
            raise ConvcalcError("output_exists", None, path=path) from None
        except OSError as error:
            raise _unwritable(path, error) from None
        temporary = path
    made = os.fstat(descriptor)
    try:
        with open(descriptor, "wb") as stream:
            yield stream
            stream.flush()
            _sync(descriptor)
        if force:
            os.replace(temporary, path)
    except BaseException as error:  # an interrupt too: what was begun is removed
        with suppress(OSError):
            now = os.lstat(temporary)
            if (now.st_dev, now.st_ino) == (made.st_dev, made.st_ino):  # still ours, not a file put there since
                os.unlink(temporary)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from None
        raise


def write_new(path: str, data: str | bytes, force: bool = False) -> None:
    """Write ``data`` (text is written as UTF-8 with LF line ends) as the file ``path``, by the rules above."""
    with new_file(path, force) as stream:
        stream.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_files(files: list[tuple[str, str | bytes]], force: bool = False) -> None:
    """Write several files, each by the rules above; when one fails, the ones this call created new
    are removed again, so a command leaves all of its files or none of them (without ``force``)."""
    created = []
    try:
        for path, data in files:
            write_new(path, data, force)
            created.append(path)
    except BaseException:
        for path in created if not force else []:
            with suppress(OSError):
                os.unlink(path)
        raise


def make_directory(path: str) -> None:
    """The directory ``path``, and its parents, made when missing."""
    try:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:  # a file, or a link to no directory, stands in its place
        _refuse_link(path)
        raise ConvcalcError("output_unwritable", Location(path), reason=Msg("reason_exists_not_directory")) from None
    except OSError as error:
        raise _unwritable(path, error) from None


def _sync(descriptor: int) -> None:
    """The file's bytes on disk (a full disk may only say so now); a file system that cannot sync is no error."""
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
            raise


def _refuse_link(path: str) -> None:
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return
    if is_link:
        raise ConvcalcError("output_symlink", Location(path))


def _unwritable(path: str, error: OSError) -> ConvcalcError:
    key = _REASONS.get(error.errno)
    return ConvcalcError("output_unwritable", Location(path),
                         reason=Msg(key) if key else error.strerror or str(error))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
