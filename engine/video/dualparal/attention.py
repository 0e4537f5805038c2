"""Self-attention with block context, set on Wan's ``attn1`` through diffusers' processor API.

A ``WindowAttnProcessor`` replaces ``WanAttnProcessor`` in the self-attention of the transformer
blocks a worker holds. All of them read one shared ``WindowState`` that the sampler sets before each
forward: whether to append the feature cache (the keys/values of the newer block's first frames,
left by the forward just before at the same layer) and which of this window's tokens to store for
the next forward. Keys are cached before rotary embedding and rotated at their position in the
reader's window, so positions stay local to the window and the video length is unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from diffusers.models.attention_dispatch import dispatch_attention_fn

Rope = tuple[torch.Tensor, torch.Tensor]


def apply_rope(x: torch.Tensor, rope: Rope) -> torch.Tensor:
    """Rotate interleaved pairs of ``x`` (B, S, heads, D) by Wan's (cos, sin) of shape (1, S, 1, D)."""
    cos, sin = rope
    x1, x2 = x.unflatten(-1, (-1, 2)).unbind(-1)
    c, s = cos[..., 0::2], sin[..., 1::2]
    return torch.stack((x1 * c - x2 * s, x1 * s + x2 * c), dim=-1).flatten(-2).type_as(x)


@dataclass
class WindowState:
    """What the processors do in the current forward (set by the sampler before each one)."""

    read_cache: bool = False
    cached_rope: Rope | None = None  # rotary embedding of the cached tokens at their window positions
    write_tokens: slice | None = None  # the tokens whose K/V the next forward reads


class WindowAttnProcessor:
    """Wan self-attention over the window's tokens plus the cached keys/values of the newer block."""

    def __init__(self, state: WindowState):
        self.state = state
        self.cache: tuple[torch.Tensor, torch.Tensor] | None = None

    def __call__(
        self,
        attn: torch.nn.Module,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        rotary_emb: Rope | None = None,
    ) -> torch.Tensor:
        if encoder_hidden_states is not None or getattr(attn, "fused_projections", False):
            raise ValueError("WindowAttnProcessor is for unfused self-attention (attn1) only")
        heads = attn.heads
        query = attn.norm_q(attn.to_q(hidden_states)).unflatten(2, (heads, -1))
        key = attn.norm_k(attn.to_k(hidden_states)).unflatten(2, (heads, -1))
        value = attn.to_v(hidden_states).unflatten(2, (heads, -1))
        state = self.state
        fresh = None
        if state.write_tokens is not None:
            fresh = (key[:, state.write_tokens].clone(), value[:, state.write_tokens].clone())
        if rotary_emb is not None:
            query = apply_rope(query, rotary_emb)
            key = apply_rope(key, rotary_emb)
        if state.read_cache:
            if self.cache is None or state.cached_rope is None:
                raise RuntimeError("feature cache read before it was written")
            cached_key, cached_value = self.cache
            key = torch.cat([key, apply_rope(cached_key, state.cached_rope)], dim=1)
            value = torch.cat([value, cached_value], dim=1)
        self.cache = fresh
        out = dispatch_attention_fn(query, key, value, attn_mask=attention_mask, dropout_p=0.0, is_causal=False)
        out = out.flatten(2, 3).type_as(query)
        return attn.to_out[1](attn.to_out[0](out))
