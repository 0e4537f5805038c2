"""The spatial panel: sources around the listener seen from above, their paths, render, listen, verify.

The view puts the front up and the left to the left (DCASE azimuth: 0 front, 90 left); the radius is
``log2(1 + distance)`` so that 1 m and 40 m both fit (rings are labelled in metres). Each source's path
is the engine's own interpolation (``engine.audio.spatial.trajectory``, numpy/scipy only) sampled over
the scene; its keyframes are handles, and the source's position at the playhead is a bigger handle:
dragging a keyframe moves it, dragging the position sets (or adds) the keyframe at the playhead time,
so paths are keyed to the timeline. A drag is one undo step. A phrase ("a car passing from left to
right") proposes a path by the engine's documented rules (``engine.audio.spatial.language``).

Render, Listen and Verify run ``spatial.render`` on the engine with the scene built from the document;
Verify draws the estimated direction of every 100 ms frame over the drawn paths and shows the SELD
metrics (FOA) or the lateral errors (binaural, stereo). Export writes the render's WAV and the DCASE CSV.
The files a finished render leads to (keeping it for a track, reading it to play, copying an export)
are read and written on a worker thread (``app.background``); ``busy`` covers them and the engine job.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import soundfile as sf
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.background import Background
from app.client import EngineClient
from app.engine_bank import MaskerBank
from app.engine_jobs import EngineJob
from app.project.audio import FORMATS, ROOM_PRESETS, AudioClip, AudioDocument, SpatialSource
from app.project.audio_commands import AddAudioClip, AddSource, SetField, SetTrajectory, keyframes_with
from app.project.commands import next_gesture, push
from app.theme import series_colour
from app.widgets.playback import AudioPlayer, read_for_playback
from app.widgets.plots import own_menus
from engine.atomic import copy_file_atomic
from engine.audio.spatial.language import interpret, phrase_to_trajectory
from engine.audio.spatial.spec import Keyframe
from engine.audio.spatial.trajectory import Trajectory

RINGS_M = (1, 3, 7, 15, 40)
PATH_POINTS = 200
SELD_LABELS = (("ER", "error_rate"), ("F", "f_score"), ("LE°", "localization_error"),
               ("LR", "localization_recall"), ("SELD", "seld_score"))


def to_view(azimuth: float, distance: float) -> tuple[float, float]:
    """Screen coordinates (x right, y up = front) of a direction and distance."""
    r = math.log2(1.0 + distance)
    a = math.radians(azimuth)
    return -r * math.sin(a), r * math.cos(a)


def from_view(x: float, y: float) -> tuple[float, float]:
    """(azimuth in degrees, distance in metres) of a point of the view (the inverse of ``to_view``)."""
    r = max(math.hypot(x, y), math.log2(1.1))
    return math.degrees(math.atan2(-x, y)), min(2.0 ** r - 1.0, 1000.0)


class SpatialView(pg.PlotWidget):
    """The top-down view with draggable keyframes and positions."""

    def __init__(self, panel: SpatialPanel):
        super().__init__()
        self.panel = panel
        self.setAspectLocked(True)
        own_menus(self)
        self.hideButtons()
        self.hideAxis("left")
        self.hideAxis("bottom")
        limit = math.log2(16.0) + 0.6
        self.setXRange(-limit, limit)
        self.setYRange(-limit, limit)
        self.handles: dict[str, list[pg.TargetItem]] = {}
        self.position_handles: dict[str, pg.TargetItem] = {}

    def redraw(self, doc: AudioDocument, playhead: float, estimates: list[dict] | None) -> None:
        self.clear()
        self.handles, self.position_handles = {}, {}
        for metres in RINGS_M:
            r = math.log2(1.0 + metres)
            ring = pg.QtWidgets.QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
            ring.setPen(pg.mkPen("#33363d", style=Qt.PenStyle.DashLine))
            self.addItem(ring)
            label = pg.TextItem(f"{metres} m", color="#6b707a", anchor=(0, 1))
            label.setPos(r * 0.71, r * 0.71)
            self.addItem(label)
        for text, az in (("front", 0), ("left", 90), ("right", -90), ("back", 180)):
            x, y = to_view(az, 22.0)
            self.addItem(_text(text, x, y, "#8a8f99"))
        self.plot([0], [0], pen=None, symbol="o", symbolSize=22, symbolBrush="#d0d4dc")
        self.plot([0], [0.45], pen=None, symbol="t1", symbolSize=10, symbolBrush="#d0d4dc")
        duration = doc.spatial.settings.duration
        times = np.linspace(0.0, duration, PATH_POINTS)
        by_name = {e["source"]: e for e in estimates or []}
        for i, source in enumerate(doc.spatial.sources):
            colour = series_colour(i)
            az, _el, dist = Trajectory(source.engine_source()).at(times)
            xy = np.array([to_view(a, d) for a, d in zip(az, dist)])
            self.plot(xy[:, 0], xy[:, 1], pen=pg.mkPen(colour, width=2))
            if source.id in by_name or source.name in by_name:
                self._draw_estimates(source, by_name[source.name], colour)
            handles = []
            for k, key in enumerate(source.trajectory):
                handle = pg.TargetItem(to_view(key.azimuth, key.distance), size=11, symbol="s",
                                       pen=pg.mkPen(colour), brush=pg.mkBrush(colour), movable=True)
                self.addItem(_label(f"{key.t:.1f}s", handle, colour))
                handle.sigPositionChanged.connect(lambda h, s=source, idx=k: self.panel.drag_keyframe(s, idx, h.pos()))
                handle.sigPositionChangeFinished.connect(lambda _h: self.panel.end_drag())
                self.addItem(handle)
                handles.append(handle)
            self.handles[source.id] = handles
            paz, _pel, pdist = Trajectory(source.engine_source()).at(np.array([playhead]))
            now = pg.TargetItem(to_view(float(paz[0]), float(pdist[0])), size=20, symbol="o",
                                pen=pg.mkPen("#ffffff", width=2), brush=pg.mkBrush(colour), movable=True)
            self.addItem(_label(source.name, now, "#ffffff"))
            now.sigPositionChanged.connect(lambda h, s=source: self.panel.drag_position(s, h.pos()))
            now.sigPositionChangeFinished.connect(lambda _h: self.panel.end_drag())
            self.addItem(now)
            self.position_handles[source.id] = now

    def _draw_estimates(self, source: SpatialSource, estimate: dict, colour: str) -> None:
        frame_s = float(estimate.get("frame_s", 0.1))
        azimuths = estimate["azimuth"]
        times = (np.arange(len(azimuths)) + 0.5) * frame_s
        true_az, _el, dist = Trajectory(source.engine_source()).at(times)
        points = []
        for est, truth, d in zip(azimuths, true_az, dist):
            if est is None:
                continue
            if estimate.get("elevation") is None and abs(truth) > 90:   # lateral only: mirror to the back
                est = math.copysign(180.0, est) - est
            points.append(to_view(est, d))
        if points:
            arr = np.array(points)
            self.plot(arr[:, 0], arr[:, 1], pen=None, symbol="x", symbolSize=7,
                      symbolPen=pg.mkPen(QColor(colour).lighter(170), width=1), symbolBrush=None)


def _label(text: str, handle: pg.TargetItem, colour: str) -> pg.TextItem:
    """A label beside ``handle``: a separate item, not ``TargetItem``'s own label, whose wrapper and the
    handle's form a reference cycle that, collected in the wrong order, deletes the label twice (a crash
    in the garbage collector after redraws)."""
    item = pg.TextItem(text, color=colour, anchor=(-0.2, 1.0))
    item.setPos(handle.pos())
    return item


def _text(text: str, x: float, y: float, colour: str) -> pg.TextItem:
    item = pg.TextItem(text, color=colour, anchor=(0.5, 0.5))
    item.setPos(x, y)
    return item


class SpatialPanel(QWidget):
    message = Signal(str)
    verified = Signal(dict)
    rendered = Signal(dict)

    def __init__(self, stack: QUndoStack, player: AudioPlayer, work_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack, self.player, self.work_dir = stack, player, Path(work_dir)
        self.client: EngineClient | None = None
        self.masker_bank: MaskerBank | None = None
        self.doc: AudioDocument | None = None
        self.playhead = 0.0
        self.estimates: list[dict] | None = None
        self.last_files: dict[str, Path] = {}
        self._gesture = 0
        self._after_render: str = ""
        self.job = EngineJob(self)
        self.job.done.connect(self._job_done)
        self.job.failed.connect(self._failed)
        self.job.progress.connect(lambda f, s: self.status.setText(f"{s} {100 * f:.0f}%"))
        self.files = Background(self)

        self.view = SpatialView(self)
        self.sources = QListWidget()
        self.sources.setFixedHeight(62)
        self.sources.currentRowChanged.connect(lambda _r: self._show_selected())
        self.masker_box = QComboBox()
        self.masker_box.setToolTip("a masker of the bank, or a clip of the audio tracks")
        add = QPushButton("Add source")
        add.clicked.connect(lambda: self._add_chosen(""))
        self.phrase = QLineEdit()
        self.phrase.setPlaceholderText("a car passing from left to right")
        self.phrase.returnPressed.connect(lambda: self.apply_phrase(self.phrase.text()))
        self.elevation = QDoubleSpinBox()
        self.elevation.setRange(-40, 90)
        self.elevation.setSuffix("°")
        self.elevation.setToolTip("elevation of the selected source at the playhead (sets a keyframe)")
        self.elevation.editingFinished.connect(self._set_elevation)
        self.format_box = QComboBox()
        self.format_box.addItems(FORMATS)
        self.format_box.currentTextChanged.connect(lambda f: self.set_setting("format", f))
        self.hrtf_box = QComboBox()
        self.hrtf_box.addItem("MIT KEMAR (builtin)", None)
        browse = QPushButton("SOFA…")
        browse.clicked.connect(self._browse_hrtf)
        self.hrtf_box.currentIndexChanged.connect(lambda _i: self.set_setting("hrtf", self.hrtf_box.currentData()))
        self.room_box = QComboBox()
        self.room_box.addItems(list(ROOM_PRESETS))
        self.room_box.currentTextChanged.connect(lambda r: self.set_setting("room", r))
        self.duration = QDoubleSpinBox()
        self.duration.setRange(0.5, 3600)
        self.duration.setSuffix(" s")
        self.duration.editingFinished.connect(lambda: self.set_setting("duration", self.duration.value()))
        to_track = QPushButton("To track")
        to_track.setToolTip("render binaurally (stereo for the stereo renderer) onto the Spatial audio track")
        to_track.clicked.connect(self.render_to_track)
        listen = QPushButton("Listen")
        listen.clicked.connect(self.listen)
        verify = QPushButton("Verify")
        verify.clicked.connect(self.verify)
        export = QPushButton("Export…")
        export.clicked.connect(self._export_dialog)
        self.metrics = QLabel("Verify renders the scene, localises it and shows the estimates (×) over the paths.")
        self.metrics.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.masker_box, 1)
        row.addWidget(add)
        form.addRow("Sound", row)
        form.addRow("Sources", self.sources)
        form.addRow("Phrase", self.phrase)
        form.addRow("Elevation", self.elevation)
        form.addRow("Renderer", self.format_box)
        hrtf = QHBoxLayout()
        hrtf.addWidget(self.hrtf_box, 1)
        hrtf.addWidget(browse)
        form.addRow("HRTF", hrtf)
        form.addRow("Room", self.room_box)
        form.addRow("Length", self.duration)
        buttons = QHBoxLayout()
        for button in (listen, verify, to_track, export):
            buttons.addWidget(button)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.status)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        scroll = QScrollArea()
        scroll.setWidget(side_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFixedWidth(380)
        left = QVBoxLayout()
        left.addWidget(self.metrics)
        left.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(scroll)

    # ---- document ------------------------------------------------------------------------------
    def set_client(self, client: EngineClient) -> None:
        self.client = client

    def set_bank(self, bank: MaskerBank) -> None:
        """Offer the maskers of ``bank`` (the soundscape panel's) as sounds for sources."""
        self.masker_bank = bank
        bank.changed.connect(self._fill_sounds)
        self._fill_sounds()

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.spatial.changed.disconnect(self.refresh)
            self.doc.changed.disconnect(self._fill_sounds)
        self.doc = doc
        doc.spatial.changed.connect(self.refresh)
        doc.changed.connect(self._fill_sounds)
        self._fill_sounds()
        self.refresh()

    def _fill_sounds(self) -> None:
        """The sounds a source can play: the bank's maskers (as the engine lists them), then the clips of
        the audio tracks."""
        if self.doc is None:
            return
        box = self.masker_box
        had_maskers = any(box.itemData(i) is None for i in range(box.count()))
        current = box.currentText() if had_maskers else ""      # the bank just arrived: its first masker
        box.blockSignals(True)
        box.clear()
        for entry in self.masker_bank.entries if self.masker_bank else []:
            box.addItem(entry["name"], None)
        for track in self.doc.tracks:
            for clip in track:
                box.addItem(f"clip: {clip.name}", clip.path)
        box.setCurrentIndex(max(0, box.findText(current)))
        box.blockSignals(False)

    def _add_chosen(self, phrase: str) -> None:
        if self.masker_box.count() == 0:
            self.status.setText("No sound to place yet: the masker bank is listed once the engine is "
                                "connected, or put a clip on an audio track.")
            return
        audio = self.masker_box.currentData()
        name = self.masker_box.currentText().removeprefix("clip: ")
        self.add_source(name, phrase, audio=audio)

    def refresh(self) -> None:
        settings = self.doc.spatial.settings
        for box, value in ((self.format_box, settings.format), (self.room_box, settings.room)):
            box.blockSignals(True)
            box.setCurrentText(value)
            box.blockSignals(False)
        self.duration.setValue(settings.duration)
        row = self.sources.currentRow()
        self.sources.blockSignals(True)
        self.sources.clear()
        for source in self.doc.spatial.sources:
            self.sources.addItem(f"{source.name}  ({source.masker or Path(source.audio or '').name}, "
                                 f"{len(source.trajectory)} keyframes)")
        self.sources.setCurrentRow(min(max(row, 0), self.sources.count() - 1))
        self.sources.blockSignals(False)
        if self._gesture == 0:      # while dragging, the handle under the mouse must survive
            self.view.redraw(self.doc, self.playhead, self.estimates)

    def set_playhead(self, seconds: float) -> None:
        self.playhead = seconds
        if self.doc is not None and self._gesture == 0:
            self.view.redraw(self.doc, seconds, self.estimates)

    def select_source(self, source_id: str) -> None:
        """Make the source ``source_id`` the selected one (a keyframe of it was clicked on the timeline)."""
        ids = [s.id for s in self.doc.spatial.sources]
        if source_id in ids:
            self.sources.setCurrentRow(ids.index(source_id))

    def selected(self) -> SpatialSource | None:
        row = self.sources.currentRow()
        return self.doc.spatial.sources[row] if 0 <= row < len(self.doc.spatial.sources) else None

    def _show_selected(self) -> None:
        source = self.selected()
        if source is not None:
            el = Trajectory(source.engine_source()).at(np.array([self.playhead]))[1]
            self.elevation.setValue(float(el[0]))

    def set_setting(self, name: str, value: Any) -> None:
        if getattr(self.doc.spatial.settings, name) != value:
            push(self.stack, SetField(self.doc.spatial.settings, name, value))

    def _browse_hrtf(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "HRTF (SOFA SimpleFreeFieldHRIR)", "", "SOFA (*.sofa)")
        if path:
            self.hrtf_box.addItem(Path(path).name, path)
            self.hrtf_box.setCurrentIndex(self.hrtf_box.count() - 1)

    # ---- edits ---------------------------------------------------------------------------------
    def add_source(self, sound: str, phrase: str = "", audio: str | None = None) -> SpatialSource:
        """A new source (static in front, or on the phrase's path) playing the bank's masker ``sound``,
        or the file ``audio`` when given (``sound`` then only names it)."""
        taken = {s.name for s in self.doc.spatial.sources}
        name = next(f"{sound}{'' if i == 1 else f' {i}'}" for i in range(1, 1000)
                    if f"{sound}{'' if i == 1 else f' {i}'}" not in taken)
        duration = self.doc.spatial.settings.duration
        keys = phrase_to_trajectory(phrase, duration) if phrase else [Keyframe(t=0.0, azimuth=0.0, distance=2.0)]
        source = SpatialSource(name=name, masker=None if audio else sound, audio=audio, trajectory=keys,
                               interpolation=_interpolation(phrase))
        push(self.stack, AddSource(self.doc.spatial, source))
        self.sources.setCurrentRow(len(self.doc.spatial.sources) - 1)
        return source

    def apply_phrase(self, phrase: str) -> None:
        """Give the selected source the path the phrase describes (a new source if none is selected)."""
        if not phrase.strip():
            return
        source = self.selected()
        if source is None:
            self._add_chosen(phrase)
            return
        keys = phrase_to_trajectory(phrase, self.doc.spatial.settings.duration)
        push(self.stack, SetTrajectory(source, keys, f"Path of {source.name}: {phrase}",
                                       interpolation=_interpolation(phrase)))
        self.status.setText(f"{source.name}: {interpret(phrase)['motion']} path, {len(keys)} keyframes")

    def drag_keyframe(self, source: SpatialSource, index: int, pos) -> None:
        if index >= len(source.trajectory):
            return
        key = source.trajectory[index]
        azimuth, distance = from_view(pos.x(), pos.y())
        keys = keyframes_with(source.trajectory, key.t, azimuth, distance, key.elevation)
        self._push_drag(source, keys)

    def drag_position(self, source: SpatialSource, pos) -> None:
        azimuth, distance = from_view(pos.x(), pos.y())
        keys = keyframes_with(source.trajectory, self.playhead, azimuth, distance)
        self._push_drag(source, keys)

    def _push_drag(self, source: SpatialSource, keys: list[Keyframe]) -> None:
        if self._gesture == 0:
            self._gesture = next_gesture()
        push(self.stack, SetTrajectory(source, keys, f"Move {source.name}", gesture=self._gesture))

    def end_drag(self) -> None:
        self._gesture = 0
        self.refresh()

    def _set_elevation(self) -> None:
        source = self.selected()
        if source is None:
            return
        paz, _pel, pdist = Trajectory(source.engine_source()).at(np.array([self.playhead]))
        keys = keyframes_with(source.trajectory, self.playhead, float(paz[0]), float(pdist[0]),
                              self.elevation.value())
        push(self.stack, SetTrajectory(source, keys, f"Elevation of {source.name}"))

    # ---- engine --------------------------------------------------------------------------------
    def render(self, fmt: str | None = None, verify: bool = False, then: str = "") -> bool:
        """Run ``spatial.render`` for the document's scene (``fmt`` overrides the chosen renderer)."""
        if self.client is None or not self.doc.spatial.sources:
            self.status.setText("Add a source first.")
            return False
        try:
            scene = self.doc.spatial.scene()
        except ValueError as exc:
            self.status.setText(f"the scene is not valid: {exc}")
            return False
        settings = self.doc.spatial.settings
        fmt = fmt or settings.format
        params = {"scene": scene.model_dump(mode="json"), "format": fmt, "output": f"{fmt}.wav",
                  "annotations": "annotations.csv", "verify": verify, "hrtf": settings.hrtf}
        self._after_render = then
        self.status.setText(f"rendering {fmt}…")
        return self.job.start(self.client, "spatial.render", params, [f"{fmt}.wav", "annotations.csv"],
                              self.work_dir / "spatial", name=f"spatial {fmt}{' verify' if verify else ''}")

    def render_to_track(self) -> bool:
        """Render the scene as two channels and lay it on the Spatial audio track (one undo step)."""
        fmt = "stereo" if self.doc.spatial.settings.format == "stereo" else "binaural"
        return self.render(fmt, then="track")

    def _put_on_track(self, wav: Path) -> None:
        kept = self.work_dir / "spatial" / "renders" / f"{self.job.job_id}-{wav.name}"
        self.files.run(_keep_render, wav, kept, failed=self._failed,
                       done=lambda kept_format: self._add_render_clip(f"spatial {wav.stem}", *kept_format))

    def _add_render_clip(self, name: str, kept: Path, seconds: float, channels: int) -> None:
        track = next((t for t in self.doc.tracks if t.name == "Spatial"), self.doc.tracks[-1])
        clip = AudioClip(path=str(kept), name=name, kind="render", start=0.0, duration=seconds)
        push(self.stack, AddAudioClip(track, clip, "Add the spatial render"))
        self.status.setText(f"{clip.name} ({channels} channels) put on the {track.name} track")

    @property
    def busy(self) -> bool:
        """An engine render or the file work after one is still running."""
        return self.job.running or self.files.busy

    def listen(self) -> bool:
        return self.render("binaural", then="play")

    def verify(self) -> bool:
        return self.render(verify=True)

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.message.emit(message)

    def _job_done(self, result: dict, files: dict[str, Path]) -> None:
        self.last_files = files
        self.rendered.emit({**result, "files": {k: str(v) for k, v in files.items()}})
        render = result.get("render", {})
        self.status.setText(f"rendered {result.get('output')}: {render.get('channels', '?')} channels, "
                            f"{render.get('sample_rate', '?')} Hz")
        if "verify" in result:
            self.show_verification(result["verify"])
        wav = next(p for n, p in files.items() if n.endswith(".wav"))
        if self._after_render == "track":
            self._put_on_track(wav)
        if self._after_render == "play":
            self.files.run(read_for_playback, wav, done=self._play, failed=self._failed)

    def _play(self, audio: tuple[np.ndarray, int]) -> None:
        try:
            self.player.play(audio[0], audio[1], 0.0)
        except RuntimeError as exc:
            self.status.setText(f"{self.status.text()}; cannot play: {exc}")

    def show_verification(self, verify: dict) -> None:
        self.estimates = verify.get("estimates", [])
        if "seld" in verify:
            seld = verify["seld"]
            text = (f"SELD metrics ({verify['format']}, {verify['frames']} frames of 100 ms): "
                    + " · ".join(f"{label} {seld[key]:.2f}" for label, key in SELD_LABELS if key in seld)
                    + f" · mean DOA error {verify.get('doa_error_mean_deg') or 0:.1f}°, max "
                    f"{verify.get('doa_error_max_deg') or 0:.1f}°. × = estimated direction")
        else:
            text = (f"{verify['format']}: lateral error mean {verify.get('lateral_error_mean_deg') or 0:.1f}°, "
                    f"max {verify.get('lateral_error_max_deg') or 0:.1f}°, "
                    f"{verify.get('left_right_swapped_frames', 0)} of {verify.get('scored_frames', 0)} "
                    "frames on the wrong side")
        self.metrics.setText(text)
        self.verified.emit(verify)
        self.view.redraw(self.doc, self.playhead, self.estimates)

    def _export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the spatial render to")
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> bool:
        """Render in the chosen format and write ``<format>.wav`` and ``annotations.csv`` into ``folder``."""
        self._export_folder = Path(folder)
        self.job.done.connect(self._copy_export, Qt.ConnectionType.SingleShotConnection)
        return self.render()

    def _copy_export(self, _result: dict, files: dict[str, Path]) -> None:
        folder = self._export_folder
        self.files.run(_copy_files, files, folder, failed=self._failed,
                       done=lambda _none: self.status.setText(f"exported {', '.join(files)} to {folder}"))


def _keep_render(wav: Path, kept: Path) -> tuple[Path, float, int]:
    """Copy a finished render where the project keeps it (atomically); its path, seconds and channels.

    Runs on a worker thread."""
    copy_file_atomic(wav, kept)
    info = sf.info(str(kept))
    return kept, info.frames / info.samplerate, info.channels


def _copy_files(files: dict[str, Path], folder: Path) -> None:
    """Copy the render's files into the export folder, each atomically (worker thread)."""
    for name, path in files.items():
        copy_file_atomic(path, folder / name)


def _interpolation(phrase: str) -> str:
    return "smooth" if phrase and interpret(phrase)["motion"] in ("passing", "circling") else "linear"
