"""The model manager: the builtin models and local diffusers folders the user added (validated)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.project.models import BUILTIN_MODELS, validate_model_folder
from app.theme import icon


class ModelManager(QWidget):
    models_changed = Signal(list)       # every model string the project may use
    message = Signal(str)

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.list = QListWidget()
        self.error = QLabel("")
        self.error.setObjectName("hint")
        self.error.setWordWrap(True)
        add = QPushButton(icon("folder-add"), "Add local folder…")
        add.clicked.connect(self._choose_folder)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.folders: list[str] = [str(f) for f in (settings.value("models/folders", []) or [])]
        self._fill()

    @property
    def models(self) -> list[str]:
        return [*BUILTIN_MODELS, *self.folders]

    def _fill(self) -> None:
        self.list.clear()
        for name in BUILTIN_MODELS:
            item = QListWidgetItem(icon("model"), f"{name}   (builtin, runs on CPU)")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
        for folder in self.folders:
            item = QListWidgetItem(icon("open"), folder)
            item.setData(Qt.ItemDataRole.UserRole, folder)
            self.list.addItem(item)
        self.settings.setValue("models/folders", self.folders)
        self.models_changed.emit(self.models)

    def add_folder(self, folder: str | Path) -> bool:
        """Validate and add a diffusers folder; a refusal is shown with its reason."""
        try:
            info = validate_model_folder(folder)
        except ValueError as exc:
            self.error.setText(f"Not added: {exc}")
            self.message.emit(f"Model not added: {exc}")
            return False
        if str(info.path) not in self.folders:
            self.folders.append(str(info.path))
        self.error.setText(f"Added {info.path.name} ({info.pipeline}: {', '.join(info.components)})")
        self._fill()
        return True

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item else None
        if value in self.folders:
            self.folders.remove(value)
            self._fill()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a diffusers model folder")
        if folder:
            self.add_folder(folder)
