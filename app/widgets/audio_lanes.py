"""The audio tracks as lanes of the timeline, under the prompt track in the same scene (one ruler, one
zoom and scroll, one playhead): clip items drawn with their waveform (from cached overviews, reduced to
the pixel columns on screen), gain and fades, and the audio half of the timeline's editing: hit-testing,
a drag that moves a clip (also onto another lane) or trims an edge, split, delete, copy and paste.

``AudioLanes`` follows the document's audio tracks (psygnal events) like the view follows the prompt
track; it returns undo commands and the view pushes them, so prompt and audio edits can be one step.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from app.project.audio import AudioClip, AudioDocument, AudioSpan, AudioTrack
from app.project.audio_commands import (
    AddAudioClip,
    RemoveAudioClip,
    SetAudioSpan,
    SplitAudioClip,
    pasted_audio_copies,
)
from app.project.commands import Edit, push
from app.project.model import PlacementError
from app.project.snap import SnapModel
from app.waveform import Overview, envelope
from app.widgets.overview_loader import OverviewLoader
from app.widgets.timeline_rows import LANE_H, edge_mode, lane_at, lane_top

if TYPE_CHECKING:
    from app.widgets.timeline import TimelineView

KIND_COLOURS = {"file": "#4aa3df", "masker": "#2fbf71", "recording": "#e5484d", "render": "#b07cf0"}
PAD = 3.0


class AudioClipItem(QGraphicsItem):
    """One audio clip on its lane; paints only the exposed part of its waveform."""

    def __init__(self, lanes: AudioLanes, clip: AudioClip, row: int):
        super().__init__()
        self.lanes, self.clip, self.row = lanes, clip, row
        self.selected = False
        self.setZValue(2)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.sync()

    def sync(self) -> None:
        self.prepareGeometryChange()
        self.setPos(self.clip.start * self.lanes.view.pps, lane_top(self.row) + PAD)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, max(2.0, self.clip.duration * self.lanes.view.pps), LANE_H - 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget=None) -> None:
        rect = self.boundingRect()
        colour = QColor(KIND_COLOURS[self.clip.kind])
        fill = QColor(colour)
        fill.setAlpha(105 if self.selected else 60)
        painter.fillRect(rect, fill)
        shown = option.exposedRect.intersected(rect)
        source = self.lanes.overviews.get(self.clip.path)
        if isinstance(source, Overview) and shown.width() >= 1:
            self._paint_waveform(painter, rect, shown, source, colour)
        self._paint_fades(painter, rect)
        painter.setPen(QPen(QColor("#ffffff") if self.selected else colour.lighter(130), 1.6 if self.selected else 1))
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        status = f"  ({source})" if isinstance(source, str) else ("  (reading waveform…)" if source is None else "")
        text = f"{self.clip.name or Path(self.clip.path).stem}  {self.clip.gain_db:+.1f} dB{status}"
        painter.setPen(QColor("#e8e8e8"))
        painter.drawText(QPointF(rect.left() + 5, rect.top() + 11),
                         QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width() - 8)))

    def _paint_waveform(self, painter: QPainter, rect: QRectF, shown: QRectF, ov: Overview, colour: QColor) -> None:
        pps = self.lanes.view.pps
        x0, x1 = math.floor(shown.left()), math.ceil(shown.right())
        lows, highs = envelope(ov, self.clip.offset, x0 / pps, x1 / pps, x1 - x0)
        half = rect.height() / 2 - 2
        scale = 10 ** (self.clip.gain_db / 20) * half
        mid = rect.center().y()
        xs = x0 + np.arange(len(highs)) + 0.5
        top = mid - np.clip(highs * scale, -half, half)
        bottom = mid - np.clip(lows * scale, -half, half)
        points = [QPointF(x, y) for x, y in zip(np.concatenate([xs, xs[::-1]]), np.concatenate([top, bottom[::-1]]),
                                                strict=True)]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour.lighter(135))
        painter.drawPolygon(QPolygonF(points))

    def _paint_fades(self, painter: QPainter, rect: QRectF) -> None:
        pps = self.lanes.view.pps
        painter.setPen(QPen(QColor(255, 255, 255, 170), 1))
        painter.setBrush(QColor(0, 0, 0, 90))
        for seconds, at_left in ((self.clip.fade_in, True), (self.clip.fade_out, False)):
            if seconds <= 0:
                continue
            edge = rect.left() if at_left else rect.right()
            inner = edge + seconds * pps if at_left else edge - seconds * pps
            shade = QPainterPath(QPointF(edge, rect.top()))
            shade.lineTo(inner, rect.top())
            shade.lineTo(edge, rect.bottom())
            shade.closeSubpath()
            painter.drawPath(shade)


class AudioLanes:
    """The audio clip items of the timeline's scene and the audio edits made on them."""

    def __init__(self, view: TimelineView, cache_dir: Path | None):
        self.view = view
        self.doc: AudioDocument | None = None
        self.items: dict[str, AudioClipItem] = {}
        self.overviews = OverviewLoader(cache_dir, view)
        self.overviews.ready.connect(lambda _path: view.viewport().update())

    @property
    def tracks(self) -> list[AudioTrack]:
        return self.doc.tracks if self.doc is not None else []

    def set_document(self, doc: AudioDocument) -> None:
        for track in self.tracks:
            track.clip_added.disconnect(self._clip_added)
            track.clip_removed.disconnect(self._clip_removed)
            track.clip_changed.disconnect(self._clip_changed)
        for item in self.items.values():
            self.view.scene().removeItem(item)
        self.items.clear()
        self.doc = doc
        for track in doc.tracks:
            track.clip_added.connect(self._clip_added)
            track.clip_removed.connect(self._clip_removed)
            track.clip_changed.connect(self._clip_changed)
            for clip in track:
                self._clip_added(clip)

    def _clip_added(self, clip: AudioClip) -> None:
        track, _ = self.doc.find_clip(clip.id)
        item = AudioClipItem(self, clip, self.doc.tracks.index(track))
        item.selected = clip.id in self.view.selected
        self.items[clip.id] = item
        self.view.scene().addItem(item)
        self.view.content_changed()

    def _clip_removed(self, clip: AudioClip) -> None:
        item = self.items.pop(clip.id, None)
        if item is not None:
            self.view.scene().removeItem(item)
        self.view.content_changed()

    def _clip_changed(self, clip: AudioClip) -> None:
        item = self.items.get(clip.id)
        if item is not None:
            item.sync()
        self.view.content_changed()

    def sync_all(self) -> None:
        for item in self.items.values():
            item.sync()

    @property
    def content_end(self) -> float:
        return self.doc.content_end if self.doc is not None else 0.0

    # ---- the mouse ------------------------------------------------------------------------------
    def hit(self, x: float, y: float) -> tuple[AudioClipItem | None, str]:
        """The clip under scene (``x``, ``y``) and whether the press trims an edge or moves it."""
        row = lane_at(y, len(self.tracks))
        pps = self.view.pps
        for item in sorted(self.items.values(), key=lambda i: -i.clip.start):   # the later clip is on top
            if item.row == row and (mode := edge_mode(x, item.clip.start * pps, item.clip.end * pps)):
                return item, mode
        return None, ""

    def drag(self, drag: dict, seconds: float, y: float, snap: SnapModel, targets: list[tuple[float, str]]
             ) -> float | None:
        """Follow a drag of an audio clip to ``seconds`` (and the lane at ``y`` when moving); pushes one
        merging command; returns the snap target hit, if any."""
        origin: AudioSpan = drag["origin"]
        pps, fps = self.view.pps, self.view.fps
        track = drag["track"]
        if drag["mode"] == "move":
            start, _end, hit = snap.snap_move(seconds - drag["grab"], seconds - drag["grab"] + origin.duration,
                                              pps, fps, targets)
            span = origin.moved_to(start)
            row = lane_at(y, len(self.tracks))
            track = self.tracks[row] if row is not None else self.doc.find_clip(drag["clip"])[0]
        else:
            hit = snap.snap(seconds, pps, fps, targets)
            span = origin.trimmed_start(hit.value) if drag["mode"] == "trim_start" else origin.trimmed_end(hit.value)
        current_track, clip = self.doc.find_clip(drag["clip"])
        if (current_track, AudioSpan.of(clip)) != (track, span):
            try:
                push(self.view.stack, SetAudioSpan(self.doc, clip.id, track, span, drag["gesture"],
                                                   trim=drag["mode"] != "move"))
            except PlacementError:
                pass        # the clip stays where it last fitted
        return hit.target

    # ---- the edits ------------------------------------------------------------------------------
    def splits(self, clip_ids: list[str], seconds: float) -> list[Edit]:
        """Split commands for those of ``clip_ids`` that ``seconds`` falls inside."""
        found = []
        for clip_id in clip_ids:
            if clip_id in self.items:
                track, clip = self.doc.find_clip(clip_id)
                if clip.start < seconds < clip.end:
                    found.append(SplitAudioClip(track, clip_id, seconds))
        return found

    def removals(self, clip_ids: list[str]) -> list[Edit]:
        return [RemoveAudioClip(*self.doc.find_clip(i)) for i in clip_ids if i in self.items]

    def copied(self, clip_ids: list[str]) -> list[dict]:
        """Clipboard entries ``{"track": id, "clip": fields}`` for the audio clips among ``clip_ids``."""
        entries = []
        for clip_id in clip_ids:
            if clip_id in self.items:
                track, clip = self.doc.find_clip(clip_id)
                entries.append({"track": track.id, "clip": clip.model_dump()})
        return entries

    def pasted(self, entries: list[dict], shift: float) -> tuple[list[Edit], list[str]]:
        """Commands adding copies of ``entries`` moved by ``shift`` (onto their track, or the first one when
        it is gone), and the new clips' ids."""
        by_id = {t.id: t for t in self.tracks}
        copies = pasted_audio_copies(entries, shift)
        edits: list[Edit] = [AddAudioClip(by_id.get(track_id, self.tracks[0]), clip, "Paste") for track_id, clip in copies]
        return edits, [clip.id for _track, clip in copies]
