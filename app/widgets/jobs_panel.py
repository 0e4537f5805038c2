"""The jobs panel: the engine's queue with status, progress, ETA and the actions on a job."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.theme import Colors, icon

STATUS_COLORS = {"pending": Colors.dim, "running": Colors.accent2, "completed": Colors.done,
                 "failed": Colors.cut, "canceled": QColor("#b08900"), "interrupted": QColor("#d28b26")}
COLUMNS = ("Job", "Status", "Progress", "ETA", "Started")


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds}s"


class JobsPanel(QWidget):
    action_requested = Signal(str, str)     # job id, "cancel" | "retry" | "resume"
    open_requested = Signal(str)            # job id
    job_activated = Signal(str)             # double click: load this job's video

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._emit_for_row(row, self.job_activated))
        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 4)
        for name, label, icon_name in (("cancel", "Cancel", "cancel"), ("retry", "Retry", "retry"),
                                       ("resume", "Resume", "resume"), ("open", "Open output", "output")):
            button = QToolButton()
            button.setText(label)
            button.setIcon(icon(icon_name))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.clicked.connect(lambda _c=False, n=name: self._act(n))
            self.buttons[name] = button
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        self.jobs: list[dict[str, Any]] = []
        self._update_buttons()

    def set_jobs(self, jobs: dict[str, dict[str, Any]]) -> None:
        selected = self.selected_job()
        ordered = sorted(jobs.values(), key=lambda j: j.get("created") or 0, reverse=True)
        self.jobs = ordered
        table = self.table
        if table.rowCount() != len(ordered):
            table.setRowCount(len(ordered))
        for row, job in enumerate(ordered):
            self._fill_row(row, job)
            if selected and job["id"] == selected["id"]:
                table.selectRow(row)
        self._update_buttons()

    def _fill_row(self, row: int, job: dict[str, Any]) -> None:
        status = job.get("status", "")
        name = job.get("name") or job.get("kind", "")
        item = QTableWidgetItem(name)
        item.setToolTip(f"{job.get('kind', '')} · {job['id']}" + (f"\n{job['error']}" if job.get("error") else ""))
        self.table.setItem(row, 0, item)
        stage = job.get("stage") or ""
        status_item = QTableWidgetItem(f"{status} · {stage}" if status == "running" and stage else status)
        status_item.setForeground(STATUS_COLORS.get(status, Colors.text))
        self.table.setItem(row, 1, status_item)
        bar = self.table.cellWidget(row, 2)
        if not isinstance(bar, QProgressBar):
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setFixedWidth(70)
            self.table.setCellWidget(row, 2, bar)
        bar.setValue(int(1000 * float(job.get("progress") or 0)))
        bar.setFormat(f"{100 * float(job.get('progress') or 0):.0f}%")
        eta = format_eta(job.get("eta_s")) if status == "running" else ""
        self.table.setItem(row, 3, QTableWidgetItem(eta))
        started = job.get("started") or job.get("created")
        self.table.setItem(row, 4, QTableWidgetItem(time.strftime("%H:%M:%S", time.localtime(started))
                                                    if started else ""))

    def selected_job(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.jobs):
            return None
        return self.jobs[rows[0].row()]

    def _update_buttons(self) -> None:
        job = self.selected_job()
        status = job.get("status") if job else None
        self.buttons["cancel"].setEnabled(status in ("pending", "running"))
        self.buttons["retry"].setEnabled(status in ("failed", "canceled", "interrupted", "completed"))
        self.buttons["resume"].setEnabled(status == "interrupted")
        self.buttons["open"].setEnabled(status == "completed")

    def _act(self, name: str) -> None:
        job = self.selected_job()
        if job is None:
            return
        if name == "open":
            self.open_requested.emit(job["id"])
        else:
            self.action_requested.emit(job["id"], name)

    def _emit_for_row(self, row: int, signal) -> None:
        if row < len(self.jobs):
            signal.emit(self.jobs[row]["id"])
