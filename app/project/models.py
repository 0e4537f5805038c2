"""Checking a local diffusers model folder before it is offered as a model (Qt-free).

A folder is accepted when it is a diffusers pipeline folder: ``model_index.json`` names the pipeline
class and its components, every component listed there has its subfolder, and the denoiser
(``transformer`` or ``unet``) has a ``config.json`` and weights. Each refusal says what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BUILTIN_MODELS = ("builtin:shapes",)
_WEIGHTS = ("*.safetensors", "*.bin", "*.safetensors.index.json", "*.bin.index.json")


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    pipeline: str
    components: tuple[str, ...]


def validate_model_folder(folder: Path | str) -> ModelFolder:
    """Return what the folder holds; raise ``ValueError`` naming the problem and the fix."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder: choose the folder that holds model_index.json")
    index_file = path / "model_index.json"
    if not index_file.is_file():
        raise ValueError(f"{path} has no model_index.json: choose a diffusers pipeline folder "
                         "(the one saved by save_pretrained, e.g. Wan2.1-T2V-1.3B-Diffusers)")
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{index_file} is not valid JSON ({exc})") from None
    pipeline = index.get("_class_name") if isinstance(index, dict) else None
    if not isinstance(pipeline, str):
        raise ValueError(f"{index_file} has no \"_class_name\": it is not a diffusers pipeline index")  # noqa: TRY004
    components = tuple(sorted(k for k, v in index.items()
                              if not k.startswith("_") and isinstance(v, list) and len(v) == 2 and v[0]))
    missing = [c for c in components if not (path / c).is_dir()]
    if missing:
        raise ValueError(f"{path} lacks the component folder(s) {', '.join(missing)} listed in model_index.json: "
                         "the download is incomplete")
    denoiser = next((c for c in ("transformer", "unet") if c in components), None)
    if denoiser is None:
        raise ValueError(f"{path}: model_index.json lists no transformer or unet, so there is nothing to denoise "
                         "video with")
    if not (path / denoiser / "config.json").is_file():
        raise ValueError(f"{path / denoiser} has no config.json: the download is incomplete")
    if not any(any((path / denoiser).glob(pattern)) for pattern in _WEIGHTS):
        raise ValueError(f"{path / denoiser} has no weights (*.safetensors or *.bin): the download is incomplete")
    return ModelFolder(path.resolve(), pipeline, components)
