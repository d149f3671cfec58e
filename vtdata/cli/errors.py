"""How a failed command reports: one line that names the culprit, never a traceback (unless --debug).

Exit codes: 2 for usage errors (a bad option, a config key that does not exist), 1 for a run
that failed or produced nothing, 130 for Ctrl-C. The library raises exceptions whose messages
already say what, where and what to do; this module only chooses the exit code and, for the
operating system's errors, words them with the file they name.
"""

from __future__ import annotations

import errno

import click

DEBUG_ENV = "VTDATA_DEBUG"


def one_line(exc: BaseException) -> str:
    """The message for an exception that escaped a command."""
    from vtdata.config.typed import ConfigError

    if isinstance(exc, OSError) and not isinstance(exc, ConfigError) and exc.errno is not None:
        where = exc.filename or ""
        what = _OS_WORDS.get(exc.errno, (exc.strerror or str(exc)).lower())
        return f"{where}: {what}" if where else what
    text = str(exc).strip() or type(exc).__name__
    if type(exc).__module__.startswith("vtdata.") or isinstance(exc, (ValueError, OSError)):
        return text.splitlines()[0]
    return (
        f"internal error: {type(exc).__name__}: {text.splitlines()[0]} "
        "(rerun with --debug for the traceback, and please report it)"
    )


_OS_WORDS = {
    errno.EACCES: "permission denied (cannot write or read here)",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "is not a folder",
}


def to_click(exc: BaseException, ctx: click.Context) -> click.ClickException:
    """The click exception (and so the exit code) for an exception a command raised."""
    from vtdata.config.typed import ConfigError

    if isinstance(exc, ConfigError):
        return click.UsageError(str(exc), ctx)
    return click.ClickException(one_line(exc))
