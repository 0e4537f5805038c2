"""Warped Gaussian noise that follows optical flow and stays exactly Gaussian.

After "Go-with-the-Flow" (Burgert et al., 2025) and "How I Warped Your Noise" (Chang et al., 2024):
the noise of a frame is kept at ``k x k`` sub-cells per latent cell, each an independent N(0, 1).
Between frames every sub-cell moves along the flow (nearest sub-cell); where several land on one
sub-cell one of them is kept (chosen at random), where none lands a fresh N(0, 1) is drawn. A latent
cell is the sum of its k^2 sub-cells divided by k, so every frame is i.i.d. N(0, 1) per cell while
consecutive frames share the sub-cells that moved: the noise is transported by the motion.
"""

from __future__ import annotations

import cv2
import numpy as np


def optical_flow(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Dense flow (H, W, 2; pixels, x then y) from each frame to the next, with OpenCV's DIS."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f for f in frames]
    return [dis.calc(a, b, None) for a, b in zip(grays, grays[1:], strict=False)]


def resize_flow(flow: np.ndarray, height: int, width: int) -> np.ndarray:
    """Flow resampled to (height, width), its vectors scaled to the new pixel size."""
    scale_y, scale_x = height / flow.shape[0], width / flow.shape[1]
    resized = cv2.resize(flow, (width, height), interpolation=cv2.INTER_AREA)
    return resized * np.array([scale_x, scale_y], dtype=np.float32)


def warp_step(fine: np.ndarray, flow: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move every sub-cell of ``fine`` (C, H, W) along ``flow`` (H, W, 2, in sub-cells)."""
    channels, height, width = fine.shape
    ys, xs = np.mgrid[0:height, 0:width]
    tx = np.rint(xs + flow[..., 0]).astype(np.int64)
    ty = np.rint(ys + flow[..., 1]).astype(np.int64)
    inside = (tx >= 0) & (tx < width) & (ty >= 0) & (ty < height)
    source = (ys * width + xs)[inside]
    target = (ty * width + tx)[inside]
    order = rng.permutation(source.size)  # a random one of the colliding sub-cells wins
    source, target = source[order], target[order]
    warped = rng.standard_normal(fine.shape).astype(fine.dtype)  # holes get fresh noise
    flat_in, flat_out = fine.reshape(channels, -1), warped.reshape(channels, -1)
    flat_out[:, target] = flat_in[:, source]
    return warped


class WarpedNoiseStream:
    """Noise frames (C, height, width), each the previous one moved along a flow, from ``seed``."""

    def __init__(self, channels: int, height: int, width: int, seed: int, k: int = 4):
        self.k, self.height, self.width = k, height, width
        self.rng = np.random.default_rng(seed)
        self.fine = self.rng.standard_normal((channels, height * k, width * k)).astype(np.float32)

    def frame(self) -> np.ndarray:
        """The current frame: each latent cell the sum of its k^2 sub-cells divided by k."""
        channels, height, width = self.fine.shape
        k = self.k
        return self.fine.reshape(channels, height // k, k, width // k, k).sum(axis=(2, 4)) / k

    def advance(self, flow: np.ndarray) -> np.ndarray:
        """Move the noise along ``flow`` (any resolution, resampled to the sub-cells); the new frame."""
        self.fine = warp_step(self.fine, resize_flow(flow, self.height * self.k, self.width * self.k), self.rng)
        return self.frame()


def warped_noise(flows: list[np.ndarray], channels: int, height: int, width: int, seed: int,
                 k: int = 4) -> np.ndarray:
    """Noise (C, F, height, width) with F = len(flows) + 1 frames, transported by ``flows``."""
    stream = WarpedNoiseStream(channels, height, width, seed, k)
    return np.stack([stream.frame(), *(stream.advance(flow) for flow in flows)], axis=1)
