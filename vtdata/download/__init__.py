"""Fetch media with yt-dlp or plain HTTP into a resumable, verified download store.

`download(sources, store, config)` runs a whole table; `download_one(item, store, config)`
fetches one item and returns its ledger row (any engine can run it); `Ledger(store)` reads
what a store holds. The names below are imported on first use, so `vtdata.download.config`
can be read (by `vtdata download --help`) without loading yt-dlp and the decoders.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "DownloadConfig": "vtdata.download.config",
    "download_one": "vtdata.download.job",
    "Ledger": "vtdata.download.ledger",
    "Task": "vtdata.download.plan",
    "plan": "vtdata.download.plan",
    "DownloadSummary": "vtdata.download.runner",
    "ProgressUpdate": "vtdata.download.runner",
    "download": "vtdata.download.runner",
    "LedgerEntry": "vtdata.records.ledger",
    "Reason": "vtdata.records.ledger",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vtdata.download' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
