import math

import pytest
import torch

from vtdata.train.model import MAX_LOGIT_SCALE, DualEncoder
from vtdata.train.params import ModelConfig

TINY = ModelConfig(
    image_size=16,
    patch_size=8,
    width=32,
    depth=1,
    heads=2,
    max_frames=4,
    vocab_size=20,
    context_length=8,
    text_width=32,
    text_depth=1,
    text_heads=2,
    embed_dim=16,
)


def _model(**changes) -> DualEncoder:
    torch.manual_seed(0)
    cfg = ModelConfig(**{**TINY.to_dict(), **changes})
    return DualEncoder(cfg).eval()


def test_shapes_and_unit_norm():
    model = _model()
    video, text, scale = model(torch.randn(3, 4, 3, 16, 16), torch.randint(1, 20, (5, 6)))
    assert video.shape == (3, 16) and text.shape == (5, 16)
    assert torch.allclose(video.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(text.norm(dim=-1), torch.ones(5), atol=1e-5)
    assert scale.item() == pytest.approx(1 / 0.07, rel=1e-5)


@pytest.mark.parametrize("temporal", ["mean", "transformer", "divided"])
def test_padded_frames_do_not_change_the_embedding(temporal):
    model = _model(temporal=temporal)
    clip = torch.randn(1, 2, 3, 16, 16)
    padded = torch.cat([clip, torch.randn(1, 2, 3, 16, 16)], dim=1)
    mask = torch.tensor([[True, True, False, False]])
    with torch.no_grad():
        assert torch.allclose(model.encode_video(clip), model.encode_video(padded, mask), atol=1e-5)


@pytest.mark.parametrize("temporal", ["transformer", "divided"])
def test_temporal_models_see_frame_order_and_mean_does_not(temporal):
    clip = torch.randn(1, 4, 3, 16, 16)
    reversed_clip = clip.flip(1)
    mean = _model(temporal="mean", tubelet=1)
    ordered = _model(temporal=temporal, tubelet=1)
    with torch.no_grad():
        assert torch.allclose(mean.encode_video(clip), mean.encode_video(reversed_clip), atol=1e-5)
        assert not torch.allclose(ordered.encode_video(clip), ordered.encode_video(reversed_clip), atol=1e-4)


def test_tubelets_put_motion_into_the_patch_tokens():
    clip = torch.randn(1, 4, 3, 16, 16)
    model = _model(temporal="mean", tubelet=2)
    with torch.no_grad():
        assert not torch.allclose(model.encode_video(clip), model.encode_video(clip.flip(1)), atol=1e-4)
        # a still clip (one frame repeated) is the same as that frame alone: the first frame pads the tubelet
        still = clip[:, :1].expand(1, 3, 3, 16, 16)
        assert torch.allclose(model.encode_video(still), model.encode_video(clip[:, :1]), atol=1e-5)
    assert model.video.frames.patch_embed.in_channels == 6


def test_text_padding_is_ignored():
    model = _model()
    ids = torch.tensor([[2, 5, 7, 0, 0, 0]])
    with torch.no_grad():
        assert torch.allclose(model.encode_text(ids), model.encode_text(ids[:, :3]), atol=1e-5)


def test_other_frame_sizes_interpolate_positions():
    model = _model()
    with torch.no_grad():
        assert model.encode_video(torch.randn(2, 1, 3, 24, 32)).shape == (2, 16)


def test_logit_scale_is_clamped_like_clip():
    model = _model()
    with torch.no_grad():
        model.logit_scale.fill_(10.0)
    model.clamp_logit_scale()
    assert model.logit_scale.item() == pytest.approx(MAX_LOGIT_SCALE)
    assert math.exp(model.logit_scale.item()) == pytest.approx(100.0)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="multiple of patch_size"):
        ModelConfig(image_size=30, patch_size=8)
    with pytest.raises(ValueError, match="temporal"):
        ModelConfig(temporal="lstm")
    with pytest.raises(ValueError, match="tubelet"):
        ModelConfig(tubelet=0)
    model = _model()
    with pytest.raises(ValueError, match="max_frames=4"):
        model.encode_video(torch.randn(1, 5, 3, 16, 16))
