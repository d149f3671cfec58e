"""Fetch media with yt-dlp or plain HTTP into a resumable, verified download store.

`download(sources, store, config)` runs a whole table; `download_one(item, store, config)`
fetches one item and returns its ledger row (any executor can run it); `Ledger(store)` reads
what a store holds.
"""

from vtdata.download.config import DownloadConfig
from vtdata.download.job import download_one
from vtdata.download.ledger import Ledger
from vtdata.download.plan import Task, plan
from vtdata.download.record import LedgerEntry, Reason
from vtdata.download.runner import DownloadSummary, ProgressUpdate, download

__all__ = [
    "DownloadConfig",
    "DownloadSummary",
    "Ledger",
    "LedgerEntry",
    "ProgressUpdate",
    "Reason",
    "Task",
    "download",
    "download_one",
    "plan",
]
