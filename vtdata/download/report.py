"""The end-of-run summary as text lines (the CLI prints them; the library never prints)."""

from __future__ import annotations

from vtdata.config.units import format_size
from vtdata.download.runner import DownloadSummary


def summary_lines(s: DownloadSummary) -> list[str]:
    """A one-screen table: what was planned, ok, failed by reason, bytes and throughput."""
    lines = [f"store {s.store}"]
    lines.append(
        f"  sources {s.total} items: to fetch {s.planned}, already ok {s.skipped_ok}, "
        f"failed before (not retried) {s.skipped_failed}, duplicate ids {s.duplicates}"
    )
    if s.dry_run:
        lines.append("  dry run: nothing fetched or written")
        if s.by_backend:
            lines.append("  by backend: " + ", ".join(f"{k} {v}" for k, v in sorted(s.by_backend.items())))
        if s.by_host:
            lines.append("  top hosts:  " + ", ".join(f"{k} {v}" for k, v in s.by_host.items()))
        for task in s.preview:
            cut = f" [{task.section[0]:.1f}-{task.section[1]:.1f} s]" if task.section else ""
            lines.append(f"    {task.backend:<6} {task.item.id:<24} {task.item.url}{cut}")
        if s.planned > len(s.preview):
            lines.append(f"    ... and {s.planned - len(s.preview)} more")
        return lines
    done = s.ok + s.failed_total
    rows = [("ok", s.ok)] + sorted(s.failed.items(), key=lambda kv: -kv[1])
    lines.append(f"  {'result':<14} {'items':>8} {'share':>7}")
    for name, n in rows:
        share = f"{100 * n / done:.1f}%" if done else "-"
        lines.append(f"  {name:<14} {n:>8} {share:>7}")
    rate = format_size(s.bytes_per_s)
    lines.append(f"  {format_size(s.bytes)} in {s.seconds:.1f} s: {s.items_per_s:.2f} items/s, {rate}/s")
    notes = []
    if s.partials_removed:
        notes.append(f"removed {s.partials_removed} partial files of an interrupted run")
    if s.cooldowns:
        notes.append(f"{s.cooldowns} host cool-downs (429, bot check, or a run of refused URLs)")
    if s.abandoned:
        notes.append(f"{s.abandoned} items hit the hard deadline")
    for reason in ("rate_limited", "blocked", "timeout", "network", "http_error"):
        if s.failed.get(reason):
            notes.append(f"retry {reason} later: --retry-failed --reason {reason}")
    lines += [f"  note: {n}" for n in notes]
    return lines


def failure_line(s: DownloadSummary) -> str | None:
    """Why the run counts as failed (every item failed, or nothing to fetch at all), else None."""
    if s.dry_run:
        return None
    if s.total == 0:
        return f"the source table holds no items; nothing to download into {s.store}"
    if s.planned and not s.ok and s.failed_total == s.planned:
        return (
            f"every item failed ({s.failed_total}; reasons above): `vtdata stats {s.store} --failures` "
            "shows the messages"
        )
    return None
