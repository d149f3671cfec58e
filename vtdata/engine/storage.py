"""Output locations that every worker reaches: a local (or shared) path, or an fsspec URL.

A location is a path (`str` or `Path`) or a URL with a scheme (`s3://bucket/shards`,
`gs://...`, `file:///mnt/x`, `memory://x`). Paths keep the plain `os` calls, so local output is
written exactly as without this module: a hidden `.<name>.tmp` renamed into place. URLs go
through fsspec: a file is made on local disk first and then uploaded, straight to its final key
on object stores (an upload appears whole or not at all, and renames there are copies), via a
hidden temporary name and a rename on filesystems where a half-written file would be visible
(`file://`). Object stores need their fsspec backend installed (`pip install s3fs`, `gcsfs`, ...),
configured as that backend reads it (for S3: `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, ... or
`~/.aws`; see docs/scale.md).

Listings are never cached: the files of a run are written by other processes (workers, other
nodes), and a listing cached by the driver would hide them (a finished shard seen as missing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

Location = str | Path


def is_url(location: Location) -> bool:
    """True for `scheme://...` strings (a `Path` never is one: it collapses the `//`)."""
    return isinstance(location, str) and "://" in location


def join(location: Location, *names: str) -> Location:
    """`location / name / ...`: a `Path` for paths, a `/`-joined string for URLs."""
    if is_url(location):
        return "/".join([location.rstrip("/"), *names])
    return Path(location).joinpath(*names)


def name_of(location: Location) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1] if is_url(location) else Path(location).name


def makedirs(location: Location) -> None:
    if is_url(location):
        fs, path = _fs(location)
        fs.makedirs(path, exist_ok=True)
    else:
        Path(location).mkdir(parents=True, exist_ok=True)


def size(location: Location) -> int | None:
    """Size in bytes of the file at `location`, None when there is none."""
    if is_url(location):
        fs, path = _fs(location)
        try:
            return None if fs.isdir(path) else fs.size(path)
        except FileNotFoundError:
            return None
    path = Path(location)
    return path.stat().st_size if path.is_file() else None


def read_bytes(location: Location) -> bytes:
    """The file's bytes; `FileNotFoundError` when there is none."""
    if is_url(location):
        fs, path = _fs(location)
        return fs.cat_file(path)
    return Path(location).read_bytes()


def write_bytes(location: Location, data: bytes) -> None:
    """Write a whole file atomically (readers see the old file or the new one), making its folder."""
    if is_url(location):
        fs, path = _fs(location)
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        if _renames(fs):
            tmp = _hidden(path)
            fs.pipe_file(tmp, data)
            fs.mv(tmp, path)
        else:
            fs.pipe_file(path, data)
        return
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def publish(local: Path, location: Location) -> None:
    """Move the finished local file `local` to `location` atomically (an upload for URLs)."""
    if not is_url(location):
        os.replace(local, location)
        return
    fs, path = _fs(location)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    if _renames(fs):
        tmp = _hidden(path)
        fs.put_file(str(local), tmp)
        fs.mv(tmp, path)
    else:
        fs.put_file(str(local), path)
    local.unlink()


def remove(location: Location) -> None:
    """Delete a file if it is there."""
    if is_url(location):
        fs, path = _fs(location)
        try:
            fs.rm_file(path)
        except FileNotFoundError:
            pass
    else:
        Path(location).unlink(missing_ok=True)


def remove_tree(location: Location) -> None:
    """Delete a folder and everything in it, if it is there."""
    if is_url(location):
        fs, path = _fs(location)
        if fs.exists(path):
            fs.rm(path, recursive=True)
    else:
        shutil.rmtree(location, ignore_errors=True)


def glob(location: Location, pattern: str) -> list[Location]:
    """Files directly in the folder `location` whose names match `pattern` (`*`, `?`), sorted."""
    if not is_url(location):
        folder = Path(location)
        return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []
    fs, path = _fs(location)
    found = fs.glob(f"{path.rstrip('/')}/{pattern}")
    return sorted(join(location, p.rsplit("/", 1)[-1]) for p in found if not fs.isdir(p))


def filesystem(url: str):
    """`(fsspec filesystem, path)` of a URL, to open files on it."""
    return _fs(url)


def _fs(url: str):
    try:
        from fsspec.core import url_to_fs
    except ImportError as exc:
        raise RuntimeError(f"{url}: writing to a URL needs fsspec: pip install 'vtdata[ray]'") from exc
    return url_to_fs(url, use_listings_cache=False)


def _renames(fs) -> bool:
    """Whether files must be renamed into place: a filesystem that shows half-written files."""
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def _hidden(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/.{name}.tmp"
