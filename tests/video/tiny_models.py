"""Tiny, randomly initialised model folders (real diffusers classes, saved to disk) for tests.

A module of its own (not a conftest) so that other test rooms, and child processes that keep torch
out of a GUI test process, can make the same folders.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import AutoencoderKL, AutoencoderKLWan, WanTransformer3DModel

from engine.video import shapes_model


def _tiny_umt5(folder: Path) -> None:
    """A tiny UMT5 encoder and a word-level tokenizer, saved as a Wan folder's text_encoder/tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, UMT5Config, UMT5EncoderModel

    words = ["<pad>", "</s>", "<unk>", "a", "an", "the", "red", "blue", "ball", "square", "moving", "left", "right", "on", "sand", "green", "grass", "bouncing"]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    tokenizer.save_pretrained(folder / "tokenizer")
    config = UMT5Config(vocab_size=len(words), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                        pad_token_id=0, eos_token_id=1)
    UMT5EncoderModel(config).save_pretrained(folder / "text_encoder")


def make_model_folder(folder: Path, vae_kind: str = "frame", seed: int = 0, text: str = "minilm",
                      layers: int = 1) -> Path:
    """A builtin-style folder (MiniLM text) or, with ``text="umt5"``, a Wan2.1-style folder."""
    torch.manual_seed(seed)
    if vae_kind == "frame":
        vae = AutoencoderKL(
            down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(8, 8, 8, 8), layers_per_block=1, latent_channels=4, norm_num_groups=4,
            mid_block_add_attention=False, latents_mean=[0.1, -0.2, 0.0, 0.3], latents_std=[1.5, 0.5, 1.0, 2.0],
        )
        vae.register_to_config(scale_factor_spatial=8, scale_factor_temporal=1)
        vae_class = "AutoencoderKL"
    else:
        vae = AutoencoderKLWan(base_dim=8, z_dim=4, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                               temperal_downsample=[False, True, True],
                               latents_mean=[0.0] * 4, latents_std=[1.0] * 4)
        vae_class = "AutoencoderKLWan"
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=4, out_channels=4,
        text_dim=384 if text == "minilm" else 16, freq_dim=32, ffn_dim=32, num_layers=layers, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=64,
    )
    folder.mkdir(parents=True, exist_ok=True)
    vae.save_pretrained(folder / "vae")
    transformer.save_pretrained(folder / "transformer")
    shapes_model.scheduler().save_pretrained(folder / "scheduler")
    shapes_model.write_model_index(folder, vae_class)
    if text == "umt5":
        _tiny_umt5(folder)
        index = json.loads((folder / "model_index.json").read_text())
        del index[shapes_model.TEXT_ENCODER_KEY]
        index["text_encoder"] = ["transformers", "UMT5EncoderModel"]
        index["tokenizer"] = ["transformers", "PreTrainedTokenizerFast"]
        (folder / "model_index.json").write_text(json.dumps(index, indent=2))
    return folder
