"""Export: the generated video, its PNG frames and a sidecar JSON with everything needed to reproduce it.

The sidecar holds the project (prompts, seeds, settings), the exact job request sent to the engine and
the engine's result. PNG frames come from the video file at full size. Every file is written through
a temp file and ``os.replace``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from app.project.model import Project
from app.video_frames import decode_video
from engine.atomic import write_text_atomic


def sidecar(project: Project, request: dict[str, Any] | None, job: dict[str, Any] | None) -> dict[str, Any]:
    return {"format": "noiseloom-sidecar", "version": 1, "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "project": project.to_dict(), "request": request,
            "job": {k: job.get(k) for k in ("id", "kind", "status", "result", "devices", "started", "finished")}
            if job else None}


def _copy_atomic(source: Path, dest: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_package(dest: Path, video: Path | None, frames: dict[int, QImage], meta: dict[str, Any],
                   png_frames: bool = False) -> list[Path]:
    """Write ``dest`` (the video, when there is one), ``dest.json`` and, if asked, ``<stem>_frames/``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if video is not None:
        _copy_atomic(Path(video), dest)
        written.append(dest)
    side = dest.with_suffix(".json")
    write_text_atomic(side, json.dumps(meta, indent=2))
    written.append(side)
    if png_frames:
        folder = dest.with_name(f"{dest.stem}_frames")
        folder.mkdir(exist_ok=True)

        def save(first: int, images: list[QImage]) -> None:
            for offset, image in enumerate(images):
                target = folder / f"frame_{first + offset:06d}.png"
                tmp = folder / f".{target.name}.tmp.png"
                if not image.save(str(tmp), "PNG"):
                    raise OSError(f"could not write {target}")
                os.replace(tmp, target)
                written.append(target)

        if video is not None:       # full size from the file (the frames in memory may be scaled down)
            decode_video(Path(video), save, budget_bytes=2**62)
        else:
            for index in sorted(frames):
                save(index, [frames[index]])
    return written
