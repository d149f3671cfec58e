import math

import pytest
import torch
import torch.nn.functional as F

from vtdata.train.loss import info_nce, mil_nce


def _embeddings(n: int, e: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(n, e, generator=g), dim=-1), F.normalize(
        torch.randn(n, e, generator=g), dim=-1
    )


def test_info_nce_matches_the_textbook_formula():
    video, text = _embeddings(6, 8)
    scale = torch.tensor(10.0)
    logits = scale * video @ text.T
    expected = 0
    for i in range(6):
        expected += -torch.log_softmax(logits[i], 0)[i] - torch.log_softmax(logits[:, i], 0)[i]
    assert info_nce(video, text, scale).item() == pytest.approx(expected.item() / 12, rel=1e-5)


def test_info_nce_is_low_for_aligned_pairs_and_log_n_for_uninformative_ones():
    video, _ = _embeddings(8, 16)
    assert info_nce(video, video, torch.tensor(100.0)).item() < 0.01
    same = torch.ones(8, 16) / 4
    assert info_nce(same, same, torch.tensor(10.0)).item() == pytest.approx(math.log(8), rel=1e-5)


def test_mil_nce_follows_the_authors_formula_with_one_text():
    video, text = _embeddings(5, 8, seed=1)
    scale = torch.tensor(5.0)
    x = scale * video @ text.T
    expected = torch.stack(
        [torch.logsumexp(torch.cat([x[i], x[:, i]]), 0) - x[i, i] for i in range(5)]
    ).mean()
    got = mil_nce(video, text.unsqueeze(1), torch.ones(5, 1, dtype=torch.bool), scale)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_mil_nce_ignores_padded_texts_and_rewards_any_positive():
    video, text = _embeddings(4, 8, seed=2)
    texts = torch.stack([text, F.normalize(torch.randn(4, 8), dim=-1)], dim=1)  # [B, K=2, E]
    mask = torch.tensor([[True, False]] * 4)
    scale = torch.tensor(5.0)
    base = mil_nce(video, texts, mask, scale)
    garbage = texts.clone()
    garbage[:, 1] = F.normalize(torch.randn(4, 8), dim=-1)
    assert mil_nce(video, garbage, mask, scale).item() == pytest.approx(base.item(), rel=1e-6)
    # a second positive equal to the clip itself can only help
    helped = texts.clone()
    helped[:, 1] = video
    assert mil_nce(video, helped, torch.ones(4, 2, dtype=torch.bool), scale) < base


def test_losses_give_gradients_to_both_towers_and_the_scale():
    video, text = _embeddings(4, 8, seed=3)
    video.requires_grad_(True)
    text.requires_grad_(True)
    log_scale = torch.tensor(math.log(10.0), requires_grad=True)
    info_nce(video, text, log_scale.exp()).backward()
    assert video.grad.abs().sum() > 0 and text.grad.abs().sum() > 0 and log_scale.grad is not None


_RANK_SCRIPT = """
import sys
import torch
import torch.distributed as dist
from vtdata.train.loss import info_nce, mil_nce

dist.init_process_group("gloo")
rank = dist.get_rank()
data = torch.load(sys.argv[1])
out = {}
for name, sizes in (("infonce", [3, 5]), ("milnce", [4, 4])):
    start, n = sum(sizes[:rank]), sizes[rank]
    video = data["video"][start : start + n].clone().requires_grad_(True)
    scale = torch.tensor(7.0, requires_grad=True)
    if name == "infonce":
        text = data["text"][start : start + n].clone().requires_grad_(True)
        loss = info_nce(video, text, scale)
    else:
        text = data["texts"][start : start + n].clone().requires_grad_(True)
        loss = mil_nce(video, text, data["mask"][start : start + n], scale)
    loss.backward()
    out[name] = {"loss": loss.item(), "video": video.grad, "text": text.grad, "scale": scale.grad}
torch.save(out, f"{sys.argv[2]}.{rank}")
dist.destroy_process_group()
"""


@pytest.mark.slow
def test_gathered_losses_give_the_global_batch_gradient(tmp_path):
    """2 gloo ranks: each rank's feature gradients equal those of the summed rank losses computed whole."""
    import subprocess
    import sys

    g = torch.Generator().manual_seed(5)
    video = F.normalize(torch.randn(8, 6, generator=g), dim=-1)
    text = F.normalize(torch.randn(8, 6, generator=g), dim=-1)
    texts = F.normalize(torch.randn(8, 2, 6, generator=g), dim=-1)
    mask = torch.tensor([[True, i % 2 == 0] for i in range(8)])
    torch.save({"video": video, "text": text, "texts": texts, "mask": mask}, tmp_path / "data.pt")
    (tmp_path / "rank.py").write_text(_RANK_SCRIPT)
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(tmp_path / "rank.py"),
        str(tmp_path / "data.pt"),
        str(tmp_path / "out"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"out.{r}") for r in range(2)]

    # InfoNCE, uneven batches (3 + 5): sum over ranks of each rank's mean loss over its own pairs
    v, t, s = (
        video.clone().requires_grad_(True),
        text.clone().requires_grad_(True),
        torch.tensor(7.0, requires_grad=True),
    )
    logits = s * v @ t.T
    total = 0
    for rows in (torch.arange(0, 3), torch.arange(3, 8)):
        total = total + (F.cross_entropy(logits[rows], rows) + F.cross_entropy(logits.T[rows], rows)) / 2
    total.backward()
    got = [r["infonce"] for r in ranks]
    assert got[0]["loss"] + got[1]["loss"] == pytest.approx(total.item(), rel=1e-5)
    assert torch.allclose(torch.cat([got[0]["video"], got[1]["video"]]), v.grad, atol=1e-6)
    assert torch.allclose(torch.cat([got[0]["text"], got[1]["text"]]), t.grad, atol=1e-6)
    assert (got[0]["scale"] + got[1]["scale"]).item() == pytest.approx(s.grad.item(), rel=1e-5)

    # MIL-NCE, even batches: the sum of the two rank means is twice the single-process mean
    v, t = video.clone().requires_grad_(True), texts.clone().requires_grad_(True)
    (2 * mil_nce(v, t, mask, torch.tensor(7.0))).backward()
    got = [r["milnce"] for r in ranks]
    assert torch.allclose(torch.cat([got[0]["video"], got[1]["video"]]), v.grad, atol=1e-6)
    assert torch.allclose(torch.cat([got[0]["text"], got[1]["text"]]), t.grad, atol=1e-6)
