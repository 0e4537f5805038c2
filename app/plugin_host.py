"""The app's side of plugins: panels become docks, actions go into the Plugins menu, exporters into
File > Export timeline. A plugin whose contribution fails to load or raises is disabled with its
traceback (shown in the plugin manager); the studio keeps running."""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMenu, QWidget

from engine.plugins import Contribution, PluginError, PluginManager

_AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea,
          "bottom": Qt.DockWidgetArea.BottomDockWidgetArea}


class PluginHost(QObject):
    """Loads the enabled plugins' app contributions into ``window``."""

    message = Signal(str)

    def __init__(self, window: QMainWindow, manager: PluginManager | None = None):
        super().__init__(window)
        self.window = window
        self.manager = manager or PluginManager()
        self.manager.discover()
        self.panels: dict[str, QDockWidget] = {}
        self.actions: dict[str, QAction] = {}
        self.menu = QMenu("&Plugins", window)
        self.export_menu = QMenu("Export &timeline", window)

    def install(self) -> None:
        """Add every enabled plugin's panels, actions and exporters to the window."""
        for contribution in self.manager.contributions("app_panels"):
            self._add_panel(contribution)
        for contribution in self.manager.contributions("app_actions"):
            action = QAction(contribution.title, self.window)
            action.triggered.connect(lambda _checked=False, c=contribution: self.run_action(c))
            self.menu.addAction(action)
            self.actions[contribution.id] = action
        for contribution in self.manager.contributions("exporters"):
            action = QAction(f"{contribution.title}...", self.window)
            action.triggered.connect(lambda _checked=False, c=contribution: self.export_dialog(c))
            self.export_menu.addAction(action)
        self.export_menu.setEnabled(not self.export_menu.isEmpty())

    def _fail(self, contribution: Contribution, error: str) -> None:
        self.manager.disable_with_error(contribution.plugin, error)
        self.message.emit(f"plugin {contribution.plugin!r} failed and was disabled (see Plugins > Plugin manager)")

    def _add_panel(self, contribution: Contribution) -> None:
        try:
            widget: QWidget = self.manager.load(contribution)(self.window)
        except PluginError as exc:
            self.message.emit(str(exc))
            return
        except Exception:  # the panel's own code raised: isolate it
            self._fail(contribution, traceback.format_exc())
            return
        dock = QDockWidget(contribution.title, self.window)
        dock.setObjectName(f"plugin-{contribution.plugin}-{contribution.id}")
        dock.setWidget(widget)
        self.window.addDockWidget(_AREAS.get(str(contribution.extra.get("area", "right")),
                                             Qt.DockWidgetArea.RightDockWidgetArea), dock)
        self.panels[contribution.id] = dock

    def run_action(self, contribution: Contribution) -> bool:
        """Run an ``app_actions`` contribution; False (and the plugin disabled) if it fails."""
        try:
            self.manager.load(contribution)(self.window)
            return True
        except PluginError as exc:
            self.message.emit(str(exc))
        except Exception:
            self._fail(contribution, traceback.format_exc())
        self.actions.pop(contribution.id).setEnabled(False)
        return False

    def export_timeline(self, contribution: Contribution, out: Path) -> Path | None:
        """Export the window's project with an ``exporters`` contribution."""
        try:
            exporter = self.manager.load(contribution)
            return exporter.export(self.window.project.to_dict(), out, None)
        except PluginError as exc:
            self.message.emit(str(exc))
        except Exception as exc:
            self.message.emit(f"export with {contribution.title} failed: {exc}")
        return None

    def export_dialog(self, contribution: Contribution) -> None:
        suffixes = " ".join(f"*{s}" for s in contribution.extra.get("extensions", []))
        path, _ = QFileDialog.getSaveFileName(self.window, contribution.title, "", f"{contribution.title} ({suffixes})")
        if path and (written := self.export_timeline(contribution, Path(path))):
            self.message.emit(f"exported the timeline to {written}")
