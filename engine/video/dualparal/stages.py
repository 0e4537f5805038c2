"""Wan's transformer cut into pipeline stages: embed, a contiguous slice of blocks, head.

The stages call the model's own submodules (patch embedding, condition embedder, transformer
blocks, output norm and projection) in the order of ``WanTransformer3DModel.forward``, with two
differences that block-wise sampling needs: every latent frame carries its own timestep (the older
block's context frames are less noisy than the block itself), and rotary positions are those of the
current token window. A worker holding layers ``[a, b)`` frees the other blocks.
"""

from __future__ import annotations

import itertools

import torch
from diffusers import WanTransformer3DModel

from engine.video.dualparal.attention import Rope, WindowAttnProcessor, WindowState


def layer_slices(num_layers: int, workers: int) -> list[range]:
    """Contiguous, balanced slices of ``num_layers`` transformer blocks over ``workers`` workers."""
    if not 1 <= workers <= num_layers:
        raise ValueError(f"workers must be between 1 and the model's {num_layers} layers, got {workers}")
    bounds = [round(i * num_layers / workers) for i in range(workers + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


class StagedWan:
    """The part of a ``WanTransformer3DModel`` one pipeline worker runs."""

    def __init__(self, model: WanTransformer3DModel, layers: range, *, first: bool, last: bool):
        self.model = model.eval().requires_grad_(False)
        self.layers = layers
        self.first, self.last = first, last
        self.patch = tuple(model.config.patch_size)
        if self.patch[0] != 1:
            raise ValueError(f"block-wise sampling needs a temporal patch size of 1, the model has {self.patch[0]}")
        self.window = WindowState()
        for i, block in enumerate(model.blocks):
            if i in layers:
                block.attn1.set_processor(WindowAttnProcessor(self.window))
            else:
                model.blocks[i] = torch.nn.Identity()
        self.dim = model.config.num_attention_heads * model.config.attention_head_dim

    @property
    def dtype(self) -> torch.dtype:
        return self.model.proj_out.weight.dtype

    def tokens_per_frame(self, height: int, width: int) -> int:
        return (height // self.patch[1]) * (width // self.patch[2])

    def rope(self, frames: int, height: int, width: int) -> Rope:
        """Rotary (cos, sin) for ``frames`` latent frames at window positions 0..frames-1."""
        shape_probe = torch.empty(1, 0, frames, height, width, device=self.model.rope.freqs_cos.device)
        return self.model.rope(shape_probe)

    def embed(self, latents: torch.Tensor) -> torch.Tensor:
        """Patch-embed (1, C, F, H, W) latents into (1, tokens, dim)."""
        hidden = self.model.patch_embedding(latents.to(self.dtype))
        return hidden.flatten(2).transpose(1, 2).contiguous()

    def text(self, prompt_embeds: torch.Tensor) -> torch.Tensor:
        """Project (batch, text_tokens, text_dim) prompt embeddings into the model width."""
        return self.model.condition_embedder.text_embedder(prompt_embeds.to(self.dtype))

    def time(self, frame_timesteps: torch.Tensor, tokens_per_frame: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-token time embedding (1, tokens, dim) and modulation (1, tokens, 6, dim).

        Computed once per distinct timestep and gathered per token (the same values as passing the
        per-token timesteps to the model, at a fraction of the cost).
        """
        emb = self.model.condition_embedder
        distinct, which = torch.unique(frame_timesteps, return_inverse=True)
        freq = emb.timesteps_proj(distinct)
        time_dtype = next(iter(emb.time_embedder.parameters())).dtype
        if freq.dtype != time_dtype and time_dtype != torch.int8:
            freq = freq.to(time_dtype)
        temb = emb.time_embedder(freq).to(self.dtype)
        proj = emb.time_proj(emb.act_fn(temb)).unflatten(1, (6, -1))
        per_token = which.repeat_interleave(tokens_per_frame)
        return temb[per_token].unsqueeze(0), proj[per_token].unsqueeze(0)

    def run_layers(self, hidden: torch.Tensor, text: torch.Tensor, modulation: torch.Tensor, rope: Rope) -> torch.Tensor:
        """Pass (batch, tokens, dim) hidden states through this worker's transformer blocks."""
        batch = hidden.shape[0]
        modulation = modulation.expand(batch, *modulation.shape[1:])
        for i in self.layers:
            hidden = self.model.blocks[i](hidden, text, modulation, rope)
        return hidden

    def head(self, hidden: torch.Tensor, temb: torch.Tensor, frames: int, height: int, width: int) -> torch.Tensor:
        """Output norm and projection of (batch, frames*hw, dim) tokens into (batch, C, frames, H, W)."""
        m = self.model
        shift, scale = (m.scale_shift_table.unsqueeze(0) + temb.unsqueeze(2)).chunk(2, dim=2)
        hidden = (m.norm_out(hidden.float()) * (1 + scale.squeeze(2)) + shift.squeeze(2)).type_as(hidden)
        hidden = m.proj_out(hidden)
        p_t, p_h, p_w = self.patch
        batch = hidden.shape[0]
        hidden = hidden.reshape(batch, frames, height // p_h, width // p_w, p_t, p_h, p_w, -1)
        return hidden.permute(0, 7, 1, 4, 2, 5, 3, 6).flatten(6, 7).flatten(4, 5).flatten(2, 3)
