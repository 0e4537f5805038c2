"""What a pleasantness model is, and the models the project ships.

A pleasantness model maps psychoacoustic indicators (``indicators.INDICATORS`` names, arrays of any
common shape) to predicted ISO/TS 12913-3 ISOPleasant and ISOEventful in [-1, 1]. Models live in a
folder with a ``model.json`` saying its ``type`` and parameters, so a job can pick any folder:

- ``linear``: standardised indicators times coefficients (``engine/audio/soundscape/tools/fit_isd_model.py``)
- ``mlp``: a small fully connected network, ReLU hidden layers (``engine/audio/soundscape/tools/train_araus.py``)

Both are evaluated with numpy only: the search stays vectorised over every masker x gain.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from engine.resources import resource_path

DEFAULT_MODEL_DIR = resource_path("soundscape_models", "isd-linear")
MODEL_FILE = "model.json"


@runtime_checkable
class PleasantnessModel(Protocol):
    """Predicts (ISOPl, ISOEv) from indicators; ``inputs`` names the indicators it needs."""

    name: str
    inputs: tuple[str, ...]

    def predict(self, indicators: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]: ...


def _design(model: PleasantnessModel, indicators: Mapping[str, np.ndarray],
            mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    missing = [k for k in model.inputs if k not in indicators]
    if missing:
        raise ValueError(f"model {model.name!r} needs indicators {missing}; have {sorted(indicators)}")
    x = np.stack([np.asarray(indicators[k], dtype=np.float64) for k in model.inputs], axis=-1)
    return (x - mean) / scale


@dataclass
class LinearModel:
    """ISOPl and ISOEv as linear functions of standardised indicators, clipped to [-1, 1]."""

    name: str
    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (2, n_inputs): rows ISOPl, ISOEv
    intercept: np.ndarray  # (2,)
    info: dict[str, Any] = field(default_factory=dict)

    def predict(self, indicators: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        y = _design(self, indicators, self.mean, self.scale) @ self.coef.T + self.intercept
        y = np.clip(y, -1.0, 1.0)
        return y[..., 0], y[..., 1]

    def to_json(self) -> dict[str, Any]:
        return {"type": "linear", "name": self.name, "inputs": list(self.inputs),
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist(), "info": self.info}


@dataclass
class MLPModel:
    """A fully connected network on standardised indicators; ReLU between layers, 2 linear outputs."""

    name: str
    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: list[np.ndarray]  # (n_in, n_out) per layer
    biases: list[np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)

    def predict(self, indicators: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        h = _design(self, indicators, self.mean, self.scale)
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        h = np.clip(h, -1.0, 1.0)
        return h[..., 0], h[..., 1]

    def to_json(self) -> dict[str, Any]:
        return {"type": "mlp", "name": self.name, "inputs": list(self.inputs), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "weights": [w.tolist() for w in self.weights],
                "biases": [b.tolist() for b in self.biases], "info": self.info}


def model_from_json(data: Mapping[str, Any]) -> PleasantnessModel:
    kind = data.get("type")
    common = {"name": str(data["name"]), "inputs": tuple(data["inputs"]), "mean": np.asarray(data["mean"], float),
              "scale": np.asarray(data["scale"], float), "info": dict(data.get("info", {}))}
    if kind == "linear":
        return LinearModel(coef=np.asarray(data["coef"], float), intercept=np.asarray(data["intercept"], float),
                           **common)
    if kind == "mlp":
        return MLPModel(weights=[np.asarray(w, float) for w in data["weights"]],
                        biases=[np.asarray(b, float) for b in data["biases"]], **common)
    raise ValueError(f"model.json: unknown model type {kind!r}; expected 'linear' or 'mlp'")


def load_model(folder: str | os.PathLike[str] | None = None) -> PleasantnessModel:
    """The model in ``folder`` (its ``model.json``); the shipped ISD model when ``folder`` is None."""
    path = Path(folder) if folder is not None else DEFAULT_MODEL_DIR
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"model_dir: no {MODEL_FILE} in {str(path)!r}; give a folder made by the fitting scripts")
    try:
        return model_from_json(json.loads(file.read_text()))
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"model_dir: {str(file)!r} is not a valid pleasantness model ({exc})") from None


def save_model(model: LinearModel | MLPModel, folder: str | os.PathLike[str]) -> Path:
    """Write ``model`` as ``folder/model.json`` atomically."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".model.", suffix=".json", dir=str(out))
    with os.fdopen(fd, "w") as fh:
        json.dump(model.to_json(), fh, indent=1)
        fh.write("\n")
    os.replace(tmp, out / MODEL_FILE)
    return out / MODEL_FILE
