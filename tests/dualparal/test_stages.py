"""The staged Wan and the window attention processor against diffusers' own forward and processor."""

import torch
from diffusers.models.transformers.transformer_wan import WanAttnProcessor

from engine.video.dualparal.attention import WindowAttnProcessor, WindowState
from engine.video.dualparal.stages import StagedWan, layer_slices

from .conftest import FACTORY


def test_stages_without_context_equal_the_model_forward():
    parts = FACTORY()
    latents, text = torch.randn(1, 8, 3, 8, 8), torch.randn(2, 16, 64)
    expected = parts.transformer(latents.expand(2, -1, -1, -1, -1), torch.tensor([640.0, 640.0]), text).sample
    staged = StagedWan(parts.transformer, range(3), first=True, last=True)
    temb, modulation = staged.time(torch.full((3,), 640.0), staged.tokens_per_frame(8, 8))
    hidden = staged.embed(latents).expand(2, -1, -1)
    hidden = staged.run_layers(hidden, staged.text(text), modulation, staged.rope(3, 8, 8))
    assert torch.allclose(staged.head(hidden, temb, 3, 8, 8), expected, atol=1e-5)


def test_cached_keys_values_equal_attending_to_the_newer_tokens():
    """Window [A] + cache of B's K/V == attention over [A; B] (A's rows), positions local to the window."""
    parts = FACTORY()
    attn = parts.transformer.blocks[0].attn1
    staged = StagedWan(parts.transformer, range(3), first=True, last=True)
    a, b = torch.randn(2, 32, 48), torch.randn(2, 32, 48)  # 2 frames of 16 tokens each
    cos, sin = staged.rope(6, 8, 8)  # B was written at positions 2..3 of its own window
    state = WindowState(write_tokens=slice(0, 32))
    proc = WindowAttnProcessor(state)
    proc(attn, b, rotary_emb=(cos[:, 32:64], sin[:, 32:64]))  # B in its own window: writes its K/V
    state.write_tokens, state.read_cache, state.cached_rope = None, True, (cos[:, 32:64], sin[:, 32:64])
    got = proc(attn, a, rotary_emb=(cos[:, :32], sin[:, :32]))
    expected = WanAttnProcessor()(attn, torch.cat([a, b], 1), None, None, (cos[:, :64], sin[:, :64]))[:, :32]
    assert torch.allclose(got, expected, atol=1e-5)


def test_layer_slices_are_contiguous_and_cover_the_model():
    for layers, workers in ((4, 2), (5, 3), (3, 3)):
        slices = layer_slices(layers, workers)
        assert [i for s in slices for i in s] == list(range(layers))
        assert all(len(s) >= 1 for s in slices)
