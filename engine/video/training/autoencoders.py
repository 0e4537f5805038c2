"""The autoencoder candidates of the builtin model, as diffusers classes with small configs.

``frame_autoencoder`` is the per-frame 2-D ``AutoencoderKL`` (4x spatial compression, no temporal
compression) that the builtin model uses; ``wan_autoencoder`` is the small ``AutoencoderKLWan`` it was
measured against (see ``benchmarks/vae_trial.py`` and the training README).

Both are trained through their deterministic path: ``encode_mean`` gives the posterior mean and
``decode_unclamped`` runs ``post_quant_conv`` and the decoder without the output clamp, so gradients
survive outside [-1, 1].
"""

from __future__ import annotations

import torch
from diffusers import AutoencoderKL, AutoencoderKLWan

FRAME_LATENT_CHANNELS = 4
FRAME_SPATIAL_FACTOR = 4


def frame_autoencoder() -> AutoencoderKL:
    """A small 2-D KL autoencoder: 64x64x3 frames -> 16x16x4 latents (three levels, two downsamplings).

    An 8x8x16 version (four levels) holds as many numbers but plateaued near 78% on the gate's detector:
    objects a few pixels wide fall inside one latent pixel and came back round (training README).

    Its config also carries ``scale_factor_spatial``/``scale_factor_temporal`` (8 and 1), which
    ``WanPipeline`` reads from its VAE; diffusers keeps such extra keys (with a warning on load).
    """
    vae = AutoencoderKL(
        in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(16, 32, 64),
        layers_per_block=1,
        latent_channels=FRAME_LATENT_CHANNELS,
        norm_num_groups=1,
        sample_size=64,
        mid_block_add_attention=False,
        scaling_factor=1.0,
        shift_factor=0.0,
    )
    vae.register_to_config(scale_factor_spatial=FRAME_SPATIAL_FACTOR, scale_factor_temporal=1)
    return vae


def wan_autoencoder() -> AutoencoderKLWan:
    """The small Wan VAE of FACTS.md: 4x spatial and 4x temporal compression, 8 latent channels."""
    return AutoencoderKLWan(
        base_dim=16, z_dim=8, dim_mult=[1, 2, 4], num_res_blocks=1,
        temperal_downsample=[True, True],
        latents_mean=[0.0] * 8, latents_std=[1.0] * 8,
    )


def encode_mean(vae: AutoencoderKL | AutoencoderKLWan, x: torch.Tensor) -> torch.Tensor:
    """Posterior mean of ``x`` (frames B x 3 x H x W for the 2-D VAE, clips B x 3 x F x H x W for Wan)."""
    return vae.encode(x).latent_dist.mode()


def decode_unclamped(vae: AutoencoderKL | AutoencoderKLWan, z: torch.Tensor) -> torch.Tensor:
    """Decode without the [-1, 1] clamp that the stock ``decode`` of the Wan VAE applies."""
    if isinstance(vae, AutoencoderKLWan):
        vae.clear_cache()
        x = vae.post_quant_conv(z)
        frames = []
        for i in range(x.shape[2]):
            vae._conv_idx = [0]
            frames.append(vae.decoder(x[:, :, i:i + 1], feat_cache=vae._feat_map, feat_idx=vae._conv_idx,
                                      first_chunk=(i == 0)))
        vae.clear_cache()
        return torch.cat(frames, 2)
    return vae.decoder(vae.post_quant_conv(z))


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two tensors in [-1, 1]."""
    mse = torch.mean((a.clamp(-1, 1) - b.clamp(-1, 1)) ** 2).item()
    return float(10.0 * torch.log10(torch.tensor(4.0 / max(mse, 1e-12))).item())
