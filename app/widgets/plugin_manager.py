"""The plugin manager: every discovered plugin with its state, what it contributes, and the traceback
of a plugin that failed; plugins are enabled or disabled here (applied at the next start)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from engine.plugins import PluginError, PluginManager

COLUMNS = ("Plugin", "Version", "Runs in", "Contributes", "State")


class PluginManagerDialog(QDialog):
    def __init__(self, manager: PluginManager, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(820, 460)
        self.manager = manager
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._toggled)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_details(row))
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setMaximumHeight(140)
        self.note = QLabel("Changes apply when the studio and the engine start again.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.table, self.details, self.note, buttons):
            layout.addWidget(widget)
        self.refresh()

    def refresh(self) -> None:
        self.table.blockSignals(True)
        plugins = self.manager.discover()
        self.names = [p.name for p in plugins]
        self.table.setRowCount(len(plugins))
        for row, plugin in enumerate(plugins):
            name = QTableWidgetItem(plugin.name)
            name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            name.setCheckState(Qt.CheckState.Checked if plugin.enabled else Qt.CheckState.Unchecked)
            contributes = "; ".join(f"{point}: {', '.join(ids)}" for point, ids in plugin.to_json()["contributes"].items())
            state = ("failed: disabled" if plugin.error else
                     f"needs plugin API {plugin.api_version}" if not plugin.compatible else
                     "enabled" if plugin.enabled else "disabled")
            for column, value in enumerate((None, plugin.version, ", ".join(plugin.runs_in), contributes, state)):
                item = name if value is None else QTableWidgetItem(value)
                if value is not None:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self._show_details(self.table.currentRow())

    def _show_details(self, row: int) -> None:
        if not 0 <= row < len(self.names):
            self.details.setPlainText("\n".join(self.manager.problems))
            return
        plugin = self.manager.plugins[self.names[row]]
        self.details.setPlainText(f"{plugin.description}\n{plugin.source}\n\n{plugin.error or ''}".strip())

    def _toggled(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        try:
            self.manager.set_enabled(self.names[item.row()], item.checkState() == Qt.CheckState.Checked)
        except PluginError as exc:
            self.note.setText(str(exc))
        self.refresh()
