"""The one-screen summary `vtdata shard` prints at the end of a run."""

from __future__ import annotations

from vtdata.config.units import format_size, plural
from vtdata.shard.run import ShardSummary


def format_summary(summary: ShardSummary, examples: int = 3) -> str:
    total = summary.total
    stats = summary.stats
    lines = [
        f"wrote {summary.out_dir}: {plural(total['samples'], 'sample')} in "
        f"{plural(total['shards'], 'tar file')} ({format_size(total['bytes'])}, "
        f"{plural(total['frames'], 'frame')}) from {plural(total['clips'], 'clip')}",
    ]
    for split, counts in stats["splits"].items():
        lines.append(f"  {split:<12} {counts['samples']:>10} samples {counts['failed']:>8} failed")
    if summary.resumed:
        lines.append(
            f"resumed: {summary.resumed} of {plural(summary.jobs, 'shard job')} were already complete"
        )
    seconds = max(summary.seconds, 1e-9)
    if summary.clips_run:
        rate = format_size(summary.bytes_run / seconds)
        lines.append(
            f"throughput: {summary.clips_run / seconds:.1f} clips/s, {rate}/s "
            f"({plural(summary.clips_run, 'clip')} in {summary.seconds:.1f} s)"
        )
    else:
        lines.append(f"nothing to do: every shard was complete already ({summary.seconds:.1f} s)")
    reasons = total["failures_by_reason"]
    if not reasons:
        lines.append("failures: none")
        return "\n".join(lines)
    lines.append(f"failures: {plural(total['failed'], 'clip')} (in stats.json and index.parquet), by reason:")
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {reason:<16} {n:>8}")
        shown = [f for f in stats["failures"] if f["reason"] == reason][:examples]
        for failure in shown:
            lines.append(f"      e.g. {failure['clip_id']}: {failure['message'][:160]}")
    return "\n".join(lines)


def failure_line(summary: ShardSummary) -> str | None:
    """Why the run counts as failed (no clip made a sample), else None."""
    total = summary.total
    if total["clips"] and not total["samples"]:
        return f"every clip failed ({total['failed']}; reasons above): no sample was written"
    return None
