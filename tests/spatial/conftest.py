"""Fixtures for the spatial audio tests: real audio files and scene files on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.spatial.helpers import MINIMAL_SCENE


@pytest.fixture
def minimal_scene_file(tmp_path: Path) -> Path:
    """The issue's minimal scene next to a 12 s noise file at 22.05 kHz."""
    noise = 0.1 * np.random.default_rng(0).standard_normal(22050 * 12)
    sf.write(tmp_path / "car.wav", noise.astype(np.float32), 22050)
    path = tmp_path / "scene.json"
    path.write_text(json.dumps(MINIMAL_SCENE))
    return path
