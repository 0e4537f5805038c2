"""How many references to ``True`` one ``Signal(bool)`` emission to a Python slot drops (PySide6 bug check).

Run: ``PYTHONPATH=. python benchmarks/bool_refcount.py [--json]``; 0 means this PySide6 is not affected.
"""

from __future__ import annotations

import gc
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, QObject, Signal

EMISSIONS = 1000


class _Emitter(QObject):
    flag = Signal(bool)


def dropped_per_emission() -> float:
    app = QCoreApplication.instance() or QCoreApplication([])
    emitter = _Emitter()
    emitter.flag.connect(lambda _value: None)
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(EMISSIONS):
        emitter.flag.emit(True)
    gc.collect()
    del app
    return (before - sys.getrefcount(True)) / EMISSIONS


if __name__ == "__main__":
    from app.bool_refcount_guard import guard_bool_refcounts

    guard_bool_refcounts()     # measuring costs references; do not abort the measurement itself
    row = {"pyside6": pyside_version, "python": sys.version.split()[0], "emissions": EMISSIONS,
           "true_refs_dropped_per_emission": dropped_per_emission()}
    if "--json" in sys.argv:
        print(json.dumps(row))
    else:
        print(f"{'PySide6':<10}{'Python':<10}{'emissions':>10}{'refs dropped/emission':>24}")
        print(f"{row['pyside6']:<10}{row['python']:<10}{EMISSIONS:>10}{row['true_refs_dropped_per_emission']:>24.3f}")
