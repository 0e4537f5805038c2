"""The screenshot helper writes a real PNG of the window at the README's size."""

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from app.main_window import MainWindow
from app.screenshots import SIZE, grab


def test_grab_writes_a_full_size_png(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, autosave_dir=tmp_path / "auto", cache_dir=tmp_path / "cache")
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    path = grab(win, tmp_path / "main-empty.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == SIZE
    assert image.width() >= 1280 and image.height() >= 800
    win.shutdown()
