"""Parts taken from a diffusers WanPipeline, with a per-frame 2-D VAE like the builtin model's."""

import functools

import numpy as np
import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, WanPipeline

from engine.video.dualparal.api import generate_long_video
from engine.video.dualparal.parts import WanParts, tiny_random_parts

from .conftest import Collector, small_request


def pipeline_parts(seed: int) -> WanParts:
    tiny = tiny_random_parts(seed, layers=2, heads=2, head_dim=24, with_vae=False)
    torch.manual_seed(seed)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(16, 16, 16),
                        down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                        layers_per_block=1, norm_num_groups=8)
    vae.register_to_config(scale_factor_spatial=4, scale_factor_temporal=1)  # as the builtin model's VAE
    pipeline = WanPipeline(tokenizer=None, text_encoder=None, vae=vae, transformer=tiny.transformer,
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0))
    return WanParts.from_pipeline(pipeline, tiny.encode_prompts, name="pipeline-2d")


def test_a_pipeline_with_a_per_frame_vae_streams_every_frame():
    parts = pipeline_parts(0)
    assert parts.temporal_factor == 1 and parts.spatial_ratio == 4
    out = Collector()
    stats = generate_long_video(functools.partial(pipeline_parts, 0), small_request(num_frames=20), on_block=out)
    assert stats["blocks"] == 7  # 20 latent frames in blocks of 3
    assert out.frames.shape == (20, 32, 32, 3)
    assert [b.start_frame for b in out.blocks] == list(range(0, 20, 3))
    # per-frame decoding of the whole latent video gives the same frames
    z = out.latents[0].permute(1, 0, 2, 3)[:20]
    whole = parts.vae.decode(z, return_dict=False)[0]
    whole = ((whole.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    assert np.abs(whole.astype(int) - out.frames.astype(int)).max() <= 1  # batch size changes rounding only
