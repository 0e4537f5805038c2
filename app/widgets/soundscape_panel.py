"""The soundscape panel: rank maskers for the sound of a place, audition them, apply one to a track.

Search runs ``soundscape.search`` on the engine for the chosen soundscape clip; the table lists each
masker at its best gain with the predicted ISO 12913 pleasantness (P) and eventfulness (E); the left plot
shows P against masker gain for the selected maskers (the bare soundscape as a dashed line); the
circumplex shows the soundscape before (grey) and with each selected masker (arrows) on the ISO axes.
The search, the audition and A analyse and play the part of the recording that the clip plays on the
timeline (its trimmed excerpt, written in a worker thread). Audition renders the mix with
``soundscape.render`` (the same mix the engine renders on export), reads it and the bare excerpt off the
UI thread and plays B; A and B then switch at the same playback position, as an audio editor's A/B
does. Apply lays the masker on the Maskers track under the soundscape at that gain (one undo step).
The Bank tab shows the bank as the engine lists it (``app.engine_bank``), whose folders the search uses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
import soundfile as sf
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.audio_export import clip_excerpt
from app.background import Background
from app.client import EngineClient
from app.engine_bank import MaskerBank
from app.engine_jobs import EngineJob
from app.project.audio import AudioClip, AudioDocument
from app.project.audio_commands import AddAudioClip
from app.project.commands import push
from app.theme import series_colour
from app.widgets.masker_bank import MaskerBankPanel
from app.widgets.playback import AudioPlayer, read_for_playback
from app.widgets.plots import plot_widget

CIRCUMPLEX_LABELS = (("pleasant", 1.0, 0.0), ("annoying", -1.0, 0.0), ("eventful", 0.0, 1.0),
                     ("uneventful", 0.0, -1.0), ("vibrant", 0.72, 0.72), ("chaotic", -0.72, 0.72),
                     ("monotonous", -0.72, -0.72), ("calm", 0.72, -0.72))


def _spin(low: float, high: float, value: float, step: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


class SoundscapePanel(QWidget):
    message = Signal(str)
    search_finished = Signal()
    audition_ready = Signal(str)     # path of the rendered mix, once A and B are ready to play

    COLUMNS = ("#", "Masker", "Class", "Gain", "SNR", "P", "E", "ΔP")

    def __init__(self, stack: QUndoStack, player: AudioPlayer, work_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.stack = stack
        self.player = player
        self.work_dir = Path(work_dir)
        self.client: EngineClient | None = None
        self.masker_bank: MaskerBank | None = None
        self.doc: AudioDocument | None = None
        self.result: dict[str, Any] | None = None
        self.audition_file: Path | None = None
        self._audition_excerpt: Path | None = None
        self.ab: dict[str, tuple[np.ndarray, int]] = {}     # "A", "B": samples and rate, ready to play
        self.files = Background(self)
        self._fetching = False        # a masker's file on its way from the engine (Apply, remote engine)
        self._excerpts: dict[tuple[str, float, float], Path] = {}
        self.search_job = EngineJob(self)
        self.search_job.done.connect(self._search_done)
        self.search_job.failed.connect(self._job_failed)
        self.search_job.progress.connect(lambda f, s: self.status.setText(f"searching… {100 * f:.0f}% {s}"))
        self.render_job = EngineJob(self)
        self.render_job.done.connect(self._audition_done)
        self.render_job.failed.connect(self._job_failed)

        self.clip_box = QComboBox()
        self.clip_box.setMinimumWidth(180)
        import_button = QPushButton("Import…")
        import_button.clicked.connect(self._import_dialog)
        self.level = _spin(30, 100, 65, 1, " dB(A)")
        self.level.setToolTip("the LAeq the recording stands for (sets the calibration)")
        self.snr_min = _spin(-30, 30, -6, 1, " dB")
        self.snr_max = _spin(-30, 30, 6, 1, " dB")
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        top = QHBoxLayout()
        for widget in (QLabel("Soundscape"), self.clip_box, import_button, QLabel("level"), self.level,
                       QLabel("SNR"), self.snr_min, QLabel("to"), self.snr_max, self.search_button):
            top.addWidget(widget)
        top.addStretch(1)

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._draw_plots)

        self.gain_plot = plot_widget("Pleasantness vs masker gain")
        self.gain_plot.setLabel("bottom", "masker gain", units="dB")
        self.gain_plot.setLabel("left", "predicted ISO pleasantness")
        self.gain_plot.addLegend(offset=(-10, 10))
        self.gain_plot.showGrid(x=True, y=True, alpha=0.2)
        self.gain_plot.getAxis("left").enableAutoSIPrefix(False)
        self.circumplex = plot_widget("Circumplex (ISO 12913-3)")
        self.circumplex.setMinimumWidth(300)
        self.circumplex.setXRange(-1, 1)
        self.circumplex.setYRange(-1, 1)
        self.circumplex.setLabel("bottom", "pleasantness")
        self.circumplex.setLabel("left", "eventfulness")
        self.circumplex.setMouseEnabled(False, False)
        self.after_points: list[tuple[float, float]] = []

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.gain_plot)
        plots.addWidget(self.circumplex)
        plots.setSizes([620, 340])
        plots.setStretchFactor(0, 2)
        plots.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.table)
        body.addWidget(plots)
        body.setSizes([480, 960])
        body.setStretchFactor(1, 2)

        self.play_a = QPushButton("A: bare")
        self.play_b = QPushButton("B: with masker")
        self.side_buttons = {"A": self.play_a, "B": self.play_b}
        sides = QButtonGroup(self)
        for side, button in self.side_buttons.items():
            button.setCheckable(True)
            button.setEnabled(False)
            button.setToolTip("switches at the same playback position while the audition plays")
            button.clicked.connect(lambda _checked, s=side: self.play_side(s))
            sides.addButton(button)
        self.audition_button = QPushButton("Audition")
        self.apply_button = QPushButton("Apply to track")
        self.audition_button.clicked.connect(self.audition)
        self.apply_button.clicked.connect(self.apply)
        self.status = QLabel("Import or pick a soundscape, then Search.")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        for widget in (self.audition_button, self.play_a, self.play_b, self.apply_button):
            bottom.addWidget(widget)
        bottom.addWidget(self.status, 1)

        search_tab = QWidget()
        search_layout = QVBoxLayout(search_tab)
        search_layout.addLayout(top)
        search_layout.addWidget(body, 1)
        search_layout.addLayout(bottom)
        self.bank = MaskerBankPanel()
        self.bank.listen_ready.connect(self._play_masker)
        self.bank.message.connect(self.message)
        tabs = QTabWidget()
        tabs.addTab(search_tab, "Search")
        tabs.addTab(self.bank, "Masker bank")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(tabs)
        self._draw_circumplex_frame()

    # ---- document ------------------------------------------------------------------------------
    def set_client(self, client: EngineClient) -> None:
        self.client = client
        self.masker_bank = MaskerBank(client, self)
        self.bank.set_bank(self.masker_bank)

    @property
    def busy(self) -> bool:
        """A search, an audition or an Apply is on its way (an excerpt being written, a job, A and B being
        read, a masker's file being fetched)."""
        return self.files.busy or self.search_job.running or self.render_job.running or self._fetching

    def set_document(self, doc: AudioDocument) -> None:
        if self.doc is not None:
            self.doc.changed.disconnect(self._fill_clips)
        self.doc = doc
        doc.changed.connect(self._fill_clips)
        self._fill_clips()

    def _fill_clips(self) -> None:
        current = self.clip_box.currentData()
        self.clip_box.blockSignals(True)
        self.clip_box.clear()
        for track in self.doc.tracks:
            for clip in track:
                if clip.kind != "masker":
                    self.clip_box.addItem(f"{clip.name} ({track.name})", clip.id)
        index = self.clip_box.findData(current)
        self.clip_box.setCurrentIndex(max(0, index))
        self.clip_box.blockSignals(False)

    def soundscape_clip(self) -> AudioClip | None:
        clip_id = self.clip_box.currentData()
        return self.doc.find_clip(clip_id)[1] if clip_id and self.doc else None

    def import_soundscape(self, path: Path | str, start: float = 0.0) -> AudioClip:
        """Put a recording of the place on the Soundscape track (one undo step) and pick it."""
        info = sf.info(str(path))
        clip = AudioClip(path=str(Path(path).resolve()), name=Path(path).stem, kind="file", start=start,
                         duration=info.frames / info.samplerate)
        push(self.stack, AddAudioClip(self.doc.tracks[0], clip, f"Import {clip.name}"))
        self.clip_box.setCurrentIndex(self.clip_box.findData(clip.id))
        return clip

    def with_excerpt(self, clip: AudioClip, then: Callable[[Path], None]) -> None:
        """Call ``then(path)`` with what the search, the audition and A hear of ``clip``: the part of its
        file it plays on the timeline, written in a worker thread the first time it is asked for."""
        key = (clip.path, clip.offset, clip.duration)
        if key in self._excerpts and self._excerpts[key].is_file():
            then(self._excerpts[key])
            return

        def written(path: Path) -> None:
            self._excerpts[key] = path
            then(path)

        self.files.run(clip_excerpt, clip.model_copy(), self.work_dir / "excerpts", done=written,
                       failed=lambda error: self._job_failed(f"cannot read {Path(clip.path).name}: {error}"))

    def _import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a soundscape", "", "Audio (*.wav *.flac *.ogg)")
        if path:
            self.import_soundscape(path)

    # ---- search --------------------------------------------------------------------------------
    def search(self) -> bool:
        """Start a masker search for the chosen clip (its excerpt first); False when there is nothing to search."""
        clip = self.soundscape_clip()
        if clip is None or self.client is None:
            self.status.setText("Pick a soundscape clip first (Import… puts one on the Soundscape track).")
            return False
        self.search_button.setEnabled(False)
        self.status.setText("preparing the soundscape excerpt…")
        self.with_excerpt(clip, lambda excerpt: self._submit_search(clip, excerpt))
        return True

    def _submit_search(self, clip: AudioClip, excerpt: Path) -> None:
        params = {"soundscape": str(excerpt), "maskers": self.masker_bank.folders,
                  "snr_min_db": self.snr_min.value(),
                  "snr_max_db": self.snr_max.value(), "snr_step_db": 0.5, "top_k": 50,
                  "calibration": {"soundscape_level_dba": self.level.value()}}
        self.status.setText("searching…")
        self.search_job.start(self.client, "soundscape.search", params, ["search.json"],
                              self.work_dir / "soundscape", name=f"search {clip.name}")

    def _job_failed(self, message: str) -> None:
        self.search_button.setEnabled(True)
        self.status.setText(message)
        self.message.emit(message)

    def _search_done(self, _result: dict, files: dict[str, Path]) -> None:
        self.search_button.setEnabled(True)
        self.show_result(json.loads(files["search.json"].read_text()))
        self.search_finished.emit()

    def show_result(self, result: dict[str, Any]) -> None:
        """Fill the table and plots from a ``soundscape.search`` result (its ``search.json``)."""
        self.result = result
        base = result["baseline"]["isopl"]
        curves = result["best_per_masker"]
        self.table.setRowCount(len(curves))
        for row, curve in enumerate(curves):
            best = curve["best"]
            values = (str(row + 1), curve["masker"], curve["masker_class"], f"{best['gain_db']:+.1f} dB",
                      f"{best['snr_db']:+.1f} dB", f"{best['isopl']:+.3f}", f"{best['isoev']:+.3f}",
                      f"{best['isopl'] - base:+.3f}")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.clearSelection()
        for row in range(min(3, len(curves))):
            self._add_row_to_selection(row)
        self.status.setText(
            f"{result['combinations']} combinations in {result['search_ms']:.0f} ms; soundscape "
            f"{result['soundscape_laeq_dba']:.1f} dB(A), P {base:+.3f} → best {curves[0]['masker']} "
            f"{curves[0]['best']['isopl']:+.3f} at {curves[0]['best']['gain_db']:+.1f} dB")
        self._draw_plots()

    def _add_row_to_selection(self, row: int) -> None:
        model = self.table.selectionModel()
        index = self.table.model().index(row, 0)
        model.select(index, model.SelectionFlag.Select | model.SelectionFlag.Rows)

    def selected_curves(self) -> list[dict[str, Any]]:
        if not self.result:
            return []
        rows = sorted({i.row() for i in self.table.selectedItems()})
        return [self.result["best_per_masker"][r] for r in rows]

    def _draw_circumplex_frame(self) -> None:
        plot = self.circumplex
        plot.clear()
        circle = pg.QtWidgets.QGraphicsEllipseItem(-1, -1, 2, 2)
        circle.setPen(pg.mkPen("#444", style=Qt.PenStyle.DashLine))
        plot.addItem(circle)
        for xs, ys in (([-1, 1], [0, 0]), ([0, 0], [-1, 1]), ([-0.71, 0.71], [-0.71, 0.71]),
                       ([-0.71, 0.71], [0.71, -0.71])):
            plot.plot(xs, ys, pen=pg.mkPen("#3a3d44"))
        for text, x, y in CIRCUMPLEX_LABELS:
            label = pg.TextItem(text, color="#8a8f99", anchor=(0.5, 0.5))
            label.setPos(x * 0.9, y * 0.9)
            plot.addItem(label)

    def _draw_plots(self) -> None:
        self.gain_plot.clear()
        self._draw_circumplex_frame()
        self.after_points = []
        if not self.result:
            return
        base = self.result["baseline"]
        self.gain_plot.addItem(pg.InfiniteLine(base["isopl"], angle=0, label="bare soundscape",
                                               pen=pg.mkPen("#9aa0a6", style=Qt.PenStyle.DashLine),
                                               labelOpts={"position": 0.1, "color": "#9aa0a6"}))
        self.circumplex.plot([base["isopl"]], [base["isoev"]], pen=None, symbol="o", symbolSize=12,
                             symbolBrush="#9aa0a6", name="before")
        for i, curve in enumerate(self.selected_curves()):
            colour = series_colour(i)
            best = curve["best"]
            self.gain_plot.plot(curve["gain_db"], curve["isopl"], pen=pg.mkPen(colour, width=2), name=curve["masker"])
            self.gain_plot.plot([best["gain_db"]], [best["isopl"]], pen=None, symbol="star", symbolSize=14,
                                symbolBrush=colour)
            arrow = pg.ArrowItem(pos=(best["isopl"], best["isoev"]), angle=180 + _angle(base, best), headLen=12,
                                 brush=colour, pen=pg.mkPen(colour))
            self.circumplex.plot([base["isopl"], best["isopl"]], [base["isoev"], best["isoev"]],
                                 pen=pg.mkPen(colour, width=2))
            self.circumplex.addItem(arrow)
            tag = pg.TextItem(curve["masker"], color=colour, anchor=(0, 1))
            tag.setPos(best["isopl"], best["isoev"])
            self.circumplex.addItem(tag)
            self.after_points.append((best["isopl"], best["isoev"]))
        self.circumplex.setXRange(-1, 1, padding=0.05)
        self.circumplex.setYRange(-1, 1, padding=0.05)

    # ---- audition and apply --------------------------------------------------------------------
    def _chosen(self) -> dict[str, Any] | None:
        curves = self.selected_curves()
        return curves[0] if curves else None

    def audition(self) -> bool:
        """Render the soundscape with the selected masker at its best gain on the engine, then play it (B)."""
        clip, chosen = self.soundscape_clip(), self._chosen()
        if clip is None or chosen is None or self.client is None:
            self.status.setText("Search first and select a masker in the table.")
            return False
        self.ab = {}
        for button in self.side_buttons.values():
            button.setEnabled(False)
        self.status.setText(f"rendering {chosen['masker']} at {chosen['best']['gain_db']:+.1f} dB…")
        self.with_excerpt(clip, lambda excerpt: self._submit_audition(chosen, excerpt))
        return True

    def _submit_audition(self, chosen: dict[str, Any], excerpt: Path) -> None:
        self._audition_excerpt = excerpt
        params = {"soundscape": str(excerpt), "masker": chosen["masker"], "maskers": self.masker_bank.folders,
                  "gain_db": chosen["best"]["gain_db"], "output": "audition.wav"}
        self.render_job.start(self.client, "soundscape.render", params, ["audition.wav"],
                              self.work_dir / "audition", name=f"audition {chosen['masker']}")

    def _audition_done(self, result: dict, files: dict[str, Path]) -> None:
        self.audition_file = files["audition.wav"]
        self.status.setText(f"audition: {result.get('masker')} at {result.get('gain_db', 0):+.1f} dB "
                            f"(SNR {result.get('snr_db', 0):+.1f} dB); B plays it, A the bare soundscape")
        self.files.run(_read_sides, self._audition_excerpt, self.audition_file, done=self._sides_ready,
                       failed=lambda error: self._job_failed(f"cannot read the audition: {error}"))

    def _sides_ready(self, sides: dict[str, tuple[np.ndarray, int]]) -> None:
        self.ab = sides
        for button in self.side_buttons.values():
            button.setEnabled(True)
        self.audition_ready.emit(str(self.audition_file))
        self.play_side("B")

    def play_side(self, side: str) -> None:
        """Play A (the bare soundscape) or B (with the masker); while either plays, the other goes on
        from the same moment."""
        if side not in self.ab:
            self.status.setText("Audition a masker first: A and B are the soundscape without and with it.")
            return
        samples, rate = self.ab[side]
        label = f"audition {side}"
        self.side_buttons[side].setChecked(True)
        try:
            if self.player.label.startswith("audition "):
                self.player.switch(samples, rate, label)
            else:
                self.player.play(samples, rate, 0.0, label)
        except RuntimeError as exc:
            self.status.setText(f"{self.status.text()} — cannot play: {exc}")

    def _play_masker(self, name: str, samples: np.ndarray, rate: int) -> None:
        try:
            self.player.play(samples, rate, 0.0, f"masker {name}")
            self.bank.status.setText(f"playing {name}")
        except RuntimeError as exc:
            self.bank.status.setText(f"{name} fetched ({len(samples) / rate:.1f} s) — cannot play: {exc}")

    def apply(self) -> AudioClip | None:
        """Lay the selected masker at its best gain under the soundscape on the Maskers track.

        The clip refers to the masker's file where the engine keeps it when this machine can read it;
        otherwise (an engine on another machine) the file is first fetched into the project's work folder,
        the clip is added when it is there, and this returns ``None``."""
        clip, chosen = self.soundscape_clip(), self._chosen()
        if clip is None or chosen is None:
            self.status.setText("Search first and select a masker in the table.")
            return None
        name = chosen["masker"]
        try:
            path = Path(self.masker_bank.entry(name)["path"])
        except KeyError as exc:
            self.status.setText(str(exc.args[0]))
            return None
        if path.is_file():
            return self._add_masker(clip, chosen, path)
        self._fetching = True
        self.status.setText(f"fetching {name} from the engine…")

        def fetched(local: Path) -> None:
            self._fetching = False
            self._add_masker(clip, chosen, local)

        def failed(message: str) -> None:
            self._fetching = False
            self._job_failed(message)

        self.masker_bank.download(name, self.work_dir / "maskers", done=fetched, failed=failed)
        return None

    def _add_masker(self, clip: AudioClip, chosen: dict, path: Path) -> AudioClip:
        masker = AudioClip(path=str(path), name=chosen["masker"], kind="masker",
                           start=clip.start, duration=clip.duration, gain_db=chosen["best"]["gain_db"],
                           fade_in=min(1.0, clip.duration / 4), fade_out=min(1.0, clip.duration / 4))
        track = self.doc.track("Maskers") if any(t.name == "Maskers" for t in self.doc.tracks) else self.doc.tracks[-1]
        push(self.stack, AddAudioClip(track, masker, f"Apply {masker.name} at {masker.gain_db:+.1f} dB"))
        self.status.setText(f"{masker.name} applied at {masker.gain_db:+.1f} dB on {track.name}")
        return masker


def _read_sides(bare: Path, with_masker: Path) -> dict[str, tuple[np.ndarray, int]]:
    """A (the bare excerpt) and B (the audition's mix), read for the player."""
    return {"A": read_for_playback(bare), "B": read_for_playback(with_masker)}


def _angle(base: dict, best: dict) -> float:
    """Direction in degrees of the move from ``base`` to ``best`` on the circumplex."""
    return math.degrees(math.atan2(best["isoev"] - base["isoev"], best["isopl"] - base["isopl"]))
