"""The spatial scene's keyframes on the timeline: a source's keyframes are timeline seconds, so they sit as
markers on the Spatial audio lane (the track named "Spatial", else the last lane), one row per source in
that source's colour (as in the spatial view), joined by a line over the time its path spans, its name
after the last one.

A click on a marker selects it (the timeline moves the playhead there and tells the studio which source
to select in the Spatial panel); a drag moves it in time, snapping like clips (clip edges, the playhead,
whole seconds, the other keyframes) and kept between its neighbours; the ``SetTrajectory`` commands of
one drag merge into one undo step. The view does the mouse; this module paints, hit-tests and edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.project.audio import AudioDocument, SpatialSource
from app.project.audio_commands import SetTrajectory
from app.project.commands import push
from app.project.snap import SnapModel
from app.theme import series_colour
from app.widgets.timeline_rows import LANE_H, lane_top

if TYPE_CHECKING:
    from app.widgets.timeline import TimelineView

MARKER_R = 4.5
HIT_PX = 7.0
ROW_GAP = 9.0
TOP_PX = 17.0          # under the names of the lane's own clips


class SpatialKeysItem(QGraphicsItem):
    """Paints every source's keyframe markers over the Spatial lane."""

    def __init__(self, keys: SpatialKeys):
        super().__init__()
        self.keys = keys
        self.setZValue(3)

    def boundingRect(self) -> QRectF:
        row = self.keys.row
        if row is None:
            return QRectF()
        width = (max(self.keys.view.end_seconds, self.keys.last_time) + 8.0) * self.keys.view.pps
        return QRectF(0, lane_top(row), width, LANE_H)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index, source in enumerate(self.keys.sources):
            colour = QColor(series_colour(index))
            points = [self.keys.marker_at(index, key.t) for key in source.trajectory]
            painter.setPen(QPen(colour.darker(140), 1.2))
            painter.drawLine(points[0], points[-1])
            for k, point in enumerate(points):
                chosen = self.keys.selected == (source.id, k)
                painter.setPen(QPen(QColor("#ffffff"), 1.4) if chosen else QPen(colour.darker(160), 1))
                painter.setBrush(colour.lighter(125) if chosen else colour)
                radius = MARKER_R + 1.5 if chosen else MARKER_R
                painter.drawEllipse(point, radius, radius)
            painter.setPen(colour.lighter(120))
            painter.setFont(self.keys.font)
            painter.drawText(points[-1] + QPointF(MARKER_R + 5, 3.5), source.name)


class SpatialKeys:
    """The spatial keyframe markers of the timeline's scene and the time edits made on them."""

    def __init__(self, view: TimelineView):
        self.view = view
        self.doc: AudioDocument | None = None
        self.selected: tuple[str, int] | None = None      # (source id, keyframe index)
        self.font = QFont(view.font())
        self.font.setPointSizeF(7.5)
        self.item = SpatialKeysItem(self)
        view.scene().addItem(self.item)

    @property
    def sources(self) -> list[SpatialSource]:
        return self.doc.spatial.sources if self.doc is not None else []

    @property
    def row(self) -> int | None:
        """The lane the markers are drawn on: the Spatial track's, else the last one."""
        tracks = self.doc.tracks if self.doc is not None else []
        names = [t.name for t in tracks]
        return names.index("Spatial") if "Spatial" in names else (len(tracks) - 1 if tracks else None)

    @property
    def last_time(self) -> float:
        return max((s.trajectory[-1].t for s in self.sources), default=0.0)

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.spatial.changed.disconnect(self.sync)
        self.doc, self.selected = doc, None
        doc.spatial.changed.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        """The scene, the zoom or the lanes changed: redraw (a selection that is gone is dropped)."""
        if self.selected is not None and self.key(*self.selected) is None:
            self.selected = None
        self.item.prepareGeometryChange()
        self.item.update()

    def marker_at(self, source_index: int, seconds: float) -> QPointF:
        """Scene position of a marker of source ``source_index`` at ``seconds``."""
        step = min(ROW_GAP, (LANE_H - TOP_PX - 6.0) / max(1, len(self.sources) - 1))
        return QPointF(seconds * self.view.pps, lane_top(self.row) + TOP_PX + source_index * step)

    def key(self, source_id: str, index: int) -> tuple[SpatialSource, int] | None:
        source = next((s for s in self.sources if s.id == source_id), None)
        return (source, index) if source is not None and index < len(source.trajectory) else None

    def hit(self, x: float, y: float) -> tuple[SpatialSource, int] | None:
        """The marker under scene (``x``, ``y``): its source and keyframe index (the nearest one)."""
        if self.row is None:
            return None
        found = []
        for i, source in enumerate(self.sources):
            for k, key in enumerate(source.trajectory):
                point = self.marker_at(i, key.t)
                distance = max(abs(point.x() - x), abs(point.y() - y))
                if distance <= HIT_PX:
                    found.append((distance, i, k))
        if not found:
            return None
        _distance, i, k = min(found)
        return self.sources[i], k

    def select(self, source: SpatialSource | None, index: int = 0) -> None:
        self.selected = (source.id, index) if source is not None else None
        self.item.update()

    def drag(self, drag: dict, seconds: float, snap: SnapModel, targets: list[tuple[float, str]]) -> float | None:
        """Move the dragged keyframe to ``seconds`` (snapped; the other keyframes are targets too), kept
        a frame clear of its neighbours; pushes one merging command; returns the snap target hit."""
        found = self.key(drag["source"], drag["index"])
        if found is None:
            return None
        source, index = found
        keys = source.trajectory
        others = [(k.t, "edge") for s in self.sources for j, k in enumerate(s.trajectory)
                  if not (s is source and j == index)]
        hit = snap.snap(seconds, self.view.pps, self.view.fps, [*targets, *others] if snap.edges else targets)
        frame = 1.0 / self.view.fps
        low = keys[index - 1].t + frame if index > 0 else 0.0
        high = keys[index + 1].t - frame if index + 1 < len(keys) else float("inf")
        t = min(max(hit.value, low), high)
        if abs(t - keys[index].t) > 1e-9:
            moved = [*keys[:index], keys[index].model_copy(update={"t": t}), *keys[index + 1:]]
            push(self.view.stack, SetTrajectory(source, moved, f"Move keyframe of {source.name}",
                                                gesture=drag["gesture"]))
        return hit.target if low <= hit.value <= high else None
