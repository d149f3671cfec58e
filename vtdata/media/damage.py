"""Damaged media: count the decoder's errors and the frames they spoil, per clip.

A file with a few flipped bytes still demuxes and its first frame decodes, so it passes download
verification; FFmpeg then *conceals* the broken macroblocks and hands back frames that look
wrong, saying so only in its log. So every decoded clip gets two counts:

- `decode_errors`: error lines the decoder logged while the clip decoded (plus packets it
  refused outright);
- `damaged_frames`: sampled frames the decoder concealed (FFmpeg flags them corrupt), or decoded
  from such a frame before the next keyframe (errors propagate through P/B frames until a
  keyframe resets them). Counted from the frames themselves, so exact whatever the threading.

Where the log comes from:
- PyAV: `av.logging`, switched on (level ERROR, all threads) only while a clip decodes, then
  restored (`DecodeLog`), so intact files pay nothing; and each frame's corrupt flag;
- decord: its own bundled FFmpeg's `av_log` callback is hooked through ctypes (`decord_errors`);
  any error there hands the file to PyAV, which counts per clip;
- the ffmpeg binary (the clip store): its stderr (`stderr_errors`); when it reports errors the
  clip is recounted with PyAV to find the damaged frames.

`decode_errors` is less exact than `damaged_frames`: with frame threading the decoder reads a
few packets ahead, so an error in them may be logged while the clip before is decoding (a
truncated file's last packet does that). Hence the failure threshold is on damaged frames.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import threading

import av
import av.logging

log = logging.getLogger(__name__)

DAMAGED = "damaged"  # failure reason: more damaged frames than decode.max_damaged_frames
AV_LOG_ERROR = 16  # FFmpeg's level of "concealing ... errors", "error while decoding MB ..."


_level_lock = threading.Lock()
_level_users = [0, None]  # DecodeLogs open in this process, the level to restore after the last


class DecodeLog:
    """FFmpeg errors logged through PyAV while this block runs (see the module docstring).

    `count()` is the number of error lines so far; `refused()` adds a packet the decoder rejected.
    Blocks open at once in several threads share the switch: the last one out restores the level
    (their counts may then mix; the damaged frames, read from the frames, never do).
    """

    def __enter__(self) -> DecodeLog:
        with _level_lock:
            if _level_users[0] == 0:
                _level_users[1] = av.logging.get_level()
                av.logging.set_level(av.logging.ERROR)
            _level_users[0] += 1
        self._capture = av.logging.Capture(local=False)
        self._logs = self._capture.__enter__()
        self._refused = 0
        return self

    def count(self) -> int:
        return len(self._logs) + self._refused

    def refused(self) -> None:
        self._refused += 1

    def lines(self, n: int = 3) -> list[str]:
        """The first `n` messages, for an error message."""
        return [str(entry[2]).strip() for entry in list(self._logs)[:n]]

    def __exit__(self, *exc) -> None:
        try:
            self._capture.__exit__(*exc)
        finally:
            with _level_lock:
                _level_users[0] -= 1
                if _level_users[0] == 0:
                    av.logging.set_level(_level_users[1])


class FrameDamage:
    """Which decoded frames are damaged, fed frame by frame in decoding order.

    `see(frame)` says whether this frame is damaged: FFmpeg flags a frame it concealed
    (`is_corrupt`), and every frame after it is damaged too until an intact keyframe. `reset()`
    after a seek or restart (the decoder starts again at a keyframe).
    """

    def __init__(self) -> None:
        self.tainted = False

    def reset(self) -> None:
        self.tainted = False

    def see(self, frame) -> bool:
        corrupt = bool(frame.is_corrupt)
        if frame.key_frame and not corrupt:
            self.tainted = False
        if corrupt:
            self.tainted = True
        return self.tainted


# --- decord ----------------------------------------------------------------------------------

_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_hook_lock = threading.Lock()
_hook: dict = {}  # "callback" (kept alive), "installed" (bool)
_decord_errors = [0]


def _on_decord_log(avcl, level, fmt, args) -> None:  # runs in decord's decoder threads
    if level <= AV_LOG_ERROR:
        _decord_errors[0] += 1


def decord_errors() -> int | None:
    """Errors decord's FFmpeg has logged in this process, or None when its log cannot be hooked
    (then decord must not be trusted with damage: the caller uses PyAV)."""
    with _hook_lock:
        if "installed" not in _hook:
            _hook["installed"] = _install_decord_hook()
        if not _hook["installed"]:
            return None
    return _decord_errors[0]


def _install_decord_hook() -> bool:
    try:
        import decord
    except ImportError:
        return False
    base = os.path.dirname(os.path.dirname(decord.__file__))
    found = sorted(glob.glob(os.path.join(base, "decord.libs", "libavutil*.so*")))
    try:
        lib = ctypes.CDLL(found[0]) if found else ctypes.CDLL("libavutil.so.56")
        callback = _CALLBACK(_on_decord_log)
        lib.av_log_set_callback(callback)
    except (OSError, AttributeError, IndexError) as exc:
        log.debug("cannot hook decord's FFmpeg log (%s); damaged files go to PyAV only", exc)
        return False
    _hook["callback"], _hook["lib"] = callback, lib
    return True


# --- the ffmpeg binary -----------------------------------------------------------------------


def stderr_errors(stderr: str) -> list[str]:
    """The decoder error lines of an `ffmpeg -loglevel error` run (each names its decoder)."""
    return [line.strip() for line in stderr.splitlines() if line.strip()]
