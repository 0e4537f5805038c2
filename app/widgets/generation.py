"""What the studio knows about the video being generated: frames by index and the state of each block.

Fed by the engine's events for the current job: ``block_done`` (a finished block: ``block`` and its
frame range as ``frames: [a, b]``, ``start_frame``/``end_frame`` or ``start``/``end`` seconds),
``progress`` (fraction, stage; optionally ``in_flight: [{block, step, steps}]``) and binary preview
frames (meta with ``step``/``steps`` and ``frame`` or ``block``; ``final: true`` marks a finished frame
rather than a look at a block still being denoised). The grid of blocks is predicted from the settings
and corrected by the frame ranges ``block_done`` reports. The timeline's filmstrip and progress overlay
and the preview player draw from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage


@dataclass
class Block:
    index: int
    start: int          # first frame
    end: int            # one past the last frame
    state: str = "queued"    # queued, running, done
    fraction: float = 0.0    # of the block's denoising steps, while running


def frame_range(payload: dict[str, Any], fps: float) -> tuple[int, int] | None:
    """The [start, end) frames a ``block_done`` payload or preview meta talks about."""
    if "frames" in payload and isinstance(payload["frames"], list | tuple) and len(payload["frames"]) == 2:
        return int(payload["frames"][0]), int(payload["frames"][1])
    if "start_frame" in payload:
        start = int(payload["start_frame"])
        end = payload.get("end_frame", start + int(payload.get("num_frames", 1)))
        return start, int(end)
    if "frame" in payload:
        return int(payload["frame"]), int(payload["frame"]) + 1
    if "start" in payload and "end" in payload:
        return round(float(payload["start"]) * fps), round(float(payload["end"]) * fps)
    return None


class GenerationState(QObject):
    changed = Signal()
    frame_ready = Signal(int)
    live_preview = Signal(QImage)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.fps = 8.0
        self.total_frames = 0
        self.block_frames = 4
        self.frames: dict[int, QImage] = {}
        self.blocks: list[Block] = []
        self.job_id: str | None = None
        self.stage = ""
        self.fraction = 0.0
        self.status = ""
        self.latest_preview: QImage | None = None

    def reset(self, total_frames: int, block_frames: int, fps: float, job_id: str | None = None,
              keep_before: int = 0) -> None:
        """Start following a new generation of ``total_frames`` in blocks of ``block_frames`` video
        frames; frames before ``keep_before`` are kept (regenerate from the playhead keeps them)."""
        self.fps, self.total_frames = fps, total_frames
        self.frames = {i: img for i, img in self.frames.items() if i < keep_before}
        self._grid(block_frames)
        self.job_id, self.stage, self.fraction, self.status = job_id, "", 0.0, "pending" if job_id else ""
        self.latest_preview = None
        self.changed.emit()

    def _grid(self, block_frames: int) -> None:
        self.block_frames = max(1, block_frames)
        count = math.ceil(self.total_frames / self.block_frames)
        self.blocks = [Block(k, k * self.block_frames, min(self.total_frames, (k + 1) * self.block_frames))
                       for k in range(count)]
        for block in self.blocks:
            if all(i in self.frames for i in range(block.start, block.end)):
                block.state, block.fraction = "done", 1.0

    def sync_status(self, status: str) -> None:
        """The job's status as the client knows it (events that raced ahead of the submit's answer)."""
        if status and status != self.status:
            self.status = status
            if status == "completed":
                self.fraction = 1.0
            self.changed.emit()

    def block_of(self, frame: int) -> Block | None:
        k = frame // self.block_frames
        return self.blocks[k] if 0 <= k < len(self.blocks) else None

    @property
    def running(self) -> bool:
        return self.status in ("pending", "running")

    def set_frame(self, index: int, image: QImage) -> None:
        if not 0 <= index < max(self.total_frames, index + 1):
            return
        self.frames[index] = image
        self.frame_ready.emit(index)

    def set_frames(self, first: int, images: list[QImage]) -> None:
        """A run of decoded frames (a finished block, or the whole video after download)."""
        for offset, image in enumerate(images):
            self.frames[first + offset] = image
        for block in self.blocks:
            if all(i in self.frames for i in range(block.start, block.end)):
                block.state, block.fraction = "done", 1.0
        self.changed.emit()

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("job_id") != self.job_id or self.job_id is None:
            return
        payload = event.get("payload") or {}
        kind = event.get("type")
        if kind == "job.status":
            self.status = payload.get("status", self.status)
            if self.status == "completed":
                self.fraction = 1.0
        elif kind == "progress":
            self.fraction = float(payload.get("fraction", self.fraction))
            self.stage = str(payload.get("stage", self.stage))
            self._mark_in_flight(payload.get("in_flight"))
        elif kind == "block_done":
            span = frame_range(payload, self.fps)
            index = payload.get("block")
            if span and index is not None and self.block_of(span[0]) is not None \
                    and self.block_of(span[0]).index != index and span[1] - span[0] > 0:
                self._grid(span[1] - span[0] if index == 0 else span[0] // max(1, index))
            for block in self.blocks:
                if block.index == index or (span and block.start >= span[0] and block.end <= span[1]):
                    block.state, block.fraction = "done", 1.0
        else:
            return
        self.changed.emit()

    def _mark_in_flight(self, in_flight: list[dict[str, Any]] | None) -> None:
        for block in self.blocks:
            if block.state == "running":
                block.state = "queued"
        if in_flight:
            for item in in_flight:
                k = int(item.get("block", -1))
                if 0 <= k < len(self.blocks) and self.blocks[k].state != "done":
                    steps = max(1, int(item.get("steps", 1)))
                    self.blocks[k].state = "running"
                    self.blocks[k].fraction = min(1.0, int(item.get("step", 0)) / steps)
            return
        pending = next((b for b in self.blocks if b.state != "done"), None)
        if pending is not None and self.status == "running":
            pending.state = "running"
            done = sum(1 for b in self.blocks if b.state == "done")
            share = 1.0 / max(1, len(self.blocks))
            pending.fraction = min(1.0, max(0.0, (self.fraction - done * share) / share))

    def on_preview(self, meta: dict[str, Any], image: QImage) -> None:
        if meta.get("job_id") != self.job_id or self.job_id is None:
            return
        self.latest_preview = image
        span = frame_range(meta, self.fps)
        block = self.blocks[meta["block"]] if isinstance(meta.get("block"), int) and \
            0 <= meta["block"] < len(self.blocks) else (self.block_of(span[0]) if span else None)
        if meta.get("final"):
            if span:
                self.set_frame(span[0], image)
        elif block is not None and block.state != "done" and meta.get("steps"):
            block.state = "running"
            block.fraction = min(1.0, int(meta.get("step", 0)) / max(1, int(meta["steps"])))
        self.live_preview.emit(image)
        self.changed.emit()

    def thumbnail_for_block(self, block: Block) -> QImage | None:
        for index in (block.start + (block.end - block.start) // 2, block.start):
            if index in self.frames:
                return self.frames[index]
        return next((self.frames[i] for i in range(block.start, block.end) if i in self.frames), None)
