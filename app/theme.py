"""The studio's look: a dark media-editor palette, one style sheet, the timeline colours and icons."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from engine.resources import resources_dir


class Colors:
    window = QColor("#1b1f27")
    panel = QColor("#222733")
    base = QColor("#161a21")
    raised = QColor("#2b3140")
    border = QColor("#343b4b")
    text = QColor("#d8dde6")
    dim = QColor("#8a93a6")
    accent = QColor("#ffb84d")        # generate, playhead
    keyframe = QColor("#ffd666")      # keyframe diamonds of the edited parameter
    accent2 = QColor("#4fb3ff")       # selection, progress
    clip = QColor("#3d5a80")
    clip_selected = QColor("#5b86c0")
    clip_edge = QColor("#8fb3e6")
    cut = QColor("#e5534b")
    done = QColor("#3fb950")
    ruler = QColor("#12151b")
    track_bg = QColor("#1e232d")
    track_alt = QColor("#1a1e27")


SERIES = ("#2fbf71", "#4aa3df", "#e3c341", "#b07cf0", "#e5484d", "#43c6c6")   # plotted series, spatial sources


def series_colour(index: int) -> str:
    """The colour of series ``index`` (a plotted masker, a spatial source in every view of it)."""
    return SERIES[index % len(SERIES)]


STYLE = f"""
QWidget {{ color: {Colors.text.name()}; font-size: 12px; }}
QMainWindow, QDialog {{ background: {Colors.window.name()}; }}
QMainWindow::separator {{ background: {Colors.base.name()}; width: 3px; height: 3px; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {Colors.panel.name()}; padding: 5px 8px; border-bottom: 1px solid {Colors.border.name()};
    text-transform: uppercase; font-weight: 600; color: {Colors.dim.name()}; }}
QToolBar {{ background: {Colors.panel.name()}; border: none; border-bottom: 1px solid {Colors.base.name()};
    spacing: 3px; padding: 3px 6px; }}
QToolButton {{ background: transparent; border: 1px solid transparent; border-radius: 4px; padding: 4px 6px; }}
QToolButton:hover {{ background: {Colors.raised.name()}; border-color: {Colors.border.name()}; }}
QToolButton:checked {{ background: #2f3b52; border-color: {Colors.accent2.name()}; }}
QToolButton#generate {{ background: #5a4220; border-color: {Colors.accent.name()}; color: #ffe2b3; font-weight: 600;
    padding: 4px 10px; }}
QToolButton#generate:hover {{ background: #6d4f25; }}
QToolButton:disabled {{ color: #555d6d; }}
QPushButton {{ background: {Colors.raised.name()}; border: 1px solid {Colors.border.name()}; border-radius: 4px;
    padding: 5px 12px; }}
QPushButton:hover {{ border-color: {Colors.accent2.name()}; }}
QPushButton:checked {{ background: #2f3b52; border-color: {Colors.accent2.name()}; }}
QPushButton:disabled {{ color: #555d6d; }}
QLineEdit, QPlainTextEdit, QTextEdit, QSpinBox, QDoubleSpinBox, QComboBox {{ background: {Colors.base.name()};
    border: 1px solid {Colors.border.name()}; border-radius: 4px; padding: 3px 5px;
    selection-background-color: {Colors.accent2.name()}; }}
QLineEdit:focus, QPlainTextEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus {{
    border-color: {Colors.accent2.name()}; }}
QComboBox QAbstractItemView {{ background: {Colors.panel.name()}; border: 1px solid {Colors.border.name()}; }}
QTabWidget::pane {{ border: none; border-top: 1px solid {Colors.border.name()}; }}
QTabBar::tab {{ background: transparent; padding: 6px 12px; color: {Colors.dim.name()}; border: none; }}
QTabBar::tab:selected {{ color: {Colors.text.name()}; border-bottom: 2px solid {Colors.accent.name()}; }}
QHeaderView::section {{ background: {Colors.panel.name()}; color: {Colors.dim.name()}; border: none;
    border-right: 1px solid {Colors.border.name()}; padding: 4px 6px; }}
QTableView, QTreeView, QListView {{ background: {Colors.base.name()}; alternate-background-color: #1a1f28;
    border: none; gridline-color: {Colors.border.name()}; selection-background-color: #2f4a70; }}
QProgressBar {{ background: {Colors.base.name()}; border: 1px solid {Colors.border.name()}; border-radius: 3px;
    text-align: center; height: 14px; }}
QProgressBar::chunk {{ background: {Colors.accent2.name()}; border-radius: 2px; }}
QStatusBar {{ background: {Colors.panel.name()}; border-top: 1px solid {Colors.base.name()}; color: {Colors.dim.name()}; }}
QGroupBox {{ border: 1px solid {Colors.border.name()}; border-radius: 5px; margin-top: 14px; padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {Colors.dim.name()}; }}
QLabel#hint {{ color: {Colors.dim.name()}; }}
QLabel#timecode {{ font-family: monospace; font-size: 15px; color: {Colors.accent.name()}; }}
QLabel#engineState {{ padding: 0 6px; }}
QScrollBar:horizontal, QScrollBar:vertical {{ background: {Colors.base.name()}; border: none; height: 10px; width: 10px; }}
QScrollBar::handle {{ background: {Colors.raised.name()}; border-radius: 4px; min-width: 24px; min-height: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QMenu {{ background: {Colors.panel.name()}; border: 1px solid {Colors.border.name()}; }}
QMenu::item:selected {{ background: #2f4a70; }}
QMenuBar {{ background: {Colors.panel.name()}; }}
QMenuBar::item:selected {{ background: {Colors.raised.name()}; }}
QCheckBox::indicator {{ width: 14px; height: 14px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Give ``app`` the dark palette and the style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: Colors.window, QPalette.ColorRole.WindowText: Colors.text,
        QPalette.ColorRole.Base: Colors.base, QPalette.ColorRole.AlternateBase: Colors.panel,
        QPalette.ColorRole.Text: Colors.text, QPalette.ColorRole.Button: Colors.raised,
        QPalette.ColorRole.ButtonText: Colors.text, QPalette.ColorRole.Highlight: Colors.accent2,
        QPalette.ColorRole.HighlightedText: QColor("#0b0d12"), QPalette.ColorRole.ToolTipBase: Colors.panel,
        QPalette.ColorRole.ToolTipText: Colors.text, QPalette.ColorRole.PlaceholderText: Colors.dim,
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#555d6d"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#555d6d"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.exists():
        raise FileNotFoundError(f"no icon {name!r} in {path.parent}")
    return QIcon(str(path))
