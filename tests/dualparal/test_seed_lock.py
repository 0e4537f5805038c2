"""Seed lock: the latent frames a locked prompt holds start from the prompt's own seed, in the DualParal
sampler and in the window baseline, so changing the job's seed leaves them alone; locking with the
job's own seed changes nothing; worker processes lock alike."""

import pytest
import torch

from engine.video.dualparal.api import generate_long_video
from engine.video.prompts import PromptTimeline, TimedPrompt

from .conftest import FACTORY, Collector, small_request

LOCKED = slice(6, 12)  # latent frames 6..11 (video frames 21..41, from 1.3125 s) lie in the blue prompt
FREE = slice(0, 6)


def locked_request(lock: int | None, job_seed: int, **changes):
    """The conftest's two prompts, the second (1.2 s to the end: blocks 2 and 3) locked to ``lock``."""
    prompts = PromptTimeline("a grey background", (
        TimedPrompt(0.0, 1.2, "a red circle", transition=0.5),
        TimedPrompt(1.2, 3.0, "a blue square", transition=0.5, seed=lock)))
    return small_request(prompts=prompts, seed=job_seed, **changes)


def initial_noise(request) -> torch.Tensor:
    """The initial noise of every latent frame, as the sampler and the baselines draw it."""
    parts = FACTORY()
    ratio = parts.spatial_ratio
    noise = request.initialiser(parts.latent_channels, request.height // ratio, request.width // ratio,
                                parts.temporal_factor)
    plan = request.plan(parts.temporal_factor)
    return torch.cat([noise.block_noise(k, plan.block_frames) for k in range(plan.blocks)], dim=2)


def differs_per_frame(a: torch.Tensor, b: torch.Tensor) -> bool:
    return all(not torch.equal(a[:, :, f], b[:, :, f]) for f in range(a.shape[2]))


def test_the_locked_prompts_frames_keep_their_noise_when_the_job_seed_or_other_prompts_change():
    first, second = initial_noise(locked_request(77, 11)), initial_noise(locked_request(77, 12))
    assert first.shape[2] == 12
    assert torch.equal(first[:, :, LOCKED], second[:, :, LOCKED])
    assert differs_per_frame(first[:, :, FREE], second[:, :, FREE])
    # the locked frames hold the noise the job's initialiser gives those very frames for the lock's seed
    assert torch.equal(first[:, :, LOCKED], initial_noise(locked_request(None, 77))[:, :, LOCKED])
    assert torch.equal(first[:, :, FREE], initial_noise(locked_request(None, 11))[:, :, FREE])
    # other prompts edited (text, span, transition, their own lock): the locked frames keep their noise
    edited = small_request(seed=11, prompts=PromptTimeline("a grey background", (
        TimedPrompt(0.0, 0.7, "a green triangle", transition=0.2, seed=3),
        TimedPrompt(1.2, 3.0, "a blue square", transition=0.5, seed=77))))
    assert torch.equal(initial_noise(edited)[:, :, LOCKED], first[:, :, LOCKED])


def test_locking_with_the_job_seed_changes_nothing():
    assert torch.equal(initial_noise(locked_request(11, 11)), initial_noise(locked_request(None, 11)))
    unlocked, locked = Collector(), Collector()
    generate_long_video(FACTORY, locked_request(None, 11), on_block=unlocked)
    generate_long_video(FACTORY, locked_request(11, 11), on_block=locked)
    assert torch.equal(unlocked.latents, locked.latents)


def test_a_lock_follows_the_prompt_that_holds_each_frame():
    # the red prompt locked instead: its frames 0..5 keep their noise, the blue ones follow the job seed
    def red_locked(job_seed: int):
        return small_request(seed=job_seed, prompts=PromptTimeline("a grey background", (
            TimedPrompt(0.0, 1.2, "a red circle", transition=0.5, seed=5),
            TimedPrompt(1.2, 3.0, "a blue square", transition=0.5))))

    first, second = initial_noise(red_locked(11)), initial_noise(red_locked(12))
    assert torch.equal(first[:, :, FREE], second[:, :, FREE])
    assert differs_per_frame(first[:, :, LOCKED], second[:, :, LOCKED])


@pytest.mark.parametrize("mode", ["dualparal", "window"])
def test_the_sampler_denoises_the_locked_blocks_from_the_same_noise_whatever_the_job_seed(mode):
    # without context the blocks (windows) are denoised independently: a block whose frames are all
    # locked comes out bit for bit the same under another job seed, the others change
    runs = {}
    for job_seed in (11, 12):
        out = Collector()
        generate_long_video(FACTORY, locked_request(77, job_seed, mode=mode, context_frames=0), on_block=out)
        runs[job_seed] = out.latents
    assert torch.equal(runs[11][:, :, LOCKED], runs[12][:, :, LOCKED])
    assert differs_per_frame(runs[11][:, :, FREE], runs[12][:, :, FREE])


def test_two_worker_processes_lock_the_same_noise_as_one_process():
    # every worker draws the block noise itself: a locked prompt must reach each of them alike
    one, two = Collector(), Collector()
    generate_long_video(FACTORY, locked_request(77, 12), on_block=one)
    generate_long_video(FACTORY, locked_request(77, 12), workers=2, threads_per_worker=1, on_block=two)
    assert torch.allclose(one.latents, two.latents, atol=1e-5)
    unlocked = Collector()
    generate_long_video(FACTORY, locked_request(None, 12), workers=2, threads_per_worker=1, on_block=unlocked)
    assert not torch.allclose(unlocked.latents[:, :, LOCKED], two.latents[:, :, LOCKED], atol=1e-3)
