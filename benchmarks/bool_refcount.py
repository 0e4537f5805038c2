"""How many references PySide6 drops: to ``True`` per ``Signal(bool)`` emission to a Python slot, and to
``None`` per call of a Python ``paintEvent`` override (the bugs ``app.bool_refcount_guard`` works around).

Run: ``PYTHONPATH=. python benchmarks/bool_refcount.py [--json]``; 0 means this PySide6 is not affected.
"""

from __future__ import annotations

import gc
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

EMISSIONS = 1000


class _Emitter(QObject):
    flag = Signal(bool)


class _Painted(QWidget):
    def paintEvent(self, _event) -> None:
        return None


def dropped_per_emission() -> float:
    emitter = _Emitter()
    emitter.flag.connect(lambda _value: None)
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(EMISSIONS):
        emitter.flag.emit(True)
    gc.collect()
    return (before - sys.getrefcount(True)) / EMISSIONS


def dropped_per_paint() -> float:
    widget = _Painted()
    widget.resize(32, 32)
    widget.show()
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(EMISSIONS):
        widget.repaint()
    gc.collect()
    widget.close()
    return (before - sys.getrefcount(None)) / EMISSIONS


if __name__ == "__main__":
    from app.bool_refcount_guard import guard_bool_refcounts

    app = QApplication.instance() or QApplication([])
    guard_bool_refcounts()     # measuring costs references; do not abort the measurement itself
    row = {"pyside6": pyside_version, "python": sys.version.split()[0], "calls": EMISSIONS,
           "true_refs_dropped_per_bool_emission": dropped_per_emission(),
           "none_refs_dropped_per_paint": dropped_per_paint()}
    if "--json" in sys.argv:
        print(json.dumps(row))
    else:
        print(f"{'PySide6':<10}{'Python':<10}{'calls':>7}{'True refs lost/emit':>22}{'None refs lost/paint':>23}")
        print(f"{row['pyside6']:<10}{row['python']:<10}{EMISSIONS:>7}"
              f"{row['true_refs_dropped_per_bool_emission']:>22.3f}{row['none_refs_dropped_per_paint']:>23.3f}")
