"""Streaming decode with Wan's causal VAE: blocks of latents in, video frames out, no seams.

Wan's decoder is causal in time and decodes one latent frame at a time, carrying a cache of the
last frames of every causal convolution. ``StreamingDecoder`` keeps that cache across blocks, so a
video decoded block by block is the same as one decoded whole; ``state``/``load_state`` save and
restore the cache so that a regeneration can resume decoding after a reused block. A per-frame 2-D
``AutoencoderKL`` (the builtin model's) has no cache: ``FrameDecoder`` decodes frame by frame.
"""

from __future__ import annotations

import numpy as np
import torch
from diffusers import AutoencoderKL, AutoencoderKLWan
from diffusers.models.autoencoders.autoencoder_kl_wan import WanCausalConv3d, unpatchify


def _latent_stats(vae: AutoencoderKL | AutoencoderKLWan, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
    c = vae.config
    mean = getattr(c, "latents_mean", None)
    std = getattr(c, "latents_std", None)
    shape = (1, channels, 1, 1, 1)
    return (torch.tensor(mean, dtype=torch.float32).view(shape) if mean is not None else torch.zeros(shape),
            torch.tensor(std, dtype=torch.float32).view(shape) if std is not None else torch.ones(shape))


def _to_uint8(video: torch.Tensor) -> np.ndarray:
    """(C, F, H, W) in [-1, 1] -> (F, H, W, 3) uint8."""
    return ((video.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 3, 0).cpu().numpy()


class FrameDecoder:
    """Decodes latents frame by frame with a 2-D ``AutoencoderKL`` (stateless across blocks)."""

    def __init__(self, vae: AutoencoderKL):
        self.vae = vae.eval()
        self._mean, self._std = _latent_stats(vae, vae.config.latent_channels)

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> np.ndarray:
        z = latents.float() * self._std.to(latents.device) + self._mean.to(latents.device)
        frames = z[0].permute(1, 0, 2, 3).to(self.vae.dtype)  # (F, C, h, w)
        return _to_uint8(self.vae.decode(frames, return_dict=False)[0].permute(1, 0, 2, 3))

    def state(self) -> dict:
        return {}

    def load_state(self, state: dict) -> None:
        return None


def make_decoder(vae: AutoencoderKL | AutoencoderKLWan) -> StreamingDecoder | FrameDecoder:
    """The block decoder for ``vae``."""
    return StreamingDecoder(vae) if isinstance(vae, AutoencoderKLWan) else FrameDecoder(vae)


class StreamingDecoder:
    """Decodes consecutive latent blocks of one video with a persistent causal cache."""

    def __init__(self, vae: AutoencoderKLWan):
        self.vae = vae.eval()
        self._convs = sum(isinstance(m, WanCausalConv3d) for m in vae.decoder.modules())
        self._mean, self._std = _latent_stats(vae, vae.config.z_dim)
        self._cache: list = [None] * self._convs
        self._started = False

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> np.ndarray:
        """Decode (1, C, F, H, W) normalised latents into uint8 frames (N, H, W, 3)."""
        vae = self.vae
        dtype = vae.post_quant_conv.weight.dtype
        z = (latents.float() * self._std.to(latents.device) + self._mean.to(latents.device)).to(dtype)
        x = vae.post_quant_conv(z)
        chunks = []
        for i in range(x.shape[2]):
            chunks.append(vae.decoder(x[:, :, i:i + 1], feat_cache=self._cache, feat_idx=[0],
                                      first_chunk=not self._started))
            self._started = True
        video = torch.cat(chunks, dim=2)
        if vae.config.patch_size is not None:
            video = unpatchify(video, patch_size=vae.config.patch_size)
        return _to_uint8(video[0])

    def state(self) -> dict:
        """The causal cache after the last decoded block (to resume decoding later)."""
        return {"started": self._started,
                "cache": [c.clone() if isinstance(c, torch.Tensor) else c for c in self._cache]}

    def load_state(self, state: dict) -> None:
        if len(state["cache"]) != self._convs:
            raise ValueError("saved decoder cache does not fit this VAE")
        self._started = bool(state["started"])
        self._cache = list(state["cache"])
