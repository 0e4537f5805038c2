"""Export: the generated video, its PNG frames and a sidecar JSON with everything needed to reproduce it.

The sidecar holds the project (prompts, seeds, settings), the exact job request sent to the engine and
the engine's result. PNG frames come from the video file at full size. ``export_package`` is the work
(it runs in ``ExportTask``'s thread, never on the UI thread): it reports progress, stops when asked, and
writes so that an export either lands whole or leaves the destination as it was. The frames go into a
temporary folder beside the destination that is renamed into place last; the video (remuxed with its
soundtrack when the project has audio) and the sidecar are written through temp files and
``os.replace``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.audio_export import mux_mp4
from app.project.model import Project
from app.video_frames import decode_video, video_frame_count
from engine.atomic import copy_file_atomic, write_text_atomic

Progress = Callable[[int, int, str], None]      # done, total, what is being written
Soundtrack = Callable[[], tuple[np.ndarray, int]]   # (samples (n, 2), rate), mixed when called


class ExportCanceled(Exception):
    """The user stopped the export; nothing was left at the destination."""


def sidecar(project: Project, request: dict[str, Any] | None, job: dict[str, Any] | None) -> dict[str, Any]:
    return {"format": "noiseloom-sidecar", "version": 1, "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "project": project.to_dict(), "request": request,
            "job": {k: job.get(k) for k in ("id", "kind", "status", "result", "devices", "started", "finished")}
            if job else None}


def frames_folder(dest: Path) -> Path:
    """Where the PNG frames of an export to ``dest`` go."""
    return dest.with_name(f"{dest.stem}_frames")


def _write_frames(folder: Path, video: Path | None, frames: dict[int, QImage], progress: Progress,
                  stop: threading.Event) -> list[str]:
    """Write ``frame_NNNNNN.png`` files into ``folder``: from the video file at full size when there is
    one (the frames in memory may be scaled down), else the frames in memory."""
    names: list[str] = []
    total = video_frame_count(video) if video is not None else len(frames)

    def save(first: int, images: list[QImage]) -> None:
        for offset, image in enumerate(images):
            if stop.is_set():
                raise ExportCanceled
            name = f"frame_{first + offset:06d}.png"
            if not image.save(str(folder / name), "PNG"):
                raise OSError(f"could not write {folder.name}/{name}")
            names.append(name)
        progress(len(names), max(total, len(names)), "PNG frames")

    if video is not None:
        decode_video(video, save, budget_bytes=2**62)
    else:
        for index in sorted(frames):
            save(index, [frames[index]])
    return names


def _replace_folder(new: Path, dest: Path) -> None:
    """Put the finished folder ``new`` at ``dest``, replacing an older export's folder."""
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.replace(dest, old / dest.name)
    os.replace(new, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def export_package(dest: Path, video: Path | None, frames: dict[int, QImage], meta: dict[str, Any],
                   png_frames: bool = False, soundtrack: Soundtrack | None = None,
                   progress: Progress | None = None, stop: threading.Event | None = None) -> list[Path]:
    """Write ``dest`` (the video, when there is one, with ``soundtrack`` muxed in), ``dest.json`` and, if
    asked, ``<stem>_frames/``; returns the files written. Raises ``ExportCanceled`` when ``stop`` is set
    before the end (nothing at the destination changed then)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _done, _total, _stage: None)
    stop = stop or threading.Event()
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.stem}_frames.partial-", dir=dest.parent)) if png_frames else None
    try:
        names = _write_frames(staging, video, frames, report, stop) if staging is not None else []
        if stop.is_set():
            raise ExportCanceled
        written: list[Path] = []
        if video is not None:
            report(0, 1, "video")
            track = soundtrack() if soundtrack is not None else None
            if track is not None:
                mux_mp4(Path(video), track[0], track[1], dest)
            else:
                copy_file_atomic(Path(video), dest)
            written.append(dest)
        side = dest.with_suffix(".json")
        write_text_atomic(side, json.dumps(meta, indent=2))
        written.append(side)
        if staging is not None:
            folder = frames_folder(dest)
            _replace_folder(staging, folder)
            staging = None
            written += [folder / name for name in names]
        return written
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


class ExportTask(QObject):
    """One export running in a background thread; ``progress`` and ``finished`` arrive on the UI thread.

    ``finished(written, error)``: the files written and "" when it worked, ``[]`` and the reason when it
    did not ("canceled" after ``cancel``); ``done`` turns true once its listeners have run."""

    progress = Signal(int, int, str)
    finished = Signal(list, str)
    _ended = Signal(list, str)          # from the thread; re-emitted as ``finished`` on the UI thread

    def __init__(self, work: Callable[[Progress, threading.Event], list[Path]], parent: QObject | None = None):
        super().__init__(parent)
        self._work = work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="noiseloom-export")
        self.written: list[Path] = []
        self.error = ""
        self.done = False
        self._ended.connect(self._end)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            written = self._work(lambda done, total, stage: self.progress.emit(done, total, stage), self._stop)
        except ExportCanceled:
            self._ended.emit([], "canceled")
        except Exception as exc:  # noqa: BLE001 (a failed write is reported to the user, not raised in a thread)
            self._ended.emit([], str(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}")
        else:
            self._ended.emit(written, "")

    def _end(self, written: list, error: str) -> None:
        """On the UI thread: keep the outcome, tell the listeners, then count as done."""
        self.written, self.error = list(written), error
        self.finished.emit(self.written, error)
        self.done = True

    def cancel(self) -> None:
        """Ask the export to stop (it stops before the next frame and cleans up)."""
        self._stop.set()

    def join(self, timeout_s: float = 30.0) -> None:
        """Wait for the thread to end (used when the window closes)."""
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
