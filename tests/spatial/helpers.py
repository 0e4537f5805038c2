"""Helpers for the spatial audio tests: small scenes and levels."""

from __future__ import annotations

import numpy as np

from engine.audio.spatial.spec import Scene

MINIMAL_SCENE = {"version": 1, "sample_rate": 48000, "duration": 10, "sources": [
    {"name": "car", "audio": "car.wav", "gain_db": 0, "trajectory": [
        {"t": 0, "azimuth": 90, "elevation": 0, "distance": 5},
        {"t": 10, "azimuth": -90, "elevation": 0, "distance": 5}]}], "room": None}


def one_source_scene(trajectory: list[dict], duration: float = 1.0, generator: dict | None = None,
                     sample_rate: int = 48000, room: dict | None = None, **source) -> Scene:
    """A scene with one generated source (pink noise unless told)."""
    return Scene.model_validate({
        "version": 1, "sample_rate": sample_rate, "duration": duration, "room": room,
        "sources": [{"name": "s", "generator": generator or {"kind": "pink", "seed": 1},
                     "trajectory": trajectory, **source}]})


def static(azimuth: float, elevation: float = 0.0, distance: float = 1.0) -> list[dict]:
    return [{"t": 0, "azimuth": azimuth, "elevation": elevation, "distance": distance}]


def level_db(x: np.ndarray) -> float:
    return 10 * float(np.log10(np.mean(np.asarray(x, dtype=float) ** 2) + 1e-30))
