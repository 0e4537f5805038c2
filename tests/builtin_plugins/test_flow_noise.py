"""Warped noise (Go-with-the-Flow): stays unit-variance Gaussian and follows the flow."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import stats

from plugins.flow_noise.warp import optical_flow, warped_noise


def _panning_video(frames: int, step_px: int, size: int = 64) -> list[np.ndarray]:
    """A smooth random texture whose content moves ``step_px`` to the right each frame."""
    rng = np.random.default_rng(3)
    texture = cv2.GaussianBlur((rng.random((size, size * 3)) * 255).astype(np.uint8), (5, 5), 1.5)
    texture = np.stack([texture] * 3, axis=-1)
    start = size * 2
    return [np.ascontiguousarray(texture[:, start - i * step_px: start - i * step_px + size])
            for i in range(frames)]


def test_warped_noise_is_unit_gaussian_and_spatially_independent():
    flows = [np.full((32, 32, 2), (1.5, -0.7), np.float32)] * 6
    noise = warped_noise(flows, channels=4, height=16, width=16, seed=0)
    assert noise.shape == (4, 7, 16, 16)
    for frame in range(noise.shape[1]):
        values = noise[:, frame].ravel()
        assert abs(values.mean()) < 0.1 and abs(values.std() - 1.0) < 0.08
        assert stats.kstest(values, "norm").pvalue > 0.01
        neighbours = np.corrcoef(noise[:, frame, :, :-1].ravel(), noise[:, frame, :, 1:].ravel())[0, 1]
        assert abs(neighbours) < 0.1


def test_warped_noise_follows_the_flow_of_a_reference_video():
    video = _panning_video(frames=5, step_px=4)
    flows = optical_flow(video)
    assert np.median(flows[0][..., 0]) > 3.0
    noise = warped_noise(flows, channels=4, height=16, width=16, seed=1)  # 64 px -> 16 cells: 1 cell/frame
    a, b = noise[:, 0], noise[:, 1]
    shifted = np.corrcoef(a[:, :, 2:-2].ravel(), b[:, :, 3:-1].ravel())[0, 1]
    static = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert shifted > 0.6, f"frame 1 should be frame 0 moved right by one cell (corr {shifted:.2f})"
    assert shifted > static + 0.3


def test_the_same_seed_gives_the_same_noise():
    flows = [np.full((16, 16, 2), 0.5, np.float32)] * 3
    first = warped_noise(flows, 2, 8, 8, seed=7)
    assert np.array_equal(first, warped_noise(flows, 2, 8, 8, seed=7))
    assert not np.array_equal(first, warped_noise(flows, 2, 8, 8, seed=8))


def test_flow_warp_noise_drives_a_generation_from_a_reference_video(tmp_path, monkeypatch):
    from engine.jobs.context import LocalContext
    from engine.media.video_io import write_mp4
    from engine.video.generate import run
    from engine.video.spec import VideoGenerateParams
    from plugins.flow_noise.initialiser import FlowWarpNoise
    from tests.video.tiny_models import make_model_folder

    monkeypatch.setenv("NOISELOOM_CONFIG_DIR", str(tmp_path / "config"))
    reference = tmp_path / "pan.mp4"
    write_mp4(reference, np.stack(_panning_video(frames=12, step_px=4)), fps=8)
    noise = FlowWarpNoise(5, 4, 8, 8, {"video": str(reference)})
    first, second = noise.block_noise(0, 3), noise.block_noise(1, 3)
    assert first.shape == (1, 4, 3, 8, 8) and abs(float(second.std()) - 1.0) < 0.15
    assert np.corrcoef(first[0, :, 0, :, 1:-2].flatten(), first[0, :, 1, :, 2:-1].flatten())[0, 1] > 0.4
    params = VideoGenerateParams(prompt="a red ball", frames=9, steps=2, model=str(make_model_folder(tmp_path / "m")),
                                 mode="dualparal", block_frames=3, noise="flow-warp",
                                 noise_options={"video": str(reference)})
    assert run(params, LocalContext(tmp_path / "out"))["frames"] == 9
