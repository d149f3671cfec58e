"""See the data: one self-contained HTML page (`index.html`) of a download store, a clips table, a
shard folder, a training run, or a folder holding several (a quickstart's output).

    from vtdata.report import ReportConfig, build_report
    page = build_report(ReportConfig(path="vtdata-quickstart", samples=12, seed=0))

`discover` finds the outputs, `store` / `clips` / `shards` / `run` / `alignment` read each one in
batches (`stream` keeps distributions in bounded memory), `charts` draws with matplotlib, `page`
writes the HTML, and `build` ties them together. Names load on first use, so the options
(`config`) can be read without loading the decoders.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "REPORT_NAME": "vtdata.report.config",
    "ReportConfig": "vtdata.report.config",
    "NotVtdata": "vtdata.report.discover",
    "build_report": "vtdata.report.build",
    "distribution_charts": "vtdata.report.build",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vtdata.report' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
