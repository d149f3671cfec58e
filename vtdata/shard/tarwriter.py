"""Write WebDataset tars that are byte-identical from run to run, and appear only when complete.

Members carry no time, owner or mode of this machine (mtime 0, uid/gid 0, no user names, mode
0644) and a sample's members are written in sorted name order, so the same samples always give
the same bytes. Each tar is written under a hidden temporary name (`.<name>.tar.tmp`) and renamed
by `commit`; a killed run leaves only temporary files, which the next run removes.

With `max_bytes`, a sample that would push the tar past the limit starts a new part instead:
`<name>.tar`, then `<name>_1.tar`, `<name>_2.tar`, ... (a single sample larger than the limit
still gets written, alone in its part). The split depends only on the samples' bytes, so it is
as reproducible as they are.

When the output is a URL (`s3://...`, see `vtdata.engine.storage`), the parts are written in a
local temporary folder and `commit` uploads them.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from pathlib import Path

from vtdata.engine import storage

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE


def part_name(name: str, part: int) -> str:
    return f"{name}.tar" if part == 0 else f"{name}_{part}.tar"


def member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def sample_tar_bytes(key: str, members: dict[str, bytes]) -> int:
    """Bytes the sample takes in a tar: headers (PAX ones for long names included) and padded data."""
    total = 0
    for ext, data in members.items():
        header = member_info(f"{key}.{ext}", len(data)).tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        total += len(header) + -(-len(data) // BLOCK) * BLOCK
    return total


def closed_size(position: int) -> int:
    """Size of a tar file after `close()`: two zero blocks, padded to a whole record."""
    return -(-(position + 2 * BLOCK) // RECORD) * RECORD


class ShardWriter:
    """Samples into `<out_dir>/<name>.tar` (and further parts); nothing is visible before `commit`."""

    def __init__(self, out_dir: str | Path, name: str, max_bytes: int | None = None):
        url = storage.is_url(out_dir)
        self.out_dir = out_dir if url else Path(out_dir)
        self.stage = Path(tempfile.mkdtemp(prefix="vtdata-shard-")) if url else self.out_dir
        self.name = name
        self.max_bytes = max_bytes
        self._parts: list[str] = []
        self._tar: tarfile.TarFile | None = None
        self._file: io.BufferedWriter | None = None
        self._samples_in_part = 0

    def _tmp(self, final: str) -> Path:
        return self.stage / f".{final}.tmp"

    def _open_part(self) -> None:
        self._close_part()
        final = part_name(self.name, len(self._parts))
        self._parts.append(final)
        self._file = open(self._tmp(final), "wb")  # noqa: SIM115 - closed in _close_part
        self._tar = tarfile.open(fileobj=self._file, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8")
        self._samples_in_part = 0

    def _close_part(self) -> None:
        if self._tar is not None:
            self._tar.close()
            self._file.close()
            self._tar = self._file = None

    def write(self, key: str, members: dict[str, bytes]) -> str:
        """Add one sample (`{"json": b"...", "000.jpg": b"..."}`); returns the tar file name it went to."""
        if self._tar is None:
            self._open_part()
        elif self.max_bytes is not None and self._samples_in_part:
            grown = self._file.tell() + sample_tar_bytes(key, members)
            if closed_size(grown) > self.max_bytes:
                self._open_part()
        for ext in sorted(members):
            data = members[ext]
            self._tar.addfile(member_info(f"{key}.{ext}", len(data)), io.BytesIO(data))
        self._samples_in_part += 1
        return self._parts[-1]

    def commit(self) -> dict[str, int]:
        """Close and rename every part into place; returns {file name: bytes}."""
        self._close_part()
        sizes = {}
        for final in self._parts:
            tmp = self._tmp(final)
            sizes[final] = tmp.stat().st_size
            storage.publish(tmp, storage.join(self.out_dir, final))
        self._drop_stage()
        return sizes

    def abort(self) -> None:
        """Drop everything written so far."""
        self._close_part()
        for final in self._parts:
            self._tmp(final).unlink(missing_ok=True)
        self._parts = []
        self._drop_stage()

    def _drop_stage(self) -> None:
        if self.stage != self.out_dir:
            shutil.rmtree(self.stage, ignore_errors=True)
