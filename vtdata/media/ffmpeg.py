"""Locate and run the ffmpeg binary.

`pip install vtdata` must be enough, so when no `ffmpeg` is on PATH we use the static
binary shipped in the `imageio-ffmpeg` wheel. ffmpeg is always called with an argument
list, never through a shell.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


class FFmpegError(RuntimeError):
    """ffmpeg exited non-zero; `stderr_tail` keeps the lines that say why."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str):
        self.args_list = list(args)
        self.returncode = returncode
        self.stderr_tail = "\n".join(stderr.strip().splitlines()[-8:])
        super().__init__(f"ffmpeg exited with {returncode}: {self.stderr_tail}")


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg to use: $VTDATA_FFMPEG, else `ffmpeg` on PATH, else imageio-ffmpeg's."""
    env = os.environ.get("VTDATA_FFMPEG")
    if env:
        return env
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@functools.cache
def ffmpeg_dir() -> str:
    """A directory holding an executable named exactly `ffmpeg`.

    yt-dlp finds ffmpeg by name inside `ffmpeg_location`; imageio-ffmpeg's binary has a
    versioned file name, so we expose it through a symlink in a private cache folder.
    """
    exe = Path(ffmpeg_exe())
    if exe.name == "ffmpeg":
        return str(exe.parent)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vtdata" / "bin"
    cache.mkdir(parents=True, exist_ok=True)
    link = cache / "ffmpeg"
    if not (link.is_symlink() and os.readlink(link) == str(exe)):
        tmp = cache / f".ffmpeg.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(exe)
        os.replace(tmp, link)
    return str(cache)


def _die_with_parent():
    """A `preexec_fn` that makes ffmpeg die with the process that started it (Linux: the kernel sends
    it SIGKILL; elsewhere None), so a killed shard worker leaves no ffmpeg behind. The C function is
    looked up here, once: in the forked child only the call itself runs."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

    def arm() -> None:
        prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL

    return arm


_DIE_WITH_PARENT = _die_with_parent()


def run_ffmpeg(args: Sequence[str], *, timeout: float | None = None, input: bytes | None = None) -> bytes:
    """Run `ffmpeg -nostdin -hide_banner -loglevel error <args>`; return stdout, raise FFmpegError."""
    return run_ffmpeg_logged(args, timeout=timeout, input=input)[0]


def run_ffmpeg_logged(
    args: Sequence[str], *, timeout: float | None = None, input: bytes | None = None
) -> tuple[bytes, str]:
    """`run_ffmpeg`, also returning what it logged (errors only) on success: a damaged input
    decodes "successfully", and its stderr is the only sign (`media.damage`)."""
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", *map(str, args)]
    proc = subprocess.run(
        cmd, input=input, capture_output=True, timeout=timeout, check=False, preexec_fn=_DIE_WITH_PARENT
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise FFmpegError(cmd, proc.returncode, stderr)
    return proc.stdout, stderr
