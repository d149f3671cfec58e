"""`vtdata.report.build` and `vtdata report`: what the page holds, escaped; the same bytes for the
same input and seed; one-line errors for what is not a vtdata output."""

import re

import pytest
from click.testing import CliRunner

from vtdata.cli import main
from vtdata.download.ledger import Ledger
from vtdata.records.ledger import LedgerEntry
from vtdata.records.names import SOURCES_NAME
from vtdata.records.sources import SourceItem, write_sources
from vtdata.report.build import build_report, collect
from vtdata.report.config import ReportConfig
from vtdata.report.discover import NotVtdata, discover
from vtdata.report.page import CSP, render
from vtdata.report.shards import Shown

HOSTILE = '<script>alert("x")</script><img src="http://example.com/x.png">'


@pytest.fixture
def failing_store(tmp_path):
    """A real download store: 5 sources, 2 downloaded, 3 failed (2 not_found, 1 corrupt) with
    messages holding HTML that must be shown as text."""
    store = tmp_path / "corpus" / "download"
    store.mkdir(parents=True)
    items = [
        SourceItem(id=f"v{i}", source_id=f"v{i}", dataset="t", media="video", url=f"u{i}") for i in range(5)
    ]
    write_sources(items, store / SOURCES_NAME)
    with Ledger(store) as ledger:
        ledger.put_many(
            [
                LedgerEntry("v0", "ok", bytes=1000, duration=2.0, width=96, height=64),
                LedgerEntry("v1", "ok", bytes=3000, duration=4.0, width=96, height=64),
                LedgerEntry("v2", "failed", reason="not_found", message=f"HTTP 404 {HOSTILE}"),
                LedgerEntry("v3", "failed", reason="not_found", message="HTTP 410 gone"),
                LedgerEntry("v4", "failed", reason="corrupt", message="moov atom not found"),
            ]
        )
    return store


def _counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-count="([^"]+)">([^<]+)<', page))


def test_store_counts_losses_and_examples(failing_store, tmp_path):
    page = build_report(ReportConfig(path=failing_store.parent, output=tmp_path / "out")).read_text()
    counts = _counts(page)
    assert counts["download:sources"] == "5" and counts["download:ok"] == "2"
    assert counts["download:download:not_found"] == "2" and counts["download:download:corrupt"] == "1"
    assert "3 failed" in page
    assert "<code>v2</code>: HTTP 404 &lt;script&gt;" in page and "moov atom not found" in page
    assert "<script" not in page and 'src="http' not in page
    assert all(src.startswith("data:image/") for src in re.findall(r'src="([^"]*)"', page))


def test_page_escapes_everything_from_the_data(failing_store):
    report = collect(ReportConfig(path=failing_store))
    facts = report.groups[0].store[1]
    facts.losses[0].examples.append((f'"><b id="{HOSTILE}', HOSTILE))
    page = render(report)
    assert f'content="{CSP}"' in page and "default-src 'none'" in CSP
    assert "<script" not in page and "<b id" not in page
    assert re.findall(r"<img [^>]*>", page) == re.findall(
        r'<img (?:class="\w+" )?src="data:[^"]*" alt="[^"<>]*">', page
    )


def test_gallery_captions_are_text(failing_store):
    import numpy as np

    from vtdata.report.discover import Part
    from vtdata.report.shards import ShardFacts
    from vtdata.report.stream import Distribution

    report = collect(ReportConfig(path=failing_store))
    frame = np.zeros((8, 8, 3), dtype=np.uint8)
    shown = Shown(HOSTILE, HOSTILE, "train-000000.tar", "train", 0.0, 1.0, HOSTILE, [frame, frame])
    dist = Distribution("d")
    facts = ShardFacts({}, [], dist, dist, dist, dist, [shown], "frames", None)
    report.groups[0].shards.append((Part("shard folder", failing_store, "x"), facts))
    page = render(report)
    assert 'id="gallery"' in page and "<script" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 3  # caption, clip id, source id


@pytest.mark.slow
def test_same_input_and_seed_give_the_same_bytes(quickstart, tmp_path):
    webvid = quickstart / "webvid"
    first = build_report(ReportConfig(path=webvid, output=tmp_path / "a", samples=3, seed=1)).read_bytes()
    again = build_report(ReportConfig(path=webvid, output=tmp_path / "b", samples=3, seed=1)).read_bytes()
    other = build_report(ReportConfig(path=webvid, output=tmp_path / "c", samples=3, seed=2)).read_bytes()
    assert first == again
    assert first != other  # another seed draws other samples
    assert b'id="gallery"' in first and first.count(b"data:image/gif") == 3


def test_what_is_not_vtdata_fails_with_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(NotVtdata, match="not a vtdata output"):
        discover(tmp_path)
    runner = CliRunner()
    for target in (tmp_path, tmp_path / "notes.txt", tmp_path / "missing"):
        result = runner.invoke(main, ["report", str(target)])
        assert result.exit_code == 1, result.output
        assert len(result.output.strip().splitlines()) == 1 and str(target) in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "report").exists()


def test_report_command_writes_one_file(failing_store, tmp_path):
    result = CliRunner().invoke(
        main, ["report", str(failing_store), "-o", str(tmp_path / "out"), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.html"]
    assert "index.html" in result.output
    assert "--samples" in CliRunner().invoke(main, ["report", "--help"]).output
