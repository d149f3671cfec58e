"""See the data: one self-contained HTML page (`index.html`) of a download store, a clips table, a
shard folder, a training run, or a folder holding several (a quickstart's output).

    from vtdata.report import ReportConfig, build_report
    page = build_report(ReportConfig(path="vtdata-quickstart", samples=12, seed=0))

`discover` finds the outputs, `store` / `clips` / `shards` / `run` / `alignment` read each one in
batches (`stream` keeps distributions in bounded memory), `charts` draws with matplotlib, `page`
writes the HTML, and `build` ties them together.
"""

from __future__ import annotations

from vtdata.report.build import REPORT_NAME, ReportConfig, build_report, distribution_charts
from vtdata.report.discover import NotVtdata

__all__ = ["REPORT_NAME", "NotVtdata", "ReportConfig", "build_report", "distribution_charts"]
