"""The versions of everything that shapes the bytes of a shard, recorded in its dataset.json."""

from __future__ import annotations

import platform
from importlib import metadata

from vtdata.media.ffmpeg import FFmpegError, run_ffmpeg


def library_versions() -> dict:
    """Versions of everything that shapes the bytes of a shard (decoders, encoders, JPEG, tar)."""
    import av

    versions = {"python": platform.python_version()}
    dists = (
        "vtdata",
        "numpy",
        "av",
        "decord",
        "Pillow",
        "simplejpeg",
        "webdataset",
        "pyarrow",
        "imageio-ffmpeg",
    )
    for dist in dists:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    versions["pyav_ffmpeg"] = {k: ".".join(map(str, v)) for k, v in sorted(av.library_versions.items())}
    versions["ffmpeg"] = _ffmpeg_version()
    return versions


def _ffmpeg_version() -> str | None:
    try:
        first = run_ffmpeg(["-version"], timeout=30).decode("utf-8", "replace").splitlines()[0]
    except (FFmpegError, OSError, IndexError):
        return None
    return first.removeprefix("ffmpeg version ").split(" Copyright")[0]
