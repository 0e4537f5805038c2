"""The ``flow-warp`` noise initialiser: block noise that moves along a reference video's motion.

Options: ``video`` (path of the reference video, required), ``stride`` (reference frames per latent
frame, default 1; past the reference's end the noise holds still), ``k`` (sub-cells per latent cell,
default 4). Noise is made frame by frame in order and kept, so every block's noise depends only on
the seed and its position: the same on every worker and in every run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import torch

from plugins.flow_noise.warp import WarpedNoiseStream, optical_flow


def _reference_frames(path: Path, stride: int) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i % stride == 0]
    if len(frames) < 2:
        raise ValueError(f"noise_options.video: {path} needs at least two frames (after stride {stride})")
    return frames


class FlowWarpNoise:
    def __init__(self, seed: int, channels: int, height: int, width: int, options: dict[str, Any]):
        video = options.get("video")
        if not video or not Path(video).is_file():
            raise ValueError("noise_options.video: give the path of a reference video for 'flow-warp' noise")
        self.flows = optical_flow(_reference_frames(Path(video), int(options.get("stride", 1))))
        self.still = np.zeros_like(self.flows[0])
        self.stream = WarpedNoiseStream(channels, height, width, seed, int(options.get("k", 4)))
        self.frames = [self.stream.frame()]

    def block_noise(self, block: int, frames: int) -> torch.Tensor:
        start = block * frames
        while len(self.frames) < start + frames:
            step = len(self.frames) - 1
            self.frames.append(self.stream.advance(self.flows[step] if step < len(self.flows) else self.still))
        return torch.from_numpy(np.stack(self.frames[start:start + frames], axis=1)).unsqueeze(0)
