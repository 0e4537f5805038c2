"""The masker bank manager: the builtin bank and the user's folders, with class, length and licence.

The builtin bank's ``manifest.json`` (and a user folder's, when it has one) gives class, licence and
source; a folder without a manifest lists its audio files with the licence "unknown (no manifest)".
The folders added here are the extra ``maskers`` folders the soundscape search and render look in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.theme import resources_dir

BUILTIN_DIR = resources_dir() / "maskers"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")


@dataclass
class MaskerEntry:
    name: str
    masker_class: str
    path: Path
    duration_s: float
    licence: str
    source: str
    folder: str


def read_folder(folder: Path, label: str) -> list[MaskerEntry]:
    """The maskers of ``folder`` (its manifest when there is one, else its audio files)."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    entries = []
    if manifest.is_file():
        for m in json.loads(manifest.read_text(encoding="utf-8")).get("maskers", []):
            entries.append(MaskerEntry(m["name"], m.get("class", ""), folder / m["file"],
                                       float(m.get("duration_s", 0.0)), m.get("licence", "unknown"),
                                       m.get("source", ""), label))
        return entries
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
        info = sf.info(str(path))
        entries.append(MaskerEntry(path.stem, "user", path, info.frames / info.samplerate,
                                   "unknown (no manifest)", str(path), label))
    return entries


class MaskerBankPanel(QWidget):
    """A table of all maskers; Listen plays one, Add folder adds a user folder to the search."""

    listen_requested = Signal(str)         # path
    folders_changed = Signal(list)         # the user's extra folders

    COLUMNS = ("Masker", "Class", "Length", "Licence", "Folder")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folders: list[str] = []
        self.entries: list[MaskerEntry] = []
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        listen = QPushButton("Listen")
        listen.clicked.connect(self._listen)
        add = QPushButton("Add folder…")
        add.clicked.connect(self._add_dialog)
        self.table.itemSelectionChanged.connect(self._show_source)
        bar = QHBoxLayout()
        bar.addWidget(listen)
        bar.addWidget(add)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.source_label)
        self.refresh()

    def refresh(self) -> None:
        self.entries = read_folder(BUILTIN_DIR, "builtin")
        for folder in self.folders:
            self.entries += read_folder(Path(folder), Path(folder).name)
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            values = (e.name, e.masker_class, f"{e.duration_s:.1f} s", e.licence, e.folder)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row)
                self.table.setItem(row, col, item)

    def path_of(self, name: str) -> Path:
        for entry in self.entries:
            if entry.name == name:
                return entry.path
        raise KeyError(f"no masker named {name!r} in the bank or the added folders")

    def add_folder(self, folder: Path | str) -> None:
        folder = str(Path(folder).resolve())
        if not Path(folder).is_dir():
            raise ValueError(f"masker folder {folder} does not exist")
        if folder not in self.folders:
            self.folders.append(folder)
            self.refresh()
            self.folders_changed.emit(list(self.folders))

    def _add_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of maskers")
        if folder:
            self.add_folder(folder)

    def _selected(self) -> MaskerEntry | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.entries[min(rows)] if rows else None

    def _show_source(self) -> None:
        entry = self._selected()
        self.source_label.setText(f"{entry.name}: {entry.source}" if entry else "")

    def _listen(self) -> None:
        entry = self._selected()
        if entry is not None:
            self.listen_requested.emit(str(entry.path))
