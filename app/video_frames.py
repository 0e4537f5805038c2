"""Reading a finished video's frames into ``QImage``s off the UI thread (PyAV; no torch).

``FrameLoader.load(path)`` decodes in a background thread and delivers ``frames_loaded(first, images)``
on the UI thread in chunks, so the filmstrip and player fill in while decoding continues. The frames
held in memory stay within a byte budget: a video too long to keep at full size is kept scaled down
(by PyAV's scaler, in the thread) so that the whole of it still fits; exports read the file itself.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov", ".avi")
DEFAULT_BUDGET_BYTES = 1536 * 2**20
_CHUNK = 16


def fitted_size(width: int, height: int, frames: int, budget_bytes: int) -> tuple[int, int]:
    """The (even) frame size at which ``frames`` RGB frames fit in ``budget_bytes`` (never larger)."""
    scale = min(1.0, (budget_bytes / max(1, frames * width * height * 3)) ** 0.5)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _expected_frames(stream) -> int:
    return stream.frames or int((stream.duration or 0) * (stream.time_base or 0) * (stream.average_rate or 0))


def video_frame_count(path: Path) -> int:
    """How many frames the container says ``path`` has (its header; no decoding)."""
    import av

    with av.open(str(path)) as container:
        return _expected_frames(container.streams.video[0])


def decode_video(path: Path, on_chunk, stop: threading.Event | None = None,
                 budget_bytes: int = DEFAULT_BUDGET_BYTES) -> int:
    """Decode ``path`` calling ``on_chunk(first_index, images)``; returns the number of frames."""
    import av

    count = 0
    chunk: list[QImage] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        expected = _expected_frames(stream)
        size = fitted_size(stream.codec_context.width, stream.codec_context.height, max(1, expected), budget_bytes)
        full = size == (stream.codec_context.width, stream.codec_context.height)
        for frame in container.decode(stream):
            if stop is not None and stop.is_set():
                break
            if not full:
                frame = frame.reformat(width=size[0], height=size[1])
            rgb = frame.to_ndarray(format="rgb24")
            height, width, _ = rgb.shape
            chunk.append(QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy())
            if len(chunk) == _CHUNK:
                on_chunk(count, chunk)
                count += len(chunk)
                chunk = []
    if chunk:
        on_chunk(count, chunk)
        count += len(chunk)
    return count


class FrameLoader(QObject):
    frames_loaded = Signal(int, list)
    finished = Signal(int, str)         # frame count, error text ("" when fine)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def load(self, path: Path, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.stop()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(Path(path), self._stop, budget_bytes),
                                        daemon=True, name="noiseloom-decode")
        self._thread.start()

    def _run(self, path: Path, stop: threading.Event, budget_bytes: int) -> None:
        try:
            count = decode_video(path, lambda first, images: self.frames_loaded.emit(first, images), stop,
                                 budget_bytes)
        except Exception as exc:  # noqa: BLE001 (a damaged file is reported, not raised in a thread)
            self.finished.emit(0, f"could not read {path.name}: {exc}")
            return
        self.finished.emit(count, "")

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(10)
            self._thread = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
