"""Engine settings: start a private local engine (on which devices) or use a running one (URL + token)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class EngineSettings:
    mode: str = "local"          # "local" or "remote"
    devices: str = "auto"
    url: str = ""
    token: str = ""

    @classmethod
    def load(cls, settings: QSettings) -> EngineSettings:
        return cls(str(settings.value("engine/mode", "local")), str(settings.value("engine/devices", "auto")),
                   str(settings.value("engine/url", "")), str(settings.value("engine/token", "")))

    def save(self, settings: QSettings) -> None:
        for key in ("mode", "devices", "url", "token"):
            settings.setValue(f"engine/{key}", getattr(self, key))

    def problem(self) -> str:
        """What is wrong with these settings, "" when they can be used."""
        if self.mode == "remote":
            if not self.url.startswith(("http://", "https://")):
                return "URL: give the engine's address, e.g. http://127.0.0.1:8765"
            if not self.token:
                return "Token: copy it from the token file in the engine's data folder"
        elif not self.devices.strip():
            return "Devices: auto, cpu:N or cuda:0,1"
        return ""


class EngineDialog(QDialog):
    def __init__(self, current: EngineSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Engine")
        self.local = QRadioButton("Start a local engine with this studio")
        self.remote = QRadioButton("Use a running engine")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.remote)
        self.devices = QLineEdit(current.devices)
        self.url = QLineEdit(current.url)
        self.url.setPlaceholderText("http://127.0.0.1:8765")
        self.token = QLineEdit(current.token)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("")
        self.error.setObjectName("hint")
        (self.remote if current.mode == "remote" else self.local).setChecked(True)
        form = QFormLayout()
        form.addRow(self.local)
        form.addRow("Devices", self.devices)
        form.addRow(self.remote)
        form.addRow("URL", self.url)
        form.addRow("Token", self.token)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def settings(self) -> EngineSettings:
        return EngineSettings("remote" if self.remote.isChecked() else "local", self.devices.text().strip(),
                              self.url.text().strip(), self.token.text().strip())

    def accept(self) -> None:
        problem = self.settings().problem()
        if problem:
            self.error.setText(problem)
            return
        super().accept()
