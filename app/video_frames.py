"""Reading a finished video's frames into ``QImage``s off the UI thread (PyAV; no torch).

``FrameLoader.load(path)`` decodes in a background thread and delivers ``frames_loaded(first, images)``
on the UI thread in chunks, so the filmstrip and player fill in while decoding continues.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov", ".avi")
_CHUNK = 16


def decode_video(path: Path, on_chunk, stop: threading.Event | None = None) -> int:
    """Decode ``path`` calling ``on_chunk(first_index, images)``; returns the number of frames."""
    import av

    count = 0
    chunk: list[QImage] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if stop is not None and stop.is_set():
                break
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

    def load(self, path: Path) -> None:
        self.stop()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(Path(path), self._stop), daemon=True,
                                        name="noiseloom-decode")
        self._thread.start()

    def _run(self, path: Path, stop: threading.Event) -> None:
        try:
            count = decode_video(path, lambda first, images: self.frames_loaded.emit(first, images), stop)
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
