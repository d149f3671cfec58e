"""Contrastive losses: symmetric InfoNCE (CLIP) and MIL-NCE (several positive texts per clip).

Under DDP each rank scores its own clips against the texts of every rank (and its texts against
every rank's clips): `gather_with_grad` concatenates features across ranks and routes the
gradient of every rank's loss back to the rank that produced the feature, so the averaged DDP
gradient equals the gradient of the loss over the global batch (open_clip's `gather_with_grad`
plus `local_loss`). Ranks may pass batches of different sizes; each rank's loss is the mean
over its own clips, and DDP averages the ranks.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F


class _GatherWithGrad(torch.autograd.Function):
    """all_gather forward; backward all-reduces the gradient and keeps this rank's slice.

    Written with all_reduce only (not torch.distributed.nn's reduce-scatter/all-to-all) so it runs
    on every backend, gloo included.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        world, rank = dist.get_world_size(), dist.get_rank()
        ctx.rank, ctx.size = rank, x.shape[0]
        parts = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.rank * ctx.size : (ctx.rank + 1) * ctx.size]


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def batch_sizes(n: int, device: torch.device) -> list[int]:
    """The local batch size of every rank (the loader's last batch of a pass may be smaller)."""
    _, world = _world()
    if world == 1:
        return [n]
    mine = torch.tensor([n], device=device)
    sizes = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(sizes, mine)
    return [int(s) for s in sizes]


def gather_with_grad(x: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Features of all ranks concatenated in rank order (`x` itself outside DDP); `sizes` from `batch_sizes`.

    Ranks with fewer rows pad to the largest batch for the collective; the padding is cut out again.
    """
    if len(sizes) == 1:
        return x
    most = max(sizes)
    if x.shape[0] < most:
        x = torch.cat([x, x.new_zeros((most - x.shape[0], *x.shape[1:]))])
    full = _GatherWithGrad.apply(x)
    if min(sizes) == most:
        return full
    keep = torch.cat([torch.arange(r * most, r * most + n, device=x.device) for r, n in enumerate(sizes)])
    return full[keep]


def info_nce(video: torch.Tensor, text: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over the global batch: mean of the video->text and text->video cross-entropies.

    `video`, `text`: this rank's L2-normalised embeddings [B,E], row i of each a positive pair;
    the loss is the mean over this rank's pairs.
    """
    rank, _ = _world()
    sizes = batch_sizes(video.shape[0], video.device)
    all_video, all_text = gather_with_grad(video, sizes), gather_with_grad(text, sizes)
    labels = torch.arange(video.shape[0], device=video.device) + sum(sizes[:rank])
    logits_v2t = logit_scale * video @ all_text.T
    logits_t2v = logit_scale * text @ all_video.T
    return (F.cross_entropy(logits_v2t.float(), labels) + F.cross_entropy(logits_t2v.float(), labels)) / 2


def mil_nce(
    video: torch.Tensor, texts: torch.Tensor, text_mask: torch.Tensor, logit_scale: torch.Tensor
) -> torch.Tensor:
    """MIL-NCE (Miech et al. 2020): every valid text of a clip is a positive, the rest are negatives.

    `video` [B,E]; `texts` [B,K,E] with `text_mask` [B,K] marking the real texts (at least one per
    clip). As in the authors' code, the denominator of clip i holds its scores against every text
    in the batch and the scores of every clip against its own texts.
    """
    rank, _ = _world()
    b, k, e = texts.shape
    sizes = batch_sizes(b, video.device)
    all_video = gather_with_grad(video, sizes)
    all_texts = gather_with_grad(texts.reshape(b, k * e), sizes).view(-1, k, e)
    all_mask = gather_with_grad(text_mask.to(video.dtype), sizes).view(-1, k) > 0.5
    own = torch.arange(b, device=video.device) + sum(sizes[:rank])
    neg_inf = torch.finfo(torch.float32).min
    # clip i (local) against every text: [B, N*K]
    v2t = (logit_scale * torch.einsum("be,nke->bnk", video, all_texts)).float()
    v2t = v2t.masked_fill(~all_mask.unsqueeze(0), neg_inf)
    # every clip against the texts of clip i (local): [B, N, K]
    t2v = (logit_scale * torch.einsum("ne,bke->bnk", all_video, texts)).float()
    t2v = t2v.masked_fill(~text_mask.unsqueeze(1), neg_inf)
    positives = v2t[torch.arange(b, device=video.device), own]
    numerator = torch.logsumexp(positives, dim=1)
    denominator = torch.logsumexp(torch.cat([v2t.flatten(1), t2v.flatten(1)], dim=1), dim=1)
    return (denominator - numerator).mean()
