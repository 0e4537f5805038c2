"""The block-queue sampler in one process: streaming, determinism, feature cache, regeneration, baselines."""

import dataclasses

import numpy as np
import pytest
import torch

from engine.video.dualparal.api import generate_long_video
from engine.video.dualparal.decode import StreamingDecoder
from engine.video.prompts import PromptTimeline, TimedPrompt

from .conftest import FACTORY, Collector, small_request


@pytest.fixture(scope="module")
def reference():
    out = Collector()
    stats = generate_long_video(FACTORY, small_request(), on_block=out)
    return out, stats


def test_blocks_stream_in_order_and_cover_the_video(reference):
    out, stats = reference
    assert [b.block for b in out.blocks] == list(range(stats["blocks"])) == [0, 1, 2, 3]
    assert out.frames.shape == (41, 32, 32, 3) and out.frames.dtype == np.uint8
    assert all(a.start_frame + len(a.frames) == b.start_frame for a, b in zip(out.blocks, out.blocks[1:]))
    assert stats["forwards"] == stats["blocks"] * stats["steps"]
    assert stats["time_to_first_frames_s"] < stats["sampling_s"]
    assert stats["bubble_fraction"] == 0.0 and stats["block_frames"] == 3 and stats["context_frames"] == 1


def test_streamed_decode_equals_decoding_the_whole_video(reference):
    out, _ = reference
    whole = StreamingDecoder(FACTORY().vae).decode(out.latents)[:41]
    assert np.array_equal(whole, out.frames)


def test_same_seed_same_video_other_seed_other_video(reference):
    out, _ = reference
    again, other = Collector(), Collector()
    generate_long_video(FACTORY, small_request(), on_block=again)
    generate_long_video(FACTORY, small_request(seed=12), on_block=other)
    assert torch.equal(again.latents, out.latents)
    assert not torch.allclose(other.latents, out.latents, atol=1e-2)


def test_feature_cache_is_close_to_recomputing_the_newer_context(reference):
    out, stats = reference
    recomputed = Collector()
    slow = generate_long_video(FACTORY, small_request(feature_cache=False), on_block=recomputed)
    assert slow["forwards"] == stats["forwards"]
    diff = (recomputed.latents - out.latents).abs()
    assert 0 < diff.mean() < 0.25 * out.latents.abs().mean()
    # block 0 at its first step has no newer block: identical start, the context only acts later
    no_context = Collector()
    generate_long_video(FACTORY, small_request(context_frames=0), on_block=no_context)
    assert (no_context.latents - out.latents).abs().mean() > diff.mean()


def test_regenerate_from_t_reuses_earlier_blocks_and_joins_without_a_seam(tmp_path, reference):
    out, _ = reference
    first = Collector()
    generate_long_video(FACTORY, small_request(), on_block=first, cache_dir=tmp_path)
    assert torch.equal(first.latents, out.latents)
    # unchanged prompts: regenerating from 1.5 s reproduces the full run exactly
    same = Collector()
    stats = generate_long_video(FACTORY, small_request(), on_block=same, cache_dir=tmp_path, regenerate_from_s=1.5)
    assert stats["reused_blocks"] == 2 and [b.reused for b in same.blocks] == [True, True, False, False]
    assert np.array_equal(same.frames, out.frames)
    # a prompt edited after 1.5 s: the blocks before stay, the rest changes
    edited = small_request(prompts=PromptTimeline("a grey background", (
        TimedPrompt(0.0, 1.2, "a red circle", transition=0.5), TimedPrompt(1.2, 1.7, "a blue square", transition=0.5),
        TimedPrompt(1.7, 3.0, "a green triangle", transition=0.5))))
    changed = Collector()
    generate_long_video(FACTORY, edited, on_block=changed, cache_dir=tmp_path, regenerate_from_s=1.5)
    cut = out.blocks[2].start_frame
    assert np.array_equal(changed.frames[:cut], out.frames[:cut])
    assert not np.array_equal(changed.frames[cut:], out.frames[cut:])
    # the seam: regenerated block 2 continues block 1 as the full run with the edited prompt does
    full_edit = Collector()
    generate_long_video(FACTORY, edited, on_block=full_edit)
    seam = (changed.latents[:, :, 6] - full_edit.latents[:, :, 6]).abs().mean()
    assert seam < 0.1 * full_edit.latents.abs().mean()


def test_regenerate_needs_a_cache():
    with pytest.raises(ValueError, match="cache_dir"):
        generate_long_video(FACTORY, small_request(), regenerate_from_s=1.0)


@pytest.mark.parametrize("mode", ["full", "window"])
def test_baselines_produce_the_same_video_length(mode):
    out = Collector()
    stats = generate_long_video(FACTORY, small_request(mode=mode), on_block=out)
    assert out.frames.shape == (41, 32, 32, 3)
    expected = 3 if mode == "full" else 3 * 5  # windows of 3 latent frames, stride 2, over 11 frames
    assert stats["forwards"] == expected and stats["mode"] == mode


def test_sizes_the_model_cannot_take_are_refused_by_name():
    with pytest.raises(ValueError, match="height"):
        generate_long_video(FACTORY, dataclasses.replace(small_request(), height=36))


def test_a_hard_cut_moves_to_a_block_boundary_and_cuts_the_context():
    def cut_at_1s(first_text: str):
        return small_request(prompts=PromptTimeline("a grey background", (
            TimedPrompt(0.0, 1.1, first_text), TimedPrompt(1.1, 3.0, "a blue square", hard_cut=True))))

    request = cut_at_1s("a red circle")
    plan = request.plan(temporal=4)
    assert plan.cut_before == {2}  # block 2 starts at frame 21 (1.31 s), the block start nearest to 1.1 s
    assert not any(t.old_context for t in plan.tasks if t.block == 2)
    a, b = Collector(), Collector()
    generate_long_video(FACTORY, request, on_block=a)
    generate_long_video(FACTORY, cut_at_1s("a green triangle"), on_block=b)
    # before the cut the videos differ; after it nothing of the earlier scene leaks in
    assert not torch.allclose(a.latents[:, :, :6], b.latents[:, :, :6], atol=1e-3)
    assert torch.equal(a.latents[:, :, 6:], b.latents[:, :, 6:])


def test_the_samplers_memory_does_not_grow_with_length(reference):
    _, stats = reference  # 4 blocks: the queue of 3 steps is full
    longer = generate_long_video(FACTORY, small_request(num_frames=161))
    assert longer["blocks"] == 14
    assert longer["peak_state_mb_total"] == stats["peak_state_mb_total"] > 0
    full_short = generate_long_video(FACTORY, small_request(mode="full", num_frames=21))
    full_long = generate_long_video(FACTORY, small_request(mode="full", num_frames=81))
    assert full_long["peak_state_mb_total"] > 2 * full_short["peak_state_mb_total"]  # the whole latent video


def test_guidance_one_runs_without_the_unconditional_pass(reference):
    out, _ = reference
    unguided = Collector()
    generate_long_video(FACTORY, small_request(guidance=1.0), on_block=unguided)
    assert unguided.frames.shape == out.frames.shape
    assert not torch.allclose(unguided.latents, out.latents, atol=1e-3)


def _keyed(*keyframes):
    """The small request with keyframes on its second prompt (1.2 s .. 3 s)."""
    return small_request(prompts=PromptTimeline("a grey background", (
        TimedPrompt(0.0, 1.2, "a red circle", transition=0.5),
        TimedPrompt(1.2, 3.0, "a blue square", transition=0.5, keyframes=keyframes))))


def test_keyframes_that_restate_the_defaults_change_nothing(reference):
    out, _ = reference
    same = Collector()
    generate_long_video(FACTORY, _keyed(("guidance", 0.0, 3.0), ("weight", 1.0, 1.0)), on_block=same)
    assert torch.equal(same.latents, out.latents)


@pytest.mark.parametrize("keyframe", [("guidance", 0.5, 1.0), ("weight", 0.5, 0.2)])
def test_guidance_and_weight_keyframes_change_the_blocks_where_they_hold(reference, keyframe):
    out, _ = reference
    keyed = Collector()
    generate_long_video(FACTORY, _keyed(keyframe), on_block=keyed)
    assert keyed.frames.shape == out.frames.shape
    late = slice(7, None)       # latent frames from ~2.1 s on: only the keyed prompt holds there
    assert not torch.allclose(keyed.latents[:, :, late], out.latents[:, :, late], atol=1e-3)
