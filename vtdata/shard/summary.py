"""The one-screen summary `vtdata shard` prints at the end of a run."""

from __future__ import annotations

from vtdata.shard.run import ShardSummary


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def format_summary(summary: ShardSummary, examples: int = 3) -> str:
    total = summary.total
    stats = summary.stats
    lines = [
        f"wrote {summary.out_dir}: {total['samples']} samples in {total['shards']} tar files "
        f"({_size(total['bytes'])}, {total['frames']} frames) from {total['clips']} clips",
    ]
    for split, counts in stats["splits"].items():
        lines.append(f"  {split:<12} {counts['samples']:>10} samples {counts['failed']:>8} failed")
    if summary.resumed:
        lines.append(f"resumed: {summary.resumed} of {len(summary.results)} shard jobs were already complete")
    seconds = max(summary.seconds, 1e-9)
    if summary.clips_run:
        lines.append(
            f"throughput: {summary.clips_run / seconds:.1f} clips/s, {_size(summary.bytes_run / seconds)}/s "
            f"({summary.clips_run} clips in {summary.seconds:.1f} s)"
        )
    else:
        lines.append(f"nothing to do: every shard was complete ({summary.seconds:.1f} s)")
    reasons = total["failures_by_reason"]
    if not reasons:
        lines.append("failures: none")
        return "\n".join(lines)
    lines.append(f"failures: {total['failed']} clips (in stats.json and index.parquet), by reason:")
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {reason:<16} {n:>8}")
        shown = [f for f in stats["failures"] if f["reason"] == reason][:examples]
        for failure in shown:
            lines.append(f"      e.g. {failure['clip_id']}: {failure['message'][:160]}")
    return "\n".join(lines)
