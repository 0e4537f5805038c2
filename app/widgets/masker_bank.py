"""The masker bank manager: the bank as the engine lists it (``app.engine_bank.MaskerBank``), with class,
length, rate, licence and where each masker comes from (the plugin that contributed it, or the user's
folder), the broken entries the engine skipped, Listen, Add folder and Refresh.

The folders added here are the extra ``maskers`` folders the soundscape search and render look in.
Listen fetches the masker's audio from the engine (a plugin's render lives in the engine's cache) and
hands it on with ``listen_ready``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
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

from app.engine_bank import MaskerBank


def origin(entry: dict) -> str:
    """Where a listed masker comes from: its plugin, or the folder it was found in."""
    return f"plugin {entry['plugin']}" if entry["plugin"] else f"folder {Path(entry['folder']).name}"


class MaskerBankPanel(QWidget):
    """A table of the engine's maskers; Listen fetches one, Add folder adds a user folder to the search."""

    listen_ready = Signal(str, object, int)     # name, samples (frames, channels), rate
    message = Signal(str)

    COLUMNS = ("Masker", "Class", "Length", "Rate", "Licence", "From")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bank: MaskerBank | None = None
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.itemSelectionChanged.connect(self._show_source)
        self.status = QLabel("waiting for the engine…")
        self.status.setWordWrap(True)
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.listen_button = QPushButton("Listen")
        self.listen_button.clicked.connect(self.listen)
        add = QPushButton("Add folder…")
        add.clicked.connect(self._add_dialog)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("list the bank again (after enabling or disabling a masker plugin)")
        self.refresh_button.clicked.connect(lambda: self.bank and self.bank.refresh())
        bar = QHBoxLayout()
        for button in (self.listen_button, add, self.refresh_button):
            bar.addWidget(button)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.source_label)

    def set_bank(self, bank: MaskerBank) -> None:
        self.bank = bank
        bank.changed.connect(self._fill)
        bank.audio_ready.connect(self.listen_ready)
        bank.audio_failed.connect(self._failed)
        self._fill()

    def _fill(self) -> None:
        bank = self.bank
        self.table.setRowCount(len(bank.entries))
        for row, e in enumerate(bank.entries):
            values = (e["name"], e["masker_class"], f"{e['duration_s']:.1f} s", f"{e['sample_rate'] / 1000:g} kHz",
                      e["licence"], origin(e))
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.status.setText(bank.message)
        self.status.setToolTip("\n".join(f"{p['path']}: {p['reason']}" for p in bank.problems))
        self.refresh_button.setEnabled(not bank.loading)

    def add_folder(self, folder: Path | str) -> None:
        self.bank.add_folder(folder)

    def _add_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of maskers")
        if folder:
            try:
                self.add_folder(folder)
            except ValueError as exc:
                self._failed(str(exc))

    def selected(self) -> dict | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.bank.entries[min(rows)] if rows and self.bank else None

    def _show_source(self) -> None:
        entry = self.selected()
        self.source_label.setText(f"{entry['name']}: {entry['source']} ({entry['path']})" if entry else "")

    def listen(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.status.setText(f"fetching {entry['name']} from the engine…")
            self.bank.fetch_audio(entry["name"])

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.message.emit(message)
