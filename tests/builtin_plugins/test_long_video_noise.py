"""FreeNoise rescheduling and look-back noise: unit Gaussian, the structure they promise, and the
noise initialisers reaching a real generation through the job language."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.jobs.context import LocalContext
from engine.video.generate import run
from engine.video.spec import VideoGenerateParams
from plugins.long_video_noise.schedules import FreeNoiseRescheduling, LookBackNoise
from tests.video.tiny_models import make_model_folder


def _all(initialiser, blocks: int, frames: int) -> torch.Tensor:
    return torch.cat([initialiser.block_noise(k, frames) for k in range(blocks)], dim=2)[0]


def test_freenoise_repeats_each_window_as_a_local_shuffle():
    noise = _all(FreeNoiseRescheduling(0, 4, 8, 8, {"window": 8, "stride": 4}), blocks=6, frames=4)
    assert abs(noise.std().item() - 1.0) < 0.05
    first_window = {tuple(noise[:, i].flatten()[:5].tolist()) for i in range(8)}
    for start in range(8, noise.shape[1], 4):
        chunk = {tuple(noise[:, i].flatten()[:5].tolist()) for i in range(start, start + 4)}
        assert chunk <= first_window, "every later chunk reuses frames of the first window"
    assert not torch.equal(noise[:, 8:12], noise[:, 0:4]), "in a new order"


def test_look_back_noise_joins_blocks_and_stays_unit_gaussian():
    noise = _all(LookBackNoise(1, 4, 16, 16, {"alpha": 0.6}), blocks=40, frames=4).numpy()
    assert abs(noise.std() - 1.0) < 0.03 and abs(noise.mean()) < 0.03
    joins = [np.corrcoef(noise[:, k * 4 - 1].ravel(), noise[:, k * 4].ravel())[0, 1] for k in range(1, 40)]
    inside = [np.corrcoef(noise[:, k * 4 + 2].ravel(), noise[:, k * 4 + 3].ravel())[0, 1] for k in range(40)]
    assert np.mean(joins) == pytest.approx(np.sqrt(0.6), abs=0.05)
    assert abs(np.mean(inside)) < np.mean(joins) - 0.3


def test_noise_initialisers_are_chosen_in_the_job_and_unknown_ones_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    model = make_model_folder(tmp_path / "model")
    frames = {}
    for noise in ("pool", "look-back"):
        params = VideoGenerateParams(prompt="a red ball", frames=9, steps=2, model=str(model), mode="dualparal",
                                     block_frames=3, noise=noise, noise_options={"alpha": 0.5} if noise != "pool" else {})
        result = run(params, LocalContext(tmp_path / noise))
        frames[noise] = result["frames_sha256"]
    assert frames["pool"] != frames["look-back"]
    with pytest.raises(ValueError, match="noise: no noise initialiser 'teleport'.*flow-warp"):
        VideoGenerateParams(prompt="a red ball", frames=9, steps=2, model=str(model), noise="teleport")
