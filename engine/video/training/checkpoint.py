"""Atomic checkpoint files and the exported (committed) model folder of a training run."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch


def save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temp file beside ``path``, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    torch.save(obj, tmp)
    os.replace(tmp, path)


def write_json_atomic(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def replace_folder(staging: Path, target: Path) -> None:
    """Swap a fully written ``staging`` folder into ``target`` (the old one is removed after)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def compact_optimizer_state(state: dict) -> dict:
    """The optimizer state with its tensors in bfloat16: a third of the size, enough to resume Adam."""
    return {
        "state": {k: {n: (t.to(torch.bfloat16) if torch.is_tensor(t) and t.is_floating_point() and t.ndim else t)
                      for n, t in v.items()} for k, v in state["state"].items()},
        "param_groups": state["param_groups"],
    }


def expand_optimizer_state(state: dict) -> dict:
    """Inverse of ``compact_optimizer_state`` (back to float32)."""
    return {
        "state": {k: {n: (t.float() if torch.is_tensor(t) and t.dtype == torch.bfloat16 else t)
                      for n, t in v.items()} for k, v in state["state"].items()},
        "param_groups": state["param_groups"],
    }


def load_optimizer_state(path: Path) -> dict:
    """An optimizer state written by ``compact_optimizer_state``, back in float32 on the CPU."""
    return expand_optimizer_state(torch.load(path, weights_only=True, map_location="cpu"))
