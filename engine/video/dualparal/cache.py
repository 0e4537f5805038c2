"""The job's block cache on disk, for regenerating a long video from a time T.

For every finished block the sampler stores what a later run needs to continue right after it as
if it had never stopped: the block's decoded frames and final latents, the trajectory of its last
latent frames over the denoising steps (the older-block context that the next block saw at each of
its steps) and the VAE decoder's causal cache. Files are written atomically and carry a fingerprint
of the settings that shape a block, so a cache from other settings is never mixed in.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch


class BlockCache:
    """Per-block files ``block_00000.pt`` ... in ``directory`` for settings ``fingerprint``."""

    def __init__(self, directory: Path, fingerprint: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint

    def _path(self, block: int) -> Path:
        return self.directory / f"block_{block:05d}.pt"

    def save(self, block: int, frames: np.ndarray, latents: torch.Tensor, tail_trajectory: torch.Tensor,
             decoder_state: dict) -> None:
        record = {"fingerprint": self.fingerprint, "frames": torch.from_numpy(frames), "latents": latents,
                  "tail_trajectory": tail_trajectory, "decoder_state": decoder_state}
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        os.close(fd)
        try:
            torch.save(record, tmp)
            os.replace(tmp, self._path(block))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, block: int) -> dict:
        record = torch.load(self._path(block), weights_only=False)
        if record["fingerprint"] != self.fingerprint:
            raise ValueError(f"cached block {block} was made with other settings; regenerate from 0")
        record["frames"] = record["frames"].numpy()
        return record

    def has(self, block: int) -> bool:
        path = self._path(block)
        if not path.exists():
            return False
        return torch.load(path, weights_only=False)["fingerprint"] == self.fingerprint

    def reusable(self, spans: list[tuple[int, int]], from_frame: int) -> int:
        """How many leading blocks lie wholly before video frame ``from_frame`` and are cached."""
        count = 0
        for start_end in spans:
            if start_end[1] > from_frame or not self.has(count):
                break
            count += 1
        return count
