"""The timeline: a ruler in seconds and frames, the generated video as a filmstrip with a progress
overlay of blocks in flight, the prompt track, and under it the audio tracks as lanes of the same scene
(``app.widgets.audio_lanes``), so video and sound share one time axis: one ruler, zoom, scroll and
playhead. Clips of every track are created, moved, trimmed, split, deleted, copied and pasted with the
mouse and the keyboard.

Clips are ``QGraphicsItem``s mirroring the document (they follow the tracks' psygnal events); the
ruler, filmstrip and playhead are painted by the view. Every edit is an undo command (``push``); a
drag is one gesture so it merges into one undo step; positions go through the tested ``SnapModel``,
whose targets are the edges of the clips of all tracks, the playhead and whole seconds.

A blend between prompts is shaded on both clips along its transition curve (``app.widgets.transition_shading``);
a cut is a red edge.

Keyframes sit as diamonds in a lane along the bottom of their clip, those of the parameter being edited
(``keyframe_param``: guidance or weight) bright with their curve drawn over the clip, the others dim.
A diamond is selected and dragged in time with the mouse (snapping like clips); K adds one at the
playhead, [ and ] jump to the previous / next one, Delete removes the selected one.

The spatial scene's keyframes are markers on the Spatial lane (``app.widgets.spatial_keys``): a click
moves the playhead to one and names its source (``spatial_key_selected``), a drag moves it in time.
"""

from __future__ import annotations

import atexit
import itertools
import json
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.project.audio import AudioSpan, SpatialSource
from app.project.commands import (
    AddClips,
    AddKeyframe,
    Batch,
    Edit,
    RemoveClips,
    RemoveKeyframes,
    SetKeyframe,
    SetSpan,
    SplitClip,
    next_gesture,
    pasted_copies,
    push,
)
from app.project.model import (
    KEYFRAME_DEFAULT_WEIGHT,
    MIN_CLIP_SECONDS,
    Keyframe,
    PlacementError,
    Project,
    PromptClip,
    Track,
)
from app.project.snap import SnapModel, frame_of, frame_round
from app.theme import Colors
from app.widgets.audio_lanes import AudioClipItem, AudioLanes
from app.widgets.generation import GenerationState
from app.widgets.spatial_keys import SpatialKeys
from app.widgets.timeline_rows import (
    FILM_H,
    FILM_Y,
    LANE_H,
    RULER_H,
    TRACK_H,
    TRACK_Y,
    edge_mode,
    lane_at,
    lane_top,
    scene_height,
)
from app.widgets.transition_shading import ADJACENT_S, shading_paths
from engine.video.spec import KEYFRAME_RANGES

CLIP_MIME = "application/x-noiseloom-clips"
KEY_LANE_PX = 7.0        # the keyframe lane's centre, above the clip's bottom edge
KEY_HIT_PX = 6.0
MIN_PPS, MAX_PPS = 4.0, 2000.0


def release_clipboard() -> None:
    """Drop our clips from the clipboard while Python still runs: Qt would otherwise delete the data at
    process exit, after the interpreter is gone, and PySide's clean-up of its wrapper then crashes."""
    app = QGuiApplication.instance()
    if app is not None:
        data = app.clipboard().mimeData()
        if data is not None and data.hasFormat(CLIP_MIME):
            app.clipboard().clear()


atexit.register(release_clipboard)


class ClipItem(QGraphicsItem):
    """One prompt clip on the track."""

    def __init__(self, view: TimelineView, clip: PromptClip):
        super().__init__()
        self.view = view
        self.clip = clip
        self.selected = False
        self.setZValue(2)
        self.setAcceptHoverEvents(True)
        self.sync()

    def sync(self) -> None:
        self.prepareGeometryChange()
        self.setPos(self.clip.start * self.view.pps, TRACK_Y + 4)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, max(2.0, self.clip.duration * self.view.pps), TRACK_H - 8)

    def paint(self, painter: QPainter, _option, _widget=None) -> None:
        rect = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
        base = Colors.clip_selected if self.selected else Colors.clip
        gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        gradient.setColorAt(0, base.lighter(118))
        gradient.setColorAt(1, base.darker(115))
        path = QPainterPath()
        path.addRoundedRect(rect, 4, 4)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillPath(path, QBrush(gradient))
        for shade in shading_paths(rect, self.view.pps, self.clip, self.next_clip()):
            painter.fillPath(shade, QColor(255, 255, 255, 38))
        if self.clip.hard_cut or self.clip.transition == "cut" or self.clip.curve == "cut":
            painter.fillRect(QRectF(rect.left(), rect.top(), 3, rect.height()), Colors.cut)
        painter.setPen(QPen(Colors.clip_edge if self.selected else base.lighter(140), 1.4 if self.selected else 1))
        painter.drawPath(path)
        self._paint_keyframes(painter, rect)
        text_rect = rect.adjusted(8, 4, -6, -3)
        if text_rect.width() > 12:
            font = QFont(painter.font())
            font.setPointSizeF(9)
            painter.setFont(font)
            metrics = QFontMetrics(font)
            info = f"{self.clip.duration:.2f}s" + (f" · seed {self.clip.seed}" if self.clip.seed is not None else "")
            info_rect = QRectF(text_rect.left(), text_rect.bottom() - metrics.height(), text_rect.width(),
                               metrics.height())
            title_rect = QRectF(text_rect.left(), text_rect.top(), text_rect.width(),
                                info_rect.top() - text_rect.top())
            lines = max(1, int(title_rect.height() // metrics.lineSpacing()))
            painter.setPen(QColor("#eef3fb"))
            title = self.clip.text or "(empty prompt: type one in the inspector)"
            y = title_rect.top() + metrics.ascent()
            for n, line in enumerate(_wrap(title, metrics, title_rect.width(), lines)):
                painter.drawText(QPointF(title_rect.left(), y + n * metrics.lineSpacing()), line)
            painter.setPen(QColor(220, 230, 245, 150))
            painter.drawText(info_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(info, Qt.TextElideMode.ElideRight, int(text_rect.width())))


    def next_clip(self) -> PromptClip | None:
        """The clip that starts where this one ends (its blend in reaches into this clip), if any."""
        clips = self.view.track.clips if self.view.project is not None else []
        return next((c for c in clips if c is not self.clip and abs(c.start - self.clip.end) < ADJACENT_S), None)

    def key_x(self, keyframe: Keyframe) -> float:
        """The diamond's x in item coordinates."""
        return 0.5 + keyframe.time * self.view.pps

    def _paint_keyframes(self, painter: QPainter, rect: QRectF) -> None:
        pps, param = self.view.pps, self.view.keyframe_param
        inside = [k for k in self.clip.keyframes if k.time <= self.clip.duration + 1e-9]
        active = [k for k in inside if k.param == param]
        if active:
            low, high = KEYFRAME_RANGES[param]
            top, bottom = rect.top() + 6, rect.bottom() - 2 * KEY_LANE_PX

            def y_of(value: float) -> float:
                return bottom - (bottom - top) * (value - low) / (high - low)

            curve = QPainterPath(QPointF(rect.left(), y_of(active[0].value)))
            for key in active:
                curve.lineTo(rect.left() + key.time * pps, y_of(key.value))
            curve.lineTo(rect.right(), y_of(active[-1].value))
            painter.setPen(QPen(QColor(255, 214, 102, 170), 1.2))
            painter.drawPath(curve)
        selected = self.view.selected_keyframe
        for key in sorted(inside, key=lambda k: k.param == param):
            x, y = rect.left() + key.time * pps, rect.bottom() - KEY_LANE_PX
            size = 5.5 if selected == (self.clip.id, key.id) else 4.0
            diamond = QPainterPath(QPointF(x, y - size))
            diamond.lineTo(x + size, y)
            diamond.lineTo(x, y + size)
            diamond.lineTo(x - size, y)
            diamond.closeSubpath()
            painter.fillPath(diamond, Colors.keyframe if key.param == param else QColor(200, 210, 230, 90))
            if size > 4.0:
                painter.setPen(QPen(QColor("#ffffff"), 1.2))
                painter.drawPath(diamond)


def _wrap(text: str, metrics: QFontMetrics, width: float, max_lines: int) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines, eliding the last one."""
    words, lines, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if metrics.horizontalAdvance(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[:max_lines - 1], " ".join(lines[max_lines - 1:])]
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(width)) for line in lines]


class TimelineView(QGraphicsView):
    """The timeline's canvas; its public methods are the editing actions the main window binds."""

    playhead_moved = Signal(float)
    selection_changed = Signal(list)     # selected clip ids (prompt and audio clips)
    keyframe_selected = Signal(str, str)  # clip id, keyframe id ("", "" when none)
    keyframe_param_requested = Signal(str)  # a diamond of the other parameter was clicked
    spatial_key_selected = Signal(str)   # the source id of the spatial keyframe marker clicked
    message = Signal(str)                # refused edits, for the status bar
    lanes_changed = Signal()             # another project: the track headers are rebuilt

    def __init__(self, project: Project, stack: QUndoStack, generation: GenerationState,
                 parent: QWidget | None = None, cache_dir: Path | None = None):
        super().__init__(parent)
        self.stack = stack
        self.generation = generation
        self.snap = SnapModel()
        self.pps = 60.0
        self.playhead = 0.0
        self.selected: list[str] = []
        self.keyframe_param = "guidance"
        self.selected_keyframe: tuple[str, str] | None = None
        self.project: Project | None = None
        self.items: dict[str, ClipItem] = {}
        self._drag: dict | None = None
        self.context_menu: QMenu | None = None
        self._snap_line: float | None = None
        self.setScene(QGraphicsScene(self))
        self.lanes = AudioLanes(self, cache_dir)
        self.spatial_keys = SpatialKeys(self)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        generation.changed.connect(self.viewport().update)
        generation.frame_ready.connect(lambda _i: self.viewport().update())
        self.set_project(project)

    # ---- document ---------------------------------------------------------------------------
    @property
    def track(self) -> Track:
        assert self.project is not None
        return self.project.prompt_track

    def set_project(self, project: Project) -> None:
        if self.project is not None:
            old = self.project.prompt_track
            old.clip_added.disconnect(self._clip_added)
            old.clip_removed.disconnect(self._clip_removed)
            old.clip_changed.disconnect(self._clip_changed)
            self.project.settings.events.disconnect(self._settings_changed)
        for item in self.items.values():
            self.scene().removeItem(item)
        self.items.clear()
        self.selected = []
        self.selected_keyframe = None
        self.project = project
        track = project.prompt_track
        track.clip_added.connect(self._clip_added)
        track.clip_removed.connect(self._clip_removed)
        track.clip_changed.connect(self._clip_changed)
        project.settings.events.connect(self._settings_changed)
        for clip in track:
            self._clip_added(clip)
        self.lanes.set_document(project.audio)
        self.spatial_keys.set_document(project.audio)
        self.setMinimumHeight(int(self.scene_h) + 14)
        self.content_changed()
        self.selection_changed.emit([])
        self.lanes_changed.emit()

    def shutdown(self) -> None:
        """End the waveform reader's thread (at window close)."""
        self.lanes.overviews.close()

    def _clip_added(self, clip: PromptClip) -> None:
        item = ClipItem(self, clip)
        self.items[clip.id] = item
        self.scene().addItem(item)
        self.content_changed()

    def _clip_removed(self, clip: PromptClip) -> None:
        item = self.items.pop(clip.id, None)
        if item is not None:
            self.scene().removeItem(item)
        if clip.id in self.selected:
            self.set_selection([i for i in self.selected if i != clip.id])
        self.content_changed()

    def _clip_changed(self, clip: PromptClip) -> None:
        item = self.items.get(clip.id)
        if item is not None:
            item.sync()
        self.content_changed()

    def _settings_changed(self, *_args: object) -> None:
        self.content_changed()
        self.viewport().update()

    @property
    def scene_h(self) -> float:
        return scene_height(len(self.lanes.tracks))

    @property
    def end_seconds(self) -> float:
        """Where the timeline ends: the video's length or the last clip of any track, if later."""
        assert self.project is not None
        return max(self.project.settings.duration, self.project.content_end, self.lanes.content_end)

    def content_changed(self) -> None:
        """Clips or settings changed: resize the scene to the content."""
        self.scene().setSceneRect(0, 0, (self.end_seconds + 8.0) * self.pps, self.scene_h)
        self.spatial_keys.sync()
        self.viewport().update()

    @property
    def fps(self) -> float:
        assert self.project is not None
        return float(self.project.settings.fps)

    # ---- selection and playhead ---------------------------------------------------------------
    def set_selection(self, clip_ids: list[str]) -> None:
        self.selected = [i for i in clip_ids if i in self.items or i in self.lanes.items]
        for clip_id, item in itertools.chain(self.items.items(), self.lanes.items.items()):
            item.selected = clip_id in self.selected
            item.update()
        self.selection_changed.emit(list(self.selected))
        if self.selected_keyframe is not None and self.selected_keyframe[0] not in self.selected:
            self.select_keyframe(None)

    def set_playhead(self, seconds: float, follow: bool = False) -> None:
        seconds = max(0.0, min(seconds, self.end_seconds))
        if abs(seconds - self.playhead) < 1e-9:
            return
        self.playhead = seconds
        if follow:
            x = seconds * self.pps
            left = self.horizontalScrollBar().value()
            width = self.viewport().width()
            if not left + 40 <= x <= left + width - 40:
                self.horizontalScrollBar().setValue(int(x - width * 0.25))
        self.viewport().update()
        self.playhead_moved.emit(seconds)

    # ---- keyframes ----------------------------------------------------------------------------
    def set_keyframe_param(self, param: str) -> None:
        """Edit the keyframes of ``param`` (``guidance`` or ``weight``)."""
        self.keyframe_param = param
        if self.selected_keyframe is not None and self._selected_key() is not None \
                and self._selected_key().param != param:
            self.select_keyframe(None)
        self.viewport().update()

    def select_keyframe(self, key: tuple[str, str] | None) -> None:
        """Select the keyframe ``(clip id, keyframe id)`` (and its clip), or none."""
        if key is not None and key[0] not in self.selected:
            self.set_selection([key[0]])
        self.selected_keyframe = key
        for item in self.items.values():
            item.update()
        self.keyframe_selected.emit(*(key or ("", "")))

    def _selected_key(self) -> Keyframe | None:
        if self.selected_keyframe is None:
            return None
        clip_id, key_id = self.selected_keyframe
        try:
            return self.track.clip(clip_id).keyframe(key_id)
        except KeyError:
            return None

    def _clip_for_keyframes(self) -> PromptClip | None:
        """The clip under the playhead (the playhead at a clip's very end counts for that clip)."""
        clip = self.track.clip_at(self.playhead)
        if clip is None:
            clip = next((c for c in self.track if abs(c.end - self.playhead) < 1e-9), None)
        return clip

    def add_keyframe_at_playhead(self) -> Keyframe | None:
        """A keyframe of ``keyframe_param`` at the playhead on the clip there, holding the curve's value."""
        clip = self._clip_for_keyframes()
        if clip is None:
            self.message.emit("Not possible: keyframes belong to a clip; put the playhead over one")
            return None
        assert self.project is not None
        offset = frame_round(self.playhead, self.fps) - clip.start
        offset = min(max(0.0, offset), clip.duration)
        param = self.keyframe_param
        existing = next((k for k in clip.keyframes_of(param) if abs(k.time - offset) < 1e-6), None)
        if existing is not None:
            self.select_keyframe((clip.id, existing.id))
            return existing
        default = self.project.settings.guidance if param == "guidance" else KEYFRAME_DEFAULT_WEIGHT
        key = Keyframe(time=offset, param=param, value=clip.value_at(param, offset, default))
        if self._try(lambda: AddKeyframe(clip, key)):
            self.select_keyframe((clip.id, key.id))
            return key
        return None

    def delete_selected_keyframe(self) -> bool:
        key = self._selected_key()
        if key is None:
            return False
        clip_id = self.selected_keyframe[0]
        if self._try(lambda: RemoveKeyframes(self.track.clip(clip_id), [key.id])):
            self.select_keyframe(None)
            return True
        return False

    def keyframe_times(self) -> list[tuple[float, str, str]]:
        """(video time, clip id, keyframe id) of every keyframe of ``keyframe_param``, by time."""
        return sorted((c.start + k.time, c.id, k.id) for c in self.track for k in c.keyframes_of(self.keyframe_param)
                      if k.time <= c.duration + 1e-9)

    def jump_to_keyframe(self, step: int) -> bool:
        """Move the playhead to the previous (-1) or next (+1) keyframe and select it."""
        here = self.playhead
        times = self.keyframe_times()
        found = ([t for t in times if t[0] > here + 1e-6][:1] if step > 0
                 else [t for t in times if t[0] < here - 1e-6][-1:])
        if not found:
            self.message.emit(f"No {'next' if step > 0 else 'previous'} {self.keyframe_param} keyframe")
            return False
        seconds, clip_id, key_id = found[0]
        self.set_playhead(seconds, follow=True)
        self.select_keyframe((clip_id, key_id))
        return True

    def select_spatial_key(self, source: SpatialSource, index: int) -> None:
        """Select a spatial keyframe marker: the playhead goes to its time, ``spatial_key_selected`` names
        its source."""
        self.spatial_keys.select(source, index)
        self.set_playhead(source.trajectory[index].t, follow=True)
        self.spatial_key_selected.emit(source.id)

    # ---- zoom ---------------------------------------------------------------------------------
    def set_zoom(self, pps: float, anchor_seconds: float | None = None) -> None:
        pps = min(MAX_PPS, max(MIN_PPS, pps))
        anchor = self.playhead if anchor_seconds is None else anchor_seconds
        offset = anchor * self.pps - self.horizontalScrollBar().value()
        self.pps = pps
        for item in self.items.values():
            item.sync()
        self.lanes.sync_all()
        self.content_changed()
        self.horizontalScrollBar().setValue(int(anchor * pps - offset))

    def zoom_in(self) -> None:
        self.set_zoom(self.pps * 1.5)

    def zoom_out(self) -> None:
        self.set_zoom(self.pps / 1.5)

    def zoom_fit(self) -> None:
        self.set_zoom((self.viewport().width() - 30) / max(self.end_seconds, 1.0), 0.0)
        self.horizontalScrollBar().setValue(0)

    # ---- editing actions ----------------------------------------------------------------------
    def _try(self, command_factory) -> bool:
        try:
            push(self.stack, command_factory())
        except PlacementError as exc:
            self.message.emit(f"Not possible: {exc}")
            return False
        return True

    def _push_all(self, edits: list[Edit], text: str) -> bool:
        """Push ``edits`` as one undo step (a single edit as itself)."""
        return bool(edits) and self._try(lambda: edits[0] if len(edits) == 1 else Batch(edits, text))

    def all_clips(self) -> itertools.chain:
        """The clips of every track (prompt and audio): what snapping aligns to."""
        return itertools.chain(self.track, *self.lanes.tracks)

    def free_span_at(self, seconds: float, length: float = 4.0) -> tuple[float, float] | None:
        """The longest free span (up to ``length``) starting at ``seconds`` on the prompt track."""
        seconds = frame_round(max(0.0, seconds), self.fps)
        if self.track.clip_at(seconds) is not None:
            return None
        nxt = min((c.start for c in self.track if c.start >= seconds - 1e-9), default=None)
        end = seconds + length if nxt is None else min(seconds + length, nxt)
        return (seconds, end) if end - seconds >= MIN_CLIP_SECONDS else None

    def add_clip(self, seconds: float | None = None, text: str = "") -> PromptClip | None:
        """Create a clip at ``seconds`` (default: the playhead) in the free space there."""
        span = self.free_span_at(self.playhead if seconds is None else seconds)
        if span is None:
            self.message.emit("Not possible: there is already a clip there; move the playhead to free space")
            return None
        clip = PromptClip(start=span[0], end=span[1], text=text)
        if self._try(lambda: AddClips(self.track, [clip], "Add clip")):
            self.set_selection([clip.id])
            return clip
        return None

    def split_at_playhead(self) -> bool:
        return self.split_at(self.playhead)

    def split_at(self, seconds: float) -> bool:
        """Split the selected clips under ``seconds`` there (on a frame boundary), or, when none of them is,
        the prompt clip there; all of them as one undo step."""
        at = frame_round(seconds, self.fps)
        edits: list[Edit] = self.lanes.splits(self.selected, at)
        prompt = self.track.clip_at(seconds)
        if prompt is not None and (prompt.id in self.selected or not edits):
            edits.insert(0, SplitClip(self.track, prompt.id, at))
        if not edits:
            self.message.emit("Not possible: no clip there to split")
            return False
        return self._push_all(edits, f"Split {len(edits)} clips")

    def delete_selected(self) -> bool:
        """Delete the selected keyframe if there is one, else the selected clips (prompt and audio)."""
        if self._selected_key() is not None:
            return self.delete_selected_keyframe()
        if not self.selected:
            return False
        prompt_ids = [i for i in self.selected if i in self.items]
        text = "Delete clip" if len(prompt_ids) == 1 else f"Delete {len(prompt_ids)} clips"
        edits: list[Edit] = [RemoveClips(self.track, prompt_ids, text)] if prompt_ids else []
        edits += self.lanes.removals(self.selected)
        return self._push_all(edits, f"Delete {len(self.selected)} clips")

    def copy_selected(self) -> bool:
        clips = [self.track.clip(i).model_dump() for i in self.selected if i in self.items]
        audio = self.lanes.copied(self.selected)
        if not clips and not audio:
            return False
        data = QMimeData()
        data.setData(CLIP_MIME, json.dumps({"prompt": clips, "audio": audio}).encode())
        data.setText("\n".join([c["text"] for c in clips] + [a["clip"]["name"] for a in audio]))
        QGuiApplication.clipboard().setMimeData(data)
        return True

    def cut_selected(self) -> bool:
        return self.copy_selected() and self.delete_selected()

    def paste_at_playhead(self) -> bool:
        data = QGuiApplication.clipboard().mimeData()
        if data is None or not data.hasFormat(CLIP_MIME):
            self.message.emit("Nothing to paste: copy clips first (Ctrl+C)")
            return False
        payload = json.loads(bytes(data.data(CLIP_MIME).data()))
        at = frame_round(self.playhead, self.fps)
        first = min([c["start"] for c in payload["prompt"]] + [a["clip"]["start"] for a in payload["audio"]])
        prompt_first = min((c["start"] for c in payload["prompt"]), default=first)
        clips = pasted_copies(payload["prompt"], at + prompt_first - first)
        edits: list[Edit] = [AddClips(self.track, clips, "Paste")] if clips else []
        audio_edits, audio_ids = self.lanes.pasted(payload["audio"], at - first)
        if self._push_all(edits + audio_edits, "Paste"):
            self.set_selection([c.id for c in clips] + audio_ids)
            return True
        return False

    def select_all(self) -> None:
        self.set_selection([c.id for c in self.all_clips()])

    def select_adjacent(self, step: int) -> None:
        clips = self.track.clips
        if not clips:
            return
        current = self.selected[-1] if self.selected else None
        ids = [c.id for c in clips]
        index = ids.index(current) + step if current in ids else (0 if step > 0 else len(ids) - 1)
        index = max(0, min(len(ids) - 1, index))
        self.set_selection([ids[index]])
        self.set_playhead(clips[index].start, follow=True)

    # ---- mouse --------------------------------------------------------------------------------
    def _seconds_at(self, x_view: float) -> float:
        return self.mapToScene(int(x_view), 0).x() / self.pps

    def _keyframe_hit(self, pos: QPointF) -> tuple[PromptClip, Keyframe] | None:
        """The diamond under ``pos`` (those of the edited parameter first)."""
        scene = self.mapToScene(pos.toPoint())
        for item in self.items.values():
            lane_y = item.pos().y() + item.boundingRect().bottom() - KEY_LANE_PX
            if abs(scene.y() - lane_y) > KEY_HIT_PX:
                continue
            keys = sorted(item.clip.keyframes, key=lambda k: k.param != self.keyframe_param)
            for key in keys:
                if key.time <= item.clip.duration + 1e-9 \
                        and abs(scene.x() - item.pos().x() - item.key_x(key)) <= KEY_HIT_PX:
                    return item.clip, key
        return None

    def _hit(self, pos: QPointF) -> tuple[ClipItem | AudioClipItem | None, str]:
        """The clip (prompt or audio) under the view position ``pos`` and what a press there does."""
        scene = self.mapToScene(pos.toPoint())
        if not TRACK_Y <= scene.y() <= TRACK_Y + TRACK_H:
            return self.lanes.hit(scene.x(), scene.y())
        for item in self.items.values():
            if mode := edge_mode(scene.x(), item.clip.start * self.pps, item.clip.end * self.pps):
                return item, mode
        return None, ""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        scene = self.mapToScene(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        if scene.y() < TRACK_Y - 4:
            self._drag = {"mode": "scrub"}
            self._scrub(event)
            return
        keyed = self._keyframe_hit(event.position())
        if keyed is not None:
            clip, key = keyed
            if key.param != self.keyframe_param:
                self.keyframe_param_requested.emit(key.param)
            self.select_keyframe((clip.id, key.id))
            self._drag = {"mode": "keyframe", "clip": clip.id, "key": key.id, "gesture": next_gesture(),
                          "grab": scene.x() / self.pps - (clip.start + key.time)}
            return
        spatial = self.spatial_keys.hit(scene.x(), scene.y())
        if spatial is not None:
            source, index = spatial
            self.select_spatial_key(source, index)
            self._drag = {"mode": "spatial_key", "source": source.id, "index": index, "gesture": next_gesture(),
                          "grab": scene.x() / self.pps - source.trajectory[index].t}
            return
        item, mode = self._hit(event.position())
        if item is None:
            self.set_selection([])
            self._drag = None
            return
        clip = item.clip
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            ids = [i for i in self.selected if i != clip.id] if clip.id in self.selected else [*self.selected, clip.id]
            self.set_selection(ids)
        elif clip.id not in self.selected or len(self.selected) > 1:
            self.set_selection([clip.id])
        self._drag = {"mode": mode, "clip": clip.id, "gesture": next_gesture(),
                      "grab": scene.x() / self.pps - clip.start, "span": (clip.start, clip.end)}
        if isinstance(item, AudioClipItem):
            self._drag.update(audio=True, origin=AudioSpan.of(clip), track=self.lanes.tracks[item.row])

    def _scrub(self, event: QMouseEvent) -> None:
        seconds = self._seconds_at(event.position().x())
        if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            targets = self.snap.targets(self.all_clips(), None)
            seconds = self.snap.snap(seconds, self.pps, self.fps, targets).value
        self.set_playhead(seconds)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        if drag is None:
            _item, mode = self._hit(event.position())
            scene = self.mapToScene(event.position().toPoint())
            if self._keyframe_hit(event.position()) is not None or self.spatial_keys.hit(scene.x(), scene.y()):
                mode = "keyframe"
            shape = {"trim_start": Qt.CursorShape.SizeHorCursor, "trim_end": Qt.CursorShape.SizeHorCursor,
                     "move": Qt.CursorShape.OpenHandCursor,
                     "keyframe": Qt.CursorShape.PointingHandCursor}.get(mode, Qt.CursorShape.ArrowCursor)
            self.viewport().setCursor(shape)
            return
        if drag["mode"] == "scrub":
            self._scrub(event)
            return
        seconds = self._seconds_at(event.position().x())
        free = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        snap = SnapModel(enabled=not free and self.snap.enabled, edges=self.snap.edges,
                         playhead=self.snap.playhead, seconds=self.snap.seconds)
        if drag["mode"] == "keyframe":
            self._drag_keyframe(drag, self.track.clip(drag["clip"]), seconds - drag["grab"], snap)
            return
        if drag["mode"] == "spatial_key":
            targets = snap.targets(self.all_clips(), self.playhead)
            self._snap_line = self.spatial_keys.drag(drag, seconds - drag["grab"], snap, targets)
            self.viewport().update()
            return
        targets = snap.targets(self.all_clips(), self.playhead, exclude=[drag["clip"]])
        if drag.get("audio"):
            y = self.mapToScene(event.position().toPoint()).y()
            self._snap_line = self.lanes.drag(drag, seconds, y, snap, targets)
        else:
            self._snap_line = self._drag_prompt(drag, seconds, snap, targets)
        self.viewport().update()

    def _drag_prompt(self, drag: dict, seconds: float, snap: SnapModel, targets: list[tuple[float, str]]
                     ) -> float | None:
        """Follow a drag of a prompt clip to ``seconds``; returns the snap target hit, if any."""
        clip = self.track.clip(drag["clip"])
        start, end = drag["span"]
        if drag["mode"] == "move":
            new_start, new_end, hit = snap.snap_move(seconds - drag["grab"], seconds - drag["grab"] + (end - start),
                                                     self.pps, self.fps, targets)
        elif drag["mode"] == "trim_start":
            hit = snap.snap(seconds, self.pps, self.fps, targets)
            new_start, new_end = min(hit.value, end - MIN_CLIP_SECONDS), end
        else:
            hit = snap.snap(seconds, self.pps, self.fps, targets)
            new_start, new_end = start, max(hit.value, start + MIN_CLIP_SECONDS)
        if (new_start, new_end) != (clip.start, clip.end):
            try:
                push(self.stack, SetSpan(self.track, clip.id, new_start, new_end, gesture=drag["gesture"],
                                         trim=drag["mode"] != "move"))
            except PlacementError:
                pass        # blocked by a neighbour: the clip stays where it last fitted
        return hit.target

    def _drag_keyframe(self, drag: dict, clip: PromptClip, seconds: float, snap: SnapModel) -> None:
        """Move the dragged keyframe to ``seconds`` (snapped: the clip's edges, the playhead, whole
        seconds, the other keyframes; else a frame boundary), kept inside its clip."""
        targets: list[tuple[float, str]] = []
        if snap.edges:
            others = [t for t, _clip, key in self.keyframe_times() if key != drag["key"]]
            targets += [(t, "edge") for t in (clip.start, clip.end, *others)]
        if snap.playhead:
            targets.append((self.playhead, "playhead"))
        hit = snap.snap(seconds, self.pps, self.fps, targets)
        offset = min(max(0.0, hit.value - clip.start), clip.duration)
        self._snap_line = hit.target
        if abs(offset - clip.keyframe(drag["key"]).time) > 1e-9:
            try:
                push(self.stack, SetKeyframe(clip, drag["key"], time=offset, gesture=drag["gesture"]))
            except PlacementError:
                pass        # on another keyframe of the same parameter: it stays where it last fitted
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self._snap_line = None
        self.viewport().update()
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Right click: the clip actions at the clicked time (or add / paste in free space)."""
        scene = self.mapToScene(event.pos())
        item, _mode = self._hit(QPointF(event.pos()))
        seconds = frame_round(max(0.0, scene.x() / self.pps), self.fps)
        menu = QMenu(self)
        keyed = self._keyframe_hit(QPointF(event.pos()))
        if keyed is not None:
            self.select_keyframe((keyed[0].id, keyed[1].id))
            menu.addAction("Delete keyframe", self.delete_selected_keyframe)
        elif item is not None:
            if item.clip.id not in self.selected:
                self.set_selection([item.clip.id])
            menu.addAction("Split here", lambda: self.split_at(seconds))
            menu.addAction(f"Add {self.keyframe_param} keyframe here",
                           lambda: (self.set_playhead(seconds), self.add_keyframe_at_playhead()))
            menu.addAction("Copy", self.copy_selected)
            menu.addAction("Cut", self.cut_selected)
            menu.addAction("Delete", self.delete_selected)
        elif TRACK_Y <= scene.y() <= TRACK_Y + TRACK_H or lane_at(scene.y(), len(self.lanes.tracks)) is not None:
            if TRACK_Y <= scene.y() <= TRACK_Y + TRACK_H:
                menu.addAction("Add prompt clip here", lambda: self.add_clip(seconds))
            menu.addAction("Paste here", lambda: (self.set_playhead(seconds), self.paste_at_playhead()))
        else:
            return
        self.context_menu = menu
        menu.popup(event.globalPos())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        scene = self.mapToScene(event.position().toPoint())
        item, _mode = self._hit(event.position())
        if item is None and TRACK_Y <= scene.y() <= TRACK_Y + TRACK_H:
            seconds = self.snap.snap(scene.x() / self.pps, self.pps, self.fps,
                                     self.snap.targets(self.all_clips(), self.playhead)).value
            self.add_clip(seconds)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.pps * (1.2 if delta > 0 else 1 / 1.2), self._seconds_at(event.position().x()))
        else:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - delta)
        event.accept()

    # ---- painting -----------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        assert self.project is not None
        painter.fillRect(rect, Colors.base)
        left, right = rect.left(), rect.right()
        painter.fillRect(QRectF(left, FILM_Y - 2, rect.width(), FILM_H + 4), Colors.track_alt)
        painter.fillRect(QRectF(left, TRACK_Y, rect.width(), TRACK_H), Colors.track_bg)
        for row in range(len(self.lanes.tracks)):
            painter.fillRect(QRectF(left, lane_top(row) + 1, rect.width(), LANE_H - 2),
                             Colors.track_bg if row % 2 else Colors.track_alt)
        end_x = self.project.settings.duration * self.pps
        if end_x < right:
            painter.fillRect(QRectF(max(left, end_x), FILM_Y - 2, right - max(left, end_x), self.scene_h),
                             QColor(0, 0, 0, 70))
        self._draw_filmstrip(painter, rect)

    def _draw_filmstrip(self, painter: QPainter, rect: QRectF) -> None:
        gen = self.generation
        fps = gen.fps or self.fps
        for block in gen.blocks:
            x0, x1 = block.start / fps * self.pps, block.end / fps * self.pps
            if x1 < rect.left() or x0 > rect.right():
                continue
            cell = QRectF(x0 + 0.5, FILM_Y, max(1.0, x1 - x0 - 1), FILM_H)
            image = gen.thumbnail_for_block(block) if block.state == "done" or gen.frames else None
            if image is not None and not image.isNull():
                self._draw_thumbs(painter, cell, block, image)
            else:
                painter.fillRect(cell, QColor("#1f2530"))
            if block.state == "running":
                painter.fillRect(cell, QColor(79, 179, 255, 45))
                bar = QRectF(cell.left(), cell.bottom() - 5, cell.width() * block.fraction, 5)
                painter.fillRect(bar, Colors.accent2)
                painter.setPen(QPen(Colors.accent2, 1.2))
                painter.drawRect(cell.adjusted(0.5, 0.5, -0.5, -0.5))
            elif block.state == "queued" and gen.running:
                painter.fillRect(cell, QColor(0, 0, 0, 90))
        painter.setPen(QPen(QColor("#0d1016"), 1))

    def _draw_thumbs(self, painter: QPainter, cell: QRectF, block, fallback) -> None:
        gen = self.generation
        aspect = fallback.width() / max(1, fallback.height())
        thumb_w = max(8.0, FILM_H * aspect)
        count = max(1, int(cell.width() // thumb_w))
        span = block.end - block.start
        for n in range(count):
            index = block.start + min(span - 1, int((n + 0.5) * span / count))
            image = gen.frames.get(index, fallback)
            target = QRectF(cell.left() + n * cell.width() / count, cell.top(), cell.width() / count, FILM_H)
            painter.drawImage(target, image, QRectF(image.rect()))

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        assert self.project is not None
        self._draw_ruler(painter, rect)
        if self._snap_line is not None:
            painter.setPen(QPen(Colors.accent, 1, Qt.PenStyle.DashLine))
            x = self._snap_line * self.pps
            painter.drawLine(QPointF(x, RULER_H), QPointF(x, self.scene_h))
        x = self.playhead * self.pps
        painter.setPen(QPen(Colors.accent, 1.5))
        painter.drawLine(QPointF(x, 8), QPointF(x, self.scene_h))
        head = QPainterPath(QPointF(x - 6, 2))
        head.lineTo(x + 6, 2)
        head.lineTo(x + 6, 10)
        head.lineTo(x, 16)
        head.lineTo(x - 6, 10)
        head.closeSubpath()
        painter.fillPath(head, Colors.accent)

    def tick_frames(self) -> tuple[int, int]:
        """(major, minor) ruler tick spacing in frames: majors at least 70 px apart, whole frames."""
        fps = max(1, round(self.fps))
        seconds = (0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 3600)
        candidates = sorted({1, 2, 5, *(int(fps * s) for s in seconds if float(fps * s).is_integer())})
        px_per_frame = self.pps / self.fps
        major = next((c for c in candidates if c * px_per_frame >= 70), candidates[-1])
        divisor = next((d for d in (5, 4, 3, 2) if major % d == 0 and major // d * px_per_frame >= 8), 1)
        return major, major // divisor

    def _draw_ruler(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(QRectF(rect.left(), 0, rect.width(), RULER_H), Colors.ruler)
        painter.setPen(QPen(Colors.border, 1))
        painter.drawLine(QPointF(rect.left(), RULER_H), QPointF(rect.right(), RULER_H))
        major, minor = self.tick_frames()
        with_frames = major % max(1, round(self.fps)) != 0
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        px_per_frame = self.pps / self.fps
        first = int(rect.left() / px_per_frame / minor) - 1
        last = int(rect.right() / px_per_frame / minor) + 2
        for n in range(max(0, first), last):
            frame = n * minor
            x = frame * px_per_frame
            is_major = frame % major == 0
            painter.setPen(QPen(Colors.dim if is_major else Colors.border, 1))
            painter.drawLine(QPointF(x, RULER_H - (12 if is_major else 5)), QPointF(x, RULER_H))
            if is_major:
                painter.setPen(Colors.text)
                painter.drawText(QPointF(x + 3, 12), format_time(frame / self.fps, self.fps, with_frames))


def format_time(seconds: float, fps: float, with_frames: bool = True) -> str:
    """``m:ss`` (with ``:ff`` frames when asked)."""
    frame = frame_of(seconds, fps)
    whole, ff = divmod(frame, round(fps))
    m, s = divmod(whole, 60)
    return f"{m}:{s:02d}:{ff:02d}" if with_frames else f"{m}:{s:02d}"


class TimelineWidget(QWidget):
    """The timeline with its track headers on the left (the video, the prompt track, one per audio lane)."""

    def __init__(self, view: TimelineView, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        headers = QWidget()
        headers.setFixedWidth(118)
        headers.setStyleSheet(f"background: {Colors.panel.name()};")
        column = QVBoxLayout(headers)
        column.setContentsMargins(8, 0, 4, 0)
        column.setSpacing(0)
        column.addSpacing(int(RULER_H))
        for title, subtitle, height in (("Video", "generated", FILM_Y + FILM_H - RULER_H + 6),
                                        ("Prompts", "V1 · prompt track", TRACK_Y + TRACK_H - FILM_Y - FILM_H - 6)):
            column.addWidget(self._label(title, subtitle, height))
        column.addSpacing(int(lane_top(0) - TRACK_Y - TRACK_H))
        self.lane_headers = QVBoxLayout()
        self.lane_headers.setSpacing(0)
        column.addLayout(self.lane_headers)
        column.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(headers)
        layout.addWidget(view, 1)
        view.lanes_changed.connect(self._show_lanes)
        self._show_lanes()

    @staticmethod
    def _label(title: str, subtitle: str, height: float) -> QLabel:
        label = QLabel(f"<b>{title}</b><br><span style='color:{Colors.dim.name()}'>{subtitle}</span>")
        label.setFixedHeight(int(height))
        return label

    def _show_lanes(self) -> None:
        while self.lane_headers.count():
            self.lane_headers.takeAt(0).widget().deleteLater()
        for row, track in enumerate(self.view.lanes.tracks, start=1):
            self.lane_headers.addWidget(self._label(track.name, f"A{row} · audio track", LANE_H))
