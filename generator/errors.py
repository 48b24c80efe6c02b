"""Fatal problems. Everything a user can cause that stops a command is a
`SasaeaiError`: the CLI prints its Japanese message and exits with its code."""
from __future__ import annotations

import errno

from . import messages


class SasaeaiError(Exception):
    """Base of every fatal, user-caused problem."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LedgerError(SasaeaiError):
    """The ledger cannot be read at all: a missing, broken, locked or non-xlsx
    file, or a missing required sheet or column. `code` is a finding code."""

    def __init__(self, code: str, message: str, sheet: str = "", cell: str = ""):
        super().__init__(message)
        self.code = code
        self.sheet = sheet
        self.cell = cell


class UsageError(SasaeaiError):
    """Options that do not fit together or a value the user typed that is wrong."""


class OutputError(SasaeaiError):
    """An output file or folder that cannot be written."""


class TemplateError(SasaeaiError):
    """A .docx template that cannot be read, compiled or rendered."""


_REASONS = {
    errno.EACCES: messages.OS_NO_PERMISSION, errno.EPERM: messages.OS_NO_PERMISSION,
    errno.EROFS: messages.OS_READ_ONLY, errno.ENOSPC: messages.OS_NO_SPACE,
    errno.ENOTDIR: messages.OS_NOT_DIR, errno.ENOENT: messages.OS_NO_SUCH_PLACE,
    errno.EISDIR: messages.OS_IS_DIR, errno.ENAMETOOLONG: messages.OS_NAME_TOO_LONG,
    errno.EIO: messages.OS_IO_ERROR, errno.EEXIST: messages.OS_EXISTS,
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = messages.OS_NO_SPACE


def os_reason(exc: OSError) -> str:
    """Why an operating-system call failed, in Japanese where the reason is a common one."""
    return _REASONS.get(exc.errno, exc.strerror or type(exc).__name__)
