"""The download ledger: one SQLite row per id, crash-safe, readable while a run is writing.

SQLite in WAL mode with `synchronous=NORMAL` keeps every committed row through a `kill -9` of
the writer (only a power cut may lose the last commits), and readers (align, shard, a second
shell) never block the writer. Only the process that runs the download writes; every row is
written once the item's file is already in its final place, so an `ok` row always has its file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from vtdata.records.ledger import SCHEMA_VERSION, LedgerEntry
from vtdata.records.names import LEDGER_NAME

_COLUMNS = [f.name for f in fields(LedgerEntry)]
_TYPES = {"attempts": "INTEGER", "bytes": "INTEGER", "width": "INTEGER", "height": "INTEGER"}
_REALS = {"duration", "fps", "updated", "offset"}


def _column_sql(name: str) -> str:
    if name == "id":
        return "id TEXT PRIMARY KEY"
    kind = _TYPES.get(name) or ("REAL" if name in _REALS else "TEXT")
    return f'"{name}" {kind}'


@dataclass(frozen=True)
class Prior:
    """What the ledger already says about an id: enough to decide whether to fetch it again."""

    status: str
    reason: str | None
    attempts: int


class LedgerError(ValueError):
    """A file named ledger.sqlite that is not a ledger this vtdata can read; the message says why."""


class Ledger:
    """Open (creating if needed) `<store>/ledger.sqlite`.

    `readonly=True` never creates anything and fails when the store has no ledger yet.
    Use as a context manager, or call `close()`.
    """

    def __init__(self, store: str | Path, *, readonly: bool = False):
        self.store = Path(store)
        self.path = self.store / LEDGER_NAME
        self._lock = threading.Lock()
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"{self.path}: no download ledger here; run `vtdata download` first")
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        else:
            if not self.store.is_dir():
                raise FileNotFoundError(f"{self.store}: store folder does not exist")
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
        try:
            if not readonly:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._create()
            self._check_version()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerError(f"{self.path}: not a vtdata download ledger ({exc})") from None
        except LedgerError:
            self._db.close()
            raise
        self._db.row_factory = sqlite3.Row

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None and str(row[0]).isdigit() else None
        if version is None:
            raise LedgerError(f"{self.path}: not a vtdata download ledger (no schema_version)")
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path}: ledger of schema_version {version}; this vtdata reads up to "
                f"{SCHEMA_VERSION}: upgrade vtdata"
            )

    def _create(self) -> None:
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.execute(f"CREATE TABLE IF NOT EXISTS entries ({', '.join(map(_column_sql, _COLUMNS))})")
            have = {row[1] for row in self._db.execute("PRAGMA table_info(entries)")}
            for name in _COLUMNS:  # ledgers written before a field was added get the column
                if name not in have:
                    self._db.execute(f"ALTER TABLE entries ADD COLUMN {_column_sql(name)}")
            self._db.execute("CREATE INDEX IF NOT EXISTS entries_status ON entries (status, reason)")

    # --- writing ---------------------------------------------------------------------------
    def put(self, entry: LedgerEntry) -> None:
        """Insert or replace one row and commit (durable once this returns)."""
        self.put_many([entry])

    def put_many(self, entries: Iterable[LedgerEntry]) -> None:
        rows = []
        for entry in entries:
            row = asdict(entry)
            row["subtitles"] = json.dumps(row["subtitles"], sort_keys=True)
            row["updated"] = row["updated"] or time.time()
            rows.append(tuple(row[c] for c in _COLUMNS))
        quoted = ", ".join(f'"{c}"' for c in _COLUMNS)
        marks = ", ".join("?" * len(_COLUMNS))
        with self._lock, self._db:
            self._db.executemany(f"INSERT OR REPLACE INTO entries ({quoted}) VALUES ({marks})", rows)

    # --- reading ---------------------------------------------------------------------------
    def get(self, item_id: str) -> LedgerEntry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM entries WHERE id = ?", (item_id,)).fetchone()
        return _entry(row) if row is not None else None

    def entries(self, status: str | None = "ok", reason: str | None = None) -> Iterator[LedgerEntry]:
        """Rows with `status` (all when None), optionally only one failure `reason`, in id order,
        streamed a few thousand at a time (a corpus's ledger never sits in memory whole)."""
        where, args = [], []
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if reason is not None:
            where.append("reason = ?")
            args.append(reason)
        sql = "SELECT * FROM entries" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
        with self._lock:
            cursor = self._db.execute(sql, args)
        while True:
            with self._lock:
                rows = cursor.fetchmany(4096)
            if not rows:
                return
            for row in rows:
                yield _entry(row)

    def lookup(self, ids: Sequence[str]) -> dict[str, LedgerEntry]:
        """The rows of `ids` that the ledger holds (by its primary key: cheap for any ledger size)."""
        found: dict[str, LedgerEntry] = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):  # under SQLite's limit on query parameters
            chunk = ids[start : start + 900]
            marks = ", ".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(f"SELECT * FROM entries WHERE id IN ({marks})", chunk).fetchall()
            found.update((row["id"], _entry(row)) for row in rows)
        return found

    def priors_of(self, ids: Sequence[str]) -> dict[str, Prior]:
        """Status, reason and attempts of those of `ids` the ledger holds (looked up by primary key)."""
        found: dict[str, Prior] = {}
        ids = list(ids)
        for start in range(0, len(ids), 900):  # under SQLite's limit on query parameters
            chunk = ids[start : start + 900]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT id, status, reason, attempts FROM entries WHERE id IN ({marks})"
            with self._lock:
                rows = self._db.execute(sql, chunk).fetchall()
            found.update((r[0], Prior(r[1], r[2], r[3] or 0)) for r in rows)
        return found

    def failure_examples(
        self, per_reason: int = 3, reasons: tuple[str, ...] = ()
    ) -> dict[str, list[LedgerEntry]]:
        """Up to `per_reason` failed rows of every failure reason (only `reasons` when given), in id order."""
        with self._lock:
            found = [
                r[0] for r in self._db.execute("SELECT DISTINCT reason FROM entries WHERE status = 'failed'")
            ]
        out: dict[str, list[LedgerEntry]] = {}
        for reason in sorted(r or "error" for r in found):
            if reasons and reason not in reasons:
                continue
            with self._lock:
                rows = self._db.execute(
                    "SELECT * FROM entries WHERE status = 'failed' AND coalesce(reason, 'error') = ? "
                    "ORDER BY id LIMIT ?",
                    (reason, per_reason),
                ).fetchall()
            out[reason] = [_entry(row) for row in rows]
        return out

    def counts(self) -> dict[str, int]:
        """`{"ok": n, "<reason>": n, ...}`: ok rows under "ok", failed rows by reason."""
        with self._lock:
            rows = self._db.execute(
                "SELECT CASE WHEN status = 'ok' THEN 'ok' ELSE coalesce(reason, 'error') END, count(*) "
                "FROM entries GROUP BY 1"
            ).fetchall()
        return {k: n for k, n in rows}

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _entry(row: sqlite3.Row) -> LedgerEntry:
    values = {k: row[k] for k in row.keys() if k in _COLUMNS}
    values["subtitles"] = json.loads(values.get("subtitles") or "{}")
    if values.get("offset") is None:
        values["offset"] = 0.0
    return LedgerEntry(**values)
