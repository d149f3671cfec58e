"""The one exception the media layer raises, carrying a failure reason the shard stats can count."""

from __future__ import annotations

CORRUPT = "corrupt"  # the container or the stream cannot be read (truncated, garbage, broken packets)
UNSUPPORTED = "unsupported"  # readable, but no decoder / no video stream / a format we refuse
EMPTY = "empty"  # the file is fine but holds no frame in the requested range
ERROR = "error"  # anything else (a timeout, an ffmpeg failure); the message says what
TOO_LARGE = "too_large"  # an image over the decompression-bomb limit (when verifying a download)

REASONS = (CORRUPT, UNSUPPORTED, EMPTY, ERROR, TOO_LARGE)


class MediaError(Exception):
    """A media file (or one clip of it) cannot be used; `reason` is one of `REASONS`."""

    def __init__(self, reason: str, message: str):
        if reason not in REASONS:
            raise ValueError(f"unknown media failure reason {reason!r}; expected one of {REASONS}")
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


def classify_av_error(exc: BaseException) -> str:
    """Map a PyAV/decord exception to a reason: bad bytes are `corrupt`, missing decoders `unsupported`."""
    import av

    if isinstance(exc, MediaError):
        return exc.reason
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return ERROR
    if isinstance(exc, (av.error.InvalidDataError, av.error.EOFError, EOFError)):
        return CORRUPT
    if isinstance(
        exc,
        (
            av.error.DecoderNotFoundError,
            av.error.DemuxerNotFoundError,
            av.error.PatchWelcomeError,
            av.codec.codec.UnknownCodecError,
        ),
    ):
        return UNSUPPORTED
    if isinstance(exc, av.error.FFmpegError):
        return CORRUPT
    return ERROR
