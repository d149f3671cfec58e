"""The quickstart's report in a real headless Chromium (Debian's `chromium`, driven over the DevTools
protocol): no console error, no request that leaves the machine, every image loaded, a page that
is not blank, and every count shown equal to the file it came from.

Skipped, with the reason, where no Chromium is installed (`.ci/run` installs Debian's).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.report.cdp import BROWSER_ENV, Browser, find_browser
from vtdata.download.ledger import Ledger
from vtdata.records.names import CLIPS_NAME, RUN_LOG, SOURCES_NAME, STATS_NAME
from vtdata.report.build import build_report
from vtdata.report.config import ReportConfig
from vtdata.train.logs import read_log

pytest.importorskip("websocket", reason="websocket-client is not installed (pip install -e '.[dev]')")
SCREENSHOTS_ENV = "VTDATA_REPORT_SCREENSHOTS"  # a folder: write each section's screenshot there
SECTIONS = ("overview", "counts", "distributions", "gallery", "alignment", "training")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    executable = find_browser()
    if executable is None:
        pytest.skip(
            f"no Chromium found (set {BROWSER_ENV}, or install Debian's: apt-get install chromium; "
            ".ci/run installs it)"
        )
    with Browser(executable) as b:
        yield b


@pytest.fixture(scope="module")
def page(quickstart, tmp_path_factory) -> Path:
    return build_report(ReportConfig(path=quickstart, output=tmp_path_factory.mktemp("report"), samples=6))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _not_blank(png: bytes) -> tuple[float, int]:
    pixels = _pixels(png)
    packed = pixels.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    colours = len(np.unique(packed))
    return float(pixels.std()), colours


def test_the_harness_catches_what_it_must(browser, tmp_path):
    """A planted remote image, a missing image and a console.error are all reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><p>bad page</p>"
        '<img src="http://127.0.0.1:9/remote.png" alt="remote">'
        '<img src="missing.png" alt="missing">'
        '<script>console.error("planted error")</script></body></html>'
    )
    visit, _ = browser.visit(bad.as_uri())
    assert any("127.0.0.1:9/remote.png" in u for u in visit.remote_requests), visit.requests
    assert any("planted error" in m for m in visit.console_errors), visit.console_errors
    broken = [i["src"] for i in visit.broken_images]
    assert any("missing.png" in s for s in broken) and any("remote.png" in s for s in broken), visit.images


def test_report_opens_clean_in_a_real_browser(browser, page):
    visit, session = browser.visit(page.as_uri())
    assert visit.console_errors == []
    assert visit.remote_requests == [], "requests that would leave the machine"
    assert all(u.startswith(("file:", "data:")) for u in visit.requests), visit.requests
    assert len(visit.images) >= 20, visit.images
    assert visit.broken_images == []
    std, colours = _not_blank(browser.screenshot(session))
    assert std > 20 and colours > 500, (std, colours)


def test_every_count_shown_equals_its_file(browser, page, quickstart):
    _, session = browser.visit(page.as_uri())
    shown = browser.evaluate(
        "[...document.querySelectorAll('[data-count]')].map(e => [e.dataset.count, e.textContent])", session
    )
    counts = {key: int(text.replace(",", "")) for key, text in shown}
    expected = {}
    for corpus in ("webvid", "howto100m", "cc3m"):
        store = quickstart / corpus / "download"
        expected[f"{corpus}/download:sources"] = pq.ParquetFile(store / SOURCES_NAME).metadata.num_rows
        with Ledger(store, readonly=True) as ledger:
            ledger_counts = ledger.counts()
        expected[f"{corpus}/download:ok"] = ledger_counts.get("ok", 0)
        for reason, n in ledger_counts.items():
            if reason != "ok":
                expected[f"{corpus}/download:download:{reason}"] = n
        expected[f"{corpus}/download/{CLIPS_NAME}:clips"] = pq.ParquetFile(
            store / CLIPS_NAME
        ).metadata.num_rows
        stats = json.loads((quickstart / corpus / "shards" / STATS_NAME).read_text())
        for name in ("samples", "shards", "frames"):
            expected[f"{corpus}/shards:{name}"] = stats["total"][name]
        for reason, n in stats["total"]["failures_by_reason"].items():
            expected[f"{corpus}/shards:shard:{reason}"] = n
    log = read_log(quickstart / "runs" / "reference" / RUN_LOG)
    expected["runs/reference:steps"] = max(r["step"] for r in log)
    expected["runs/reference:evaluations"] = sum("eval" in r for r in log)
    assert counts == expected


def test_each_section_has_a_picture(browser, page):
    """Every section is on the page and draws something; the screenshots are the ones in docs/report/."""
    _, session = browser.visit(page.as_uri())
    out = os.environ.get(SCREENSHOTS_ENV)
    for section in SECTIONS:
        box = browser.evaluate(
            f"(() => {{ const r = document.getElementById('{section}').getBoundingClientRect();"
            " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width,"
            " height: Math.min(r.height, 1400)}; })()",
            session,
        )
        assert box["width"] > 300 and box["height"] > 100, (section, box)
        png = browser.screenshot(session, box)
        std, colours = _not_blank(png)
        assert std > 20 and colours > 100, (section, std, colours)
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / f"{section}.png").write_bytes(png)
