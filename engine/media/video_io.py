"""Writing video files: RGB frames to an H.264 MP4 with PyAV, atomically (temp file, then rename).

``Mp4Writer`` takes frames as they come (a long video block by block, memory flat in its length) and
renames the file into place only when it is closed without error.
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np


class Mp4Writer:
    """An H.264 (yuv420p) MP4 written frame by frame; the file appears at ``path`` on a clean close."""

    def __init__(self, path: Path, fps: float, crf: int = 18):
        self.path = Path(path)
        self.fps = fps
        self.crf = crf
        self.frames_written = 0
        fd, self._tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.stem, suffix=".tmp.mp4")
        os.close(fd)
        self._container = av.open(self._tmp, mode="w", format="mp4")
        self._stream = None

    def write(self, frames: np.ndarray) -> None:
        """Append F x H x W x 3 uint8 RGB frames (H and W even, the same for every call)."""
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f"frames must be F x H x W x 3 uint8, got {frames.shape} {frames.dtype}")
        height, width = frames.shape[1:3]
        if self._stream is None:
            if height % 2 or width % 2:
                raise ValueError(f"H.264 needs an even width and height, got {width}x{height}")
            self._stream = self._container.add_stream("libx264", rate=Fraction(self.fps).limit_denominator(1001))
            self._stream.width, self._stream.height, self._stream.pix_fmt = width, height, "yuv420p"
            self._stream.options = {"crf": str(self.crf), "preset": "medium"}
        for frame in frames:
            image = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in self._stream.encode(image):
                self._container.mux(packet)
        self.frames_written += len(frames)

    def close(self, keep: bool = True) -> None:
        """Finish the file and move it into place (``keep``), or throw it away."""
        try:
            if keep and self._stream is not None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
            if keep and self._stream is not None:
                os.replace(self._tmp, self.path)
        finally:
            if os.path.exists(self._tmp):
                os.remove(self._tmp)

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, _value: BaseException | None,
                 _traceback: TracebackType | None) -> None:
        self.close(keep=kind is None)


def write_mp4(path: Path, frames: np.ndarray, fps: float, crf: int = 18) -> None:
    """Write F x H x W x 3 uint8 RGB ``frames`` as H.264 (yuv420p) at ``fps``; H and W must be even."""
    with Mp4Writer(path, fps, crf) as writer:
        writer.write(frames)


def read_frames(path: Path) -> np.ndarray:
    """All frames of a video file as F x H x W x 3 uint8 RGB."""
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
