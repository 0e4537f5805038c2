"""The PySide6 we install must keep Python's reference counts: 6.12 drops a reference to ``True`` per
``Signal(bool)`` emission and to ``None`` per Python ``paintEvent`` call, which aborts CPython 3.11
(``bool_dealloc``/``none_dealloc``) once pyqtgraph has drawn enough; pyproject.toml pins below it."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

CALLS = 500


class _Emitter(QObject):
    flag = Signal(bool)


class _Painted(QWidget):
    def paintEvent(self, _event) -> None:
        return None


def test_bool_signals_keep_the_reference_count_of_true(qapp):
    emitter = _Emitter()
    emitter.flag.connect(lambda _value: None)
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(CALLS):
        emitter.flag.emit(True)
    gc.collect()
    assert before - sys.getrefcount(True) < CALLS // 10


def test_python_paint_overrides_keep_the_reference_count_of_none(qtbot):
    widget = _Painted()
    qtbot.addWidget(widget)
    widget.resize(32, 32)
    widget.show()
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        widget.repaint()
    gc.collect()
    assert before - sys.getrefcount(None) < CALLS // 10
