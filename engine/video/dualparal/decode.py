"""Streaming decode with Wan's causal VAE: blocks of latents in, video frames out, no seams.

Wan's decoder is causal in time and decodes one latent frame at a time, carrying a cache of the
last frames of every causal convolution. ``StreamingDecoder`` keeps that cache across blocks, so a
video decoded block by block is the same as one decoded whole; ``state``/``load_state`` save and
restore the cache so that a regeneration can resume decoding after a reused block.
"""

from __future__ import annotations

import numpy as np
import torch
from diffusers import AutoencoderKLWan
from diffusers.models.autoencoders.autoencoder_kl_wan import WanCausalConv3d, unpatchify


class StreamingDecoder:
    """Decodes consecutive latent blocks of one video with a persistent causal cache."""

    def __init__(self, vae: AutoencoderKLWan):
        self.vae = vae.eval()
        self._convs = sum(isinstance(m, WanCausalConv3d) for m in vae.decoder.modules())
        z_dim = vae.config.z_dim
        self._mean = torch.tensor(vae.config.latents_mean, dtype=torch.float32).view(1, z_dim, 1, 1, 1)
        self._std = torch.tensor(vae.config.latents_std, dtype=torch.float32).view(1, z_dim, 1, 1, 1)
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
        video = ((video.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return video[0].permute(1, 2, 3, 0).cpu().numpy()

    def state(self) -> dict:
        """The causal cache after the last decoded block (to resume decoding later)."""
        return {"started": self._started,
                "cache": [c.clone() if isinstance(c, torch.Tensor) else c for c in self._cache]}

    def load_state(self, state: dict) -> None:
        if len(state["cache"]) != self._convs:
            raise ValueError("saved decoder cache does not fit this VAE")
        self._started = bool(state["started"])
        self._cache = list(state["cache"])
