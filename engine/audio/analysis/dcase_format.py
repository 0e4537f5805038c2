"""Scene annotations in the DCASE SELD metadata CSV format (STARSS23 / DCASE 2024 task 3).

One row per active source per 100 ms label frame: ``frame, class, track, azimuth, elevation, distance``
with integer frame index, class index, track index (counting the sources of the same class), azimuth and
elevation in whole degrees (DCASE convention, same as the scene's) and distance in whole centimetres.
A source is active in a frame from its ``start`` until its audio ends (padded sources) or the scene ends
(looped and generated sources); its direction is the one at the frame's centre.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from engine.audio.analysis.seld_metrics import Event
from engine.audio.spatial.sources import SourceStream
from engine.audio.spatial.spec import Scene
from engine.audio.spatial.trajectory import Trajectory

LABEL_FRAME_S = 0.1
Row = tuple[int, int, int, int, int, int]


def source_classes(scene: Scene) -> list[tuple[int, int]]:
    """(class, track) of each source: its ``class_index`` (default: its position) and its rank in the class."""
    seen: dict[int, int] = defaultdict(int)
    out = []
    for i, source in enumerate(scene.sources):
        cls = source.class_index if source.class_index is not None else i
        out.append((cls, seen[cls]))
        seen[cls] += 1
    return out


def label_frames(scene: Scene) -> int:
    return int(np.ceil(scene.duration / LABEL_FRAME_S - 1e-9))


def scene_rows(scene: Scene, base_dir: Path | None, sources: list[int] | None = None) -> list[Row]:
    """The annotation rows of the scene (or of some of its sources), sorted by frame."""
    n_frames = label_frames(scene)
    centres = (np.arange(n_frames) + 0.5) * LABEL_FRAME_S
    classes = source_classes(scene)
    rows: list[Row] = []
    for i in range(len(scene.sources)) if sources is None else sources:
        source = scene.sources[i]
        stream = SourceStream(source, scene.sample_rate, base_dir)
        start, end = stream.active_span(scene.duration)
        stream.close()
        first = int(np.floor(start / LABEL_FRAME_S + 1e-9))
        last = int(np.ceil(end / LABEL_FRAME_S - 1e-9))
        azimuth, elevation, distance = Trajectory(source).at(centres)
        cls, track = classes[i]
        for k in range(first, min(last, n_frames)):
            rows.append((k, cls, track, int(round(azimuth[k])), int(round(elevation[k])),
                         int(round(distance[k] * 100))))
    rows.sort()
    return rows


def rows_to_events(rows: list[Row]) -> dict[int, list[Event]]:
    """Rows grouped per frame as SELD metric events (class, track, azimuth, elevation)."""
    events: dict[int, list[Event]] = defaultdict(list)
    for frame, cls, track, az, el, _ in rows:
        events[frame].append((cls, track, float(az), float(el)))
    return dict(events)


def write_csv(rows: list[Row], path: Path) -> None:
    """Write rows as a DCASE metadata CSV (no header), atomically."""
    path = Path(path)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    fd, tmp = tempfile.mkstemp(prefix=".annotations-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(buffer.getvalue())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_csv(path: Path) -> list[Row]:
    """Read a DCASE metadata CSV (5 columns of older editions get distance 0)."""
    rows: list[Row] = []
    with open(path, newline="") as f:
        for line, values in enumerate(csv.reader(f), start=1):
            if not values:
                continue
            if len(values) not in (5, 6):
                raise ValueError(f"{path}:{line}: expected frame,class,track,azimuth,elevation[,distance]")
            numbers = [int(round(float(v))) for v in values] + ([0] if len(values) == 5 else [])
            rows.append(tuple(numbers))  # type: ignore[arg-type]
    return rows
