"""The reference dual encoder: a ViT over frames with temporal fusion, a small text transformer.

Frozen-in-Time's shape at toy scale: every frame is cut into patches and encoded by a ViT (one
[CLS] token per frame), and the frame tokens are pooled over time. How frames meet is a choice:
`temporal="mean"` (order-blind, CLIP4Clip's meanP), `"transformer"` (a temporal transformer over
the frame tokens, CLIP4Clip's seqTransf) or `"divided"` (time attention before every spatial
block, Frozen/TimeSformer); `tubelet=2` (the default) lets each patch token see the same patch
in the previous frame too (ViViT's tubelets), which is what makes motion learnable in minutes
from scratch (docs/train.md, "Why tubelets"). Both towers end in a linear projection and L2
normalisation, and the model owns CLIP's learnable logit scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from vtdata.train.params import ModelConfig

# CLIP initialises the temperature to 0.07 and clamps exp(logit_scale) to at most 100.
INIT_LOGIT_SCALE = math.log(1 / 0.07)
MAX_LOGIT_SCALE = math.log(100.0)


def _blocks(width: int, heads: int, depth: int) -> nn.TransformerEncoder:
    """Pre-LN transformer blocks (the ViT/CLIP layout) without dropout: the data is the regulariser."""
    layer = nn.TransformerEncoderLayer(
        width,
        heads,
        dim_feedforward=4 * width,
        dropout=0.0,
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of `x` [B,N,D] counting only the positions where `mask` [B,N] is True."""
    weights = mask.to(x.dtype).unsqueeze(-1)
    return (x * weights).sum(1) / weights.sum(1).clamp_min(1.0)


class FrameEncoder(nn.Module):
    """ViT over single frames: [N,3*tubelet,H,W] -> one [CLS] feature per frame [N,width].

    `mix(i, tokens)`, when given, runs before spatial block i on the tokens [N, 1+patches, width]
    (the divided space-time attention of `VideoEncoder` hooks in there).
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.grid = cfg.image_size // cfg.patch_size
        self.patch_embed = nn.Conv2d(
            3 * cfg.tubelet, cfg.width, cfg.patch_size, stride=cfg.patch_size, bias=False
        )
        self.cls_token = nn.Parameter(torch.zeros(cfg.width))
        self.pos_embed = nn.Parameter(torch.randn(1 + self.grid**2, cfg.width) * 0.02)
        self.ln_pre = nn.LayerNorm(cfg.width)
        self.blocks = nn.ModuleList(_blocks(cfg.width, cfg.heads, cfg.depth).layers)
        self.ln_post = nn.LayerNorm(cfg.width)

    def _positions(self, grid_h: int, grid_w: int) -> torch.Tensor:
        """Patch position embeddings, bicubically resized when frames are not `image_size` square."""
        cls_pos, patch_pos = self.pos_embed[:1], self.pos_embed[1:]
        if (grid_h, grid_w) != (self.grid, self.grid):
            grid = patch_pos.reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2)
            grid = F.interpolate(grid, size=(grid_h, grid_w), mode="bicubic", align_corners=False)
            patch_pos = grid.permute(0, 2, 3, 1).reshape(grid_h * grid_w, -1)
        return torch.cat([cls_pos, patch_pos])

    def forward(
        self, frames: torch.Tensor, mix: Callable[[int, torch.Tensor], torch.Tensor] | None = None
    ) -> torch.Tensor:
        x = self.patch_embed(frames)
        grid_h, grid_w = x.shape[-2:]
        x = x.flatten(2).transpose(1, 2)
        cls = self.cls_token.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self._positions(grid_h, grid_w).to(x.dtype)
        x = self.ln_pre(x)
        for i, block in enumerate(self.blocks):
            x = block(x if mix is None else mix(i, x))
        return self.ln_post(x[:, 0])


class TimeAttention(nn.Module):
    """Pre-LN self-attention across the frames of a clip at each token position (TimeSformer's
    divided attention, which Frozen-in-Time uses): the [CLS] token and every patch see the same
    token in the other frames, so a patch can tell an edge arriving from one leaving."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, x: torch.Tensor, b: int, t: int, frame_mask: torch.Tensor) -> torch.Tensor:
        n, d = x.shape[1:]
        y = x.view(b, t, n, d).transpose(1, 2).reshape(b * n, t, d)
        h = self.ln(y)
        padding = (~frame_mask).repeat_interleave(n, dim=0)
        y = y + self.attn(h, h, h, key_padding_mask=padding, need_weights=False)[0]
        return y.view(b, n, t, d).transpose(1, 2).reshape(b * t, n, d)


class VideoEncoder(nn.Module):
    """Frames [B,T,3,H,W] (+ frame mask [B,T]) -> L2-normalised embeddings [B,embed_dim].

    `temporal`: "mean" pools the frame features (order-blind); "transformer" runs
    `temporal_depth` blocks over the frame features first (late fusion, CLIP4Clip's seqTransf);
    "divided" puts a `TimeAttention` before every spatial block (early fusion, Frozen/TimeSformer).
    `tubelet` > 1 makes each patch token span that many consecutive frames, so motion is in the
    very first linear layer.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.frames = FrameEncoder(cfg)
        self.temporal = cfg.temporal
        self.tubelet = cfg.tubelet
        if cfg.temporal != "mean":
            # Random, not zero as in Frozen (which starts from an image-pretrained ViT): at zero a
            # late-fusion tower is exactly order-blind, left and right clips embed alike, the text
            # tower learns "left" = "right", and training sits at that symmetric point.
            self.temporal_embed = nn.Parameter(torch.randn(cfg.max_frames, cfg.width) * 0.02)
        if cfg.temporal == "transformer":
            self.temporal_blocks = _blocks(cfg.width, cfg.heads, cfg.temporal_depth)
            self.ln_temporal = nn.LayerNorm(cfg.width)
        if cfg.temporal == "divided":
            self.time_attention = nn.ModuleList(TimeAttention(cfg.width, cfg.heads) for _ in range(cfg.depth))
        self.proj = nn.Linear(cfg.width, cfg.embed_dim, bias=False)

    def forward(self, video: torch.Tensor, frame_mask: torch.Tensor | None = None) -> torch.Tensor:
        b, t = video.shape[:2]
        if frame_mask is None:
            frame_mask = torch.ones(b, t, dtype=torch.bool, device=video.device)
        if self.temporal != "mean" and t > len(self.temporal_embed):
            raise ValueError(
                f"clip has {t} frames; the model was built for max_frames={len(self.temporal_embed)}"
            )
        if self.tubelet > 1:
            # each patch token also sees the same patch in the previous tubelet-1 frames (ViViT's
            # tubelets, stride 1): the first frame stands in for the frames before it
            steps = torch.arange(t, device=video.device)
            video = torch.cat([video[:, (steps - k).clamp_min(0)] for k in range(self.tubelet)], dim=2)
        mix = None
        if self.temporal == "divided":
            when = self.temporal_embed[:t].repeat(b, 1).unsqueeze(1)  # [B*T, 1, width]

            def mix(i: int, tokens: torch.Tensor) -> torch.Tensor:
                if i == 0:
                    tokens = tokens + when.to(tokens.dtype)
                return self.time_attention[i](tokens, b, t, frame_mask)

        x = self.frames(video.flatten(0, 1), mix).view(b, t, -1)
        if self.temporal == "transformer":
            x = x + self.temporal_embed[:t].to(x.dtype)
            x = self.ln_temporal(self.temporal_blocks(x, src_key_padding_mask=~frame_mask))
        return F.normalize(self.proj(_masked_mean(x, frame_mask)), dim=-1)


class TextEncoder(nn.Module):
    """Token ids [B,L] (0 = padding) -> L2-normalised embeddings [B,embed_dim]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.token_embed = nn.Embedding(cfg.vocab_size, cfg.text_width)
        self.pos_embed = nn.Parameter(torch.randn(cfg.context_length, cfg.text_width) * 0.01)
        self.blocks = _blocks(cfg.text_width, cfg.text_heads, cfg.text_depth)
        self.ln_final = nn.LayerNorm(cfg.text_width)
        self.proj = nn.Linear(cfg.text_width, cfg.embed_dim, bias=False)
        nn.init.normal_(self.token_embed.weight, std=0.02)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.token_embed(ids) + self.pos_embed[: ids.shape[1]]
        x = self.ln_final(self.blocks(x, src_key_padding_mask=~mask))
        return F.normalize(self.proj(_masked_mean(x, mask)), dim=-1)


class DualEncoder(nn.Module):
    """Video and text towers plus CLIP's learnable logit scale (clamp it with `clamp_logit_scale`)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.config = cfg
        self.video = VideoEncoder(cfg)
        self.text = TextEncoder(cfg)
        self.logit_scale = nn.Parameter(torch.tensor(INIT_LOGIT_SCALE))

    def encode_video(self, video: torch.Tensor, frame_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.video(video, frame_mask)

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        return self.text(ids)

    def forward(
        self, video: torch.Tensor, ids: torch.Tensor, frame_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(video embeddings, text embeddings, exp(logit_scale)); `ids` may be [B,L] or [B*K,L]."""
        return self.encode_video(video, frame_mask), self.encode_text(ids), self.logit_scale.exp()

    @torch.no_grad()
    def clamp_logit_scale(self) -> None:
        """Keep the temperature in CLIP's range (scale <= 100) after each optimiser step."""
        self.logit_scale.clamp_(0, MAX_LOGIT_SCALE)
