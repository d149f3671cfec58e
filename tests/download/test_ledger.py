import sqlite3
import subprocess
import sys
import textwrap

import pytest

from vtdata.download.ledger import Ledger, Prior
from vtdata.records.ledger import LedgerEntry


def _ok(i: str, **kw) -> LedgerEntry:
    return LedgerEntry(id=i, status="ok", url=f"http://h/{i}.mp4", path=f"media/aa/{i}.mp4", bytes=10, **kw)


def _failed(i: str, reason: str) -> LedgerEntry:
    return LedgerEntry(
        id=i, status="failed", url=f"http://h/{i}.mp4", reason=reason, message="HTTP 404 Not Found"
    )


def test_roundtrip_keeps_every_field(tmp_path):
    entry = _ok(
        "a",
        subtitles={"en": "media/aa/a.en.vtt"},
        duration=3.5,
        width=96,
        height=64,
        fps=10.0,
        backend="ytdlp",
        attempts=2,
        message="ok after 2 attempts",
        offset=1.5,
        media="video",
    )
    with Ledger(tmp_path) as ledger:
        ledger.put(entry)
        got = ledger.get("a")
    assert got.updated > 0
    got.updated = entry.updated = 0
    assert got == entry
    with Ledger(tmp_path) as ledger:
        assert ledger.get("missing") is None


def test_entries_filter_by_status_and_reason(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.put_many([_ok("b"), _ok("a"), _failed("c", "not_found"), _failed("d", "timeout")])
        assert [e.id for e in ledger.entries()] == ["a", "b"]
        assert [e.id for e in ledger.entries("failed")] == ["c", "d"]
        assert [e.id for e in ledger.entries("failed", reason="timeout")] == ["d"]
        assert len(list(ledger.entries(None))) == len(ledger) == 4
        assert ledger.counts() == {"ok": 2, "not_found": 1, "timeout": 1}
        assert ledger.priors_of(["c", "nope"]) == {"c": Prior("failed", "not_found", 0)}


def test_put_replaces_the_row_of_an_id(tmp_path):
    with Ledger(tmp_path) as ledger:
        ledger.put(_failed("a", "timeout"))
        ledger.put(_ok("a"))
        assert len(ledger) == 1
        assert ledger.get("a").status == "ok"


def test_wal_mode_and_readers_see_committed_rows_while_writer_is_open(tmp_path):
    with Ledger(tmp_path) as writer:
        writer.put(_ok("a"))
        assert writer._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        with Ledger(tmp_path, readonly=True) as reader:
            assert reader.get("a").status == "ok"
            writer.put(_ok("b"))
            assert [e.id for e in reader.entries()] == ["a", "b"]


def test_readonly_needs_an_existing_ledger_and_writer_an_existing_store(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `vtdata download` first"):
        Ledger(tmp_path, readonly=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Ledger(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_older_ledger_gains_new_columns(tmp_path):
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute("CREATE TABLE entries (id TEXT PRIMARY KEY, status TEXT, url TEXT, subtitles TEXT)")
    db.execute("INSERT INTO entries VALUES ('old', 'ok', 'http://h/x', '{}')")
    db.commit()
    db.close()
    with Ledger(tmp_path) as ledger:
        old = ledger.get("old")
        assert old.status == "ok" and old.offset == 0.0
        ledger.put(_ok("new", offset=2.0))
        assert ledger.get("new").offset == 2.0


@pytest.mark.slow
def test_committed_row_survives_sigkill_of_the_writer(tmp_path):
    code = textwrap.dedent(
        f"""
        import os, signal
        from vtdata.download.ledger import Ledger
        from vtdata.records.ledger import LedgerEntry
        ledger = Ledger({str(tmp_path)!r})
        ledger.put(LedgerEntry(id="survivor", status="ok", path="media/aa/survivor.mp4"))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9, proc.stderr
    with Ledger(tmp_path, readonly=True) as ledger:
        assert ledger.get("survivor").status == "ok"
