"""The devices panel: the engine's devices, their memory and the job each one runs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Device", "Kind", "Memory in use", "Running")


def format_memory(total: int | None, free: int | None) -> str:
    if not total:
        return "shared (CPU)"
    used = total - (free or 0)
    return f"{used / 2**30:.1f} / {total / 2**30:.1f} GiB"


class DevicesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("No engine connected")
        self.summary.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

    def set_devices(self, devices: list[dict[str, Any]], jobs: dict[str, dict[str, Any]]) -> None:
        running = {d: job for job in jobs.values() if job.get("status") == "running" for d in job.get("devices") or []}
        self.table.setRowCount(len(devices))
        for row, device in enumerate(devices):
            job = running.get(device.get("id"))
            job_text = (job.get("name") or job.get("kind")) if job else (device.get("job_id") or "idle")
            cells = (f"{device.get('id')}  ·  {device.get('name', '')}", device.get("kind", ""),
                     format_memory(device.get("total_memory_bytes"), device.get("free_memory_bytes")), job_text)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(str(text)))
        busy = sum(1 for d in devices if d.get("id") in running)
        self.summary.setText(f"{len(devices)} device(s), {busy} busy")
