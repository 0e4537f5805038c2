"""GUI tests run offscreen and check, like napari's, that nothing outlives a test."""

import gc
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

import pytest


def _active_qtimers() -> list:
    from PySide6.QtCore import QTimer

    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QTimer) and obj.isActive():
                found.append(obj)
        except RuntimeError:      # the C++ object is already gone
            continue
    return found


@pytest.fixture(autouse=True)
def no_leaks(request, tmp_path, monkeypatch):
    """Fail a test that leaves top-level widgets, running threads or active timers behind."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    threads_before = set(threading.enumerate())
    yield
    if "qapp" not in request.fixturenames and "qtbot" not in request.fixturenames:
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    gc.collect()
    widgets = [w for w in QApplication.topLevelWidgets() if not w.objectName().startswith("qt_")]
    leftover_threads = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    timers = _active_qtimers()
    for widget in widgets:
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not widgets, f"top-level widgets left open: {widgets}"
    assert not leftover_threads, f"threads left running: {leftover_threads}"
    assert not timers, f"timers left running: {timers}"


@pytest.fixture
def shown_window(qtbot, tmp_path):
    """The real main window, shown offscreen, its timeline at 50 px a second scrolled to 0 (no engine)."""
    from PySide6.QtCore import QSettings

    from app.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache")
    win.confirm_close = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.timeline.set_zoom(50)
    win.timeline.horizontalScrollBar().setValue(0)
    yield win
    win.shutdown()
