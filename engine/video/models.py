"""Loading video models for generation: the builtin shapes model or a local Wan diffusers folder.

Both load through ``WanPipeline.from_pretrained`` offline (``local_files_only``: nothing is ever
downloaded). ``VideoModel`` hides their two differences from the sampler:
- the VAE: the builtin model's per-frame 2-D ``AutoencoderKL`` (4x spatial, no temporal compression),
  or Wan's causal 3-D ``AutoencoderKLWan`` (8x or 16x spatial, 4x temporal);
- the text encoder: MiniLM token embeddings for the builtin model, the folder's own UMT5 for Wan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL, AutoencoderKLWan, WanPipeline

from engine.resources import resource_path
from engine.video.shapes_model import TEXT_ENCODER_KEY

BUILTIN_MODELS = {"builtin:shapes": resource_path("models", "shapes")}
SUPPORTED_PIPELINES = ("WanPipeline",)
WAN_TEXT_TOKENS = 512  # what WanPipeline.__call__ uses


class ModelError(ValueError):
    """A model that cannot be used, with a message naming the ``model`` field and the fix."""


@dataclass
class VideoModel:
    name: str
    folder: Path
    pipeline: WanPipeline
    builtin: bool

    @property
    def vae(self) -> AutoencoderKL | AutoencoderKLWan:
        return self.pipeline.vae

    @property
    def spatial_factor(self) -> int:
        if isinstance(self.vae, AutoencoderKLWan):
            return int(self.vae.config.scale_factor_spatial)
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def temporal_factor(self) -> int:
        return int(self.vae.config.scale_factor_temporal) if isinstance(self.vae, AutoencoderKLWan) else 1

    @property
    def size_multiple(self) -> int:
        patch = self.pipeline.transformer.config.patch_size
        return self.spatial_factor * max(patch[1], patch[2])

    @property
    def latent_channels(self) -> int:
        return int(self.pipeline.transformer.config.in_channels)

    def frames_for(self, frames: int) -> int:
        """The nearest frame count at or above ``frames`` that the VAE can make (4k+1 for Wan)."""
        k = self.temporal_factor
        return frames if k == 1 else ((max(frames, 1) - 1 + k - 1) // k) * k + 1

    def latent_frames(self, frames: int) -> int:
        return (frames - 1) // self.temporal_factor + 1

    @torch.no_grad()
    def encode_prompts(self, prompts: list[str]) -> torch.Tensor:
        """B x L x D text embeddings for the transformer's cross-attention (empty prompts: zeros)."""
        if self.builtin:
            from engine.video.text_minilm import encode

            return encode(prompts)
        embeds, _ = self.pipeline.encode_prompt(prompts, do_classifier_free_guidance=False,
                                                max_sequence_length=WAN_TEXT_TOKENS, device=torch.device("cpu"))
        return embeds

    def _stats(self, latents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.vae.config
        shape = (1, latents.shape[1], 1, 1, 1)
        mean = torch.tensor(c.latents_mean).view(shape) if c.latents_mean is not None else torch.zeros(shape)
        std = torch.tensor(c.latents_std).view(shape) if c.latents_std is not None else torch.ones(shape)
        return mean.to(latents), std.to(latents)

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> np.ndarray:
        """Normalised latents (1 x C x f x h x w) -> F x H x W x 3 uint8 RGB frames."""
        mean, std = self._stats(latents)
        z = (latents * std + mean).to(self.vae.dtype)
        if isinstance(self.vae, AutoencoderKLWan):
            video = self.vae.decode(z, return_dict=False)[0][0].permute(1, 2, 3, 0)
        else:
            video = self.vae.decode(z[0].permute(1, 0, 2, 3), return_dict=False)[0].permute(0, 2, 3, 1)
        return ((video.float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8).numpy()


def resolve_folder(model: str) -> tuple[Path, bool]:
    """The folder of ``model`` and whether it is a builtin model; raises ModelError with the fix."""
    if model.startswith("builtin:"):
        if model not in BUILTIN_MODELS:
            raise ModelError(f"model {model!r} is not a builtin model; builtin models: {', '.join(BUILTIN_MODELS)}")
        return BUILTIN_MODELS[model], True
    folder = Path(model).expanduser()
    if not folder.is_dir():
        raise ModelError(f"model folder {str(folder)!r} does not exist; give the path of a local diffusers "
                         "Wan folder (containing model_index.json) or 'builtin:shapes'")
    return folder, False


def _read_index(folder: Path, model: str) -> dict:
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise ModelError(f"model {model!r}: {str(folder)!r} has no model_index.json, so it is not a diffusers "
                         "model folder; point model at a Wan2.1/Wan2.2 diffusers folder")
    try:
        index = json.loads(index_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"model {model!r}: model_index.json cannot be read ({exc})") from None
    if index.get("_class_name") not in SUPPORTED_PIPELINES:
        raise ModelError(f"model {model!r}: the folder holds a {index.get('_class_name')!r}, not a supported "
                         f"text-to-video pipeline ({', '.join(SUPPORTED_PIPELINES)}: Wan2.1 T2V 1.3B/14B, Wan2.2)")
    if index.get("transformer", [None])[0] is None and index.get("transformer_2", [None])[0] is None:
        raise ModelError(f"model {model!r}: the folder has no transformer yet (an untrained or partial export)")
    return index


def load(model: str, dtype: torch.dtype = torch.float32) -> VideoModel:
    """Load ``model`` ('builtin:shapes' or a local folder) offline, in eval mode."""
    folder, builtin = resolve_folder(model)
    if builtin and not (folder / "model_index.json").is_file():
        raise ModelError(f"model {model!r}: its weights are missing from {str(folder)!r}; reinstall NoiseLoom "
                         "or train them (python -m engine.video.training.driver train)")
    index = _read_index(folder, model)
    builtin = builtin or TEXT_ENCODER_KEY in index
    if builtin and not (folder / "transformer").is_dir():
        raise ModelError(f"model {model!r}: {str(folder)!r} has no transformer yet; the training run has not "
                         "reached the transformer stage (see engine/video/training/README.md)")
    try:
        extra = {"text_encoder": None, "tokenizer": None} if builtin else {}
        pipeline = WanPipeline.from_pretrained(folder, dtype=dtype, local_files_only=True, **extra)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise ModelError(f"model {model!r}: the weights in {str(folder)!r} cannot be loaded ({exc})") from None
    if pipeline.transformer is None or pipeline.vae is None:
        raise ModelError(f"model {model!r}: the folder lacks a transformer or a VAE")
    if not builtin and (pipeline.text_encoder is None or pipeline.tokenizer is None):
        raise ModelError(f"model {model!r}: the folder lacks its text encoder (text_encoder/ and tokenizer/)")
    for part in (pipeline.transformer, pipeline.transformer_2, pipeline.vae, pipeline.text_encoder):
        if part is not None:
            part.eval()
    return VideoModel(model, folder, pipeline, builtin)
