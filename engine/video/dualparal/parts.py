"""The model parts a long-video sampler needs, and a tiny randomly initialised set for tests.

``WanParts`` bundles a ``WanTransformer3DModel``, a VAE (Wan's causal ``AutoencoderKLWan`` or a
per-frame 2-D ``AutoencoderKL``), a scheduler (copied per block) and a prompt encoder;
``WanParts.from_pipeline`` takes them from a loaded diffusers ``WanPipeline``. Workers build their parts from a picklable factory (a module-level
function, possibly wrapped in ``functools.partial``), so that spawned processes and ``torchrun``
ranks get identical weights without sending them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderKLWan,
    UniPCMultistepScheduler,
    WanPipeline,
    WanTransformer3DModel,
)
from diffusers.schedulers.scheduling_utils import SchedulerMixin


@dataclass
class WanParts:
    """What the sampler runs: transformer, VAE (needed on the decoding worker only), scheduler, encoder."""

    transformer: WanTransformer3DModel
    vae: AutoencoderKLWan | AutoencoderKL | None
    scheduler: SchedulerMixin
    encode_prompts: Callable[[list[str]], torch.Tensor]  # texts -> (n, text_tokens, text_dim)
    name: str = "wan"
    spatial_ratio: int = 8
    temporal_factor: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.vae, AutoencoderKLWan):
            self.spatial_ratio = int(self.vae.config.scale_factor_spatial)
            self.temporal_factor = int(self.vae.config.scale_factor_temporal)
        elif isinstance(self.vae, AutoencoderKL):
            self.spatial_ratio = 2 ** (len(self.vae.config.block_out_channels) - 1)
            self.temporal_factor = 1

    @classmethod
    def from_pipeline(cls, pipeline: WanPipeline, encode_prompts: Callable[[list[str]], torch.Tensor],
                      name: str) -> WanParts:
        """The parts of a loaded ``WanPipeline`` (its transformer, VAE and scheduler)."""
        if pipeline.transformer is None:
            raise ValueError(f"model {name!r}: the pipeline has no transformer")
        return cls(pipeline.transformer.eval(), pipeline.vae.eval(), pipeline.scheduler, encode_prompts, name)

    @property
    def latent_channels(self) -> int:
        return int(self.transformer.config.in_channels)


PartsFactory = Callable[[], WanParts]


class HashTextEncoder:
    """A fixed random word-embedding table indexed by CRC32 of each word (the tiny model's encoder).

    Deterministic across processes; the empty prompt encodes to zeros (Wan has no text mask, so
    padding and the unconditional embedding are zeros).
    """

    def __init__(self, text_dim: int, seed: int, vocab: int = 4096, max_tokens: int = 16):
        generator = torch.Generator().manual_seed(seed)
        self.table = torch.randn(vocab, text_dim, generator=generator)
        self.vocab, self.max_tokens = vocab, max_tokens

    def __call__(self, texts: list[str]) -> torch.Tensor:
        out = torch.zeros(len(texts), self.max_tokens, self.table.shape[1])
        for i, text in enumerate(texts):
            words = text.lower().replace(",", " ").split()[: self.max_tokens]
            for j, word in enumerate(words):
                out[i, j] = self.table[zlib.crc32(word.encode()) % self.vocab]
        return out


def tiny_random_parts(seed: int = 0, layers: int = 4, heads: int = 4, head_dim: int = 32,
                      with_vae: bool = True) -> WanParts:
    """A small randomly initialised Wan transformer + VAE built from ``seed`` (for tests and benchmarks)."""
    torch.manual_seed(seed)
    z_dim, text_dim = 8, 64
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=heads, attention_head_dim=head_dim,
        in_channels=z_dim, out_channels=z_dim, text_dim=text_dim, freq_dim=64,
        ffn_dim=2 * heads * head_dim, num_layers=layers, rope_max_seq_len=1024,
    )
    vae = None
    if with_vae:
        vae = AutoencoderKLWan(
            base_dim=16, z_dim=z_dim, dim_mult=[1, 2, 4], num_res_blocks=1, temperal_downsample=[True, True],
            latents_mean=[0.0] * z_dim, latents_std=[1.0] * z_dim, scale_factor_spatial=4,
        ).eval().requires_grad_(False)
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0)
    return WanParts(transformer.eval().requires_grad_(False), vae, scheduler,
                    HashTextEncoder(text_dim, seed + 1), name=f"tiny-random-{seed}-{layers}x{heads}x{head_dim}",
                    spatial_ratio=4)
