"""Retrieval metrics: R@1/5/10, median and mean rank, in both directions.

Definitions (docs/train.md repeats them):
- *Paired* (the standard, "instance" metric): query i's ground truth is item i of the other
  modality. Its rank is 1 + the number of other candidates scoring >= the ground truth, so a tie
  counts against the model and a constant model ranks last, not first.
- *Caption-level*: held-out clips often share a caption ("a red circle moves left"), and no model
  can tell identical captions apart. Text->video: a hit is any clip whose caption equals the query's
  (rank = best rank among them). Video->text: candidates are the distinct captions.
- Chance: paired R@k is k/N; caption-level chance is reported next to it (expected hit rate of a
  random ranking).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

KS = (1, 5, 10)


def ranks_of_targets(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1-based rank of `targets[i]` in row i of `scores` [Q,C]; ties count against the target."""
    target_scores = scores.gather(1, targets.view(-1, 1))
    return (scores >= target_scores).sum(1)


def ranks_of_any(scores: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    """1-based rank of the best-scoring positive in each row (`positives` bool [Q,C], >= 1 per row).

    Rank = 1 + the number of negatives scoring >= that positive.
    """
    best = scores.masked_fill(~positives, float("-inf")).max(1, keepdim=True).values
    return ((scores >= best) & ~positives).sum(1) + 1


def summarize(ranks: torch.Tensor, prefix: str) -> dict[str, float]:
    """R@1/5/10 (percent), median and mean rank of 1-based `ranks`."""
    r = ranks.double()
    out = {f"{prefix}_R@{k}": float((r <= k).double().mean() * 100) for k in KS}
    out[f"{prefix}_MedR"] = float(r.median())
    out[f"{prefix}_MeanR"] = float(r.mean())
    return out


def retrieval_metrics(
    video: torch.Tensor, text: torch.Tensor, captions: Sequence[str] | None = None
) -> dict[str, float]:
    """Metrics of N paired embeddings (row i of `video` [N,E] goes with row i of `text` [N,E]).

    Keys: `t2v_R@1` … `t2v_MedR`, `t2v_MeanR`, the same for `v2t`, `num_clips` and `chance_R@1`
    (percent). With `captions` (the N caption strings) also the caption-level `t2v_cap_*`,
    `v2t_cap_*`, `num_captions`, `chance_t2v_cap_R@1` and `chance_v2t_cap_R@1`.
    """
    n = video.shape[0]
    if text.shape[0] != n or n == 0:
        raise ValueError(f"need the same non-zero number of clips and texts, got {n} and {text.shape[0]}")
    sims = text.float() @ video.float().T  # [text, video]
    diag = torch.arange(n)
    out = summarize(ranks_of_targets(sims, diag), "t2v") | summarize(ranks_of_targets(sims.T, diag), "v2t")
    out |= {"num_clips": float(n), "chance_R@1": 100.0 / n}
    if captions is not None:
        out |= caption_metrics(sims, captions)
    return out


def caption_metrics(sims: torch.Tensor, captions: Sequence[str]) -> dict[str, float]:
    """Caption-level metrics from text->video similarities `sims` [N,N] and the N captions."""
    if len(captions) != sims.shape[0]:
        raise ValueError(f"{len(captions)} captions for {sims.shape[0]} clips")
    unique, caption_index = np.unique(np.asarray(list(captions), dtype=object), return_inverse=True)
    caption_index = torch.as_tensor(caption_index)
    same = caption_index.view(-1, 1) == caption_index.view(1, -1)  # [text, video]
    t2v = ranks_of_any(sims, same)
    # one representative text per distinct caption (identical captions have identical embeddings)
    first = torch.as_tensor([int(np.flatnonzero(caption_index.numpy() == c)[0]) for c in range(len(unique))])
    v2t = ranks_of_targets(sims[first].T, caption_index)
    share = same.double().sum(1) / len(captions)
    return (
        summarize(t2v, "t2v_cap")
        | summarize(v2t, "v2t_cap")
        | {
            "num_captions": float(len(unique)),
            "chance_t2v_cap_R@1": float(share.mean() * 100),
            "chance_v2t_cap_R@1": 100.0 / len(unique),
        }
    )


def choice_accuracy(scores: torch.Tensor, targets: torch.Tensor) -> float:
    """Percent of rows whose highest score is the target (ties count as misses)."""
    return float((ranks_of_targets(scores, targets) == 1).double().mean() * 100)


def format_table(metrics: dict[str, float]) -> str:
    """A plain-text retrieval table of `retrieval_metrics` output (what the CLI and quickstart print)."""
    lines = [f"{'':14}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MedR':>8}{'MeanR':>8}"]
    rows = [
        ("text->video", "t2v"),
        ("video->text", "v2t"),
        ("t2v caption", "t2v_cap"),
        ("v2t caption", "v2t_cap"),
    ]
    for label, prefix in rows:
        if f"{prefix}_R@1" in metrics:
            values = [metrics[f"{prefix}_R@{k}"] for k in KS] + [
                metrics[f"{prefix}_MedR"],
                metrics[f"{prefix}_MeanR"],
            ]
            lines.append(f"{label:14}" + "".join(f"{v:8.1f}" for v in values))
    chance = f"chance R@1: paired {metrics['chance_R@1']:.2f}% over {int(metrics['num_clips'])} clips"
    if "chance_t2v_cap_R@1" in metrics:
        chance += (
            f"; caption-level t2v {metrics['chance_t2v_cap_R@1']:.2f}%,"
            f" v2t {metrics['chance_v2t_cap_R@1']:.2f}%"
            f" ({int(metrics['num_captions'])} distinct captions)"
        )
    lines.append(chance)
    if metrics.get("contrast_clips"):
        lines.append(
            f"minimal pairs: {metrics['contrast_acc']:.1f}% right over {int(metrics['contrast_clips'])} clips"
            f" (chance {metrics['contrast_chance']:.1f}%)"
        )
    return "\n".join(lines)
