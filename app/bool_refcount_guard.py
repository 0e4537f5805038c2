"""A guard against reference-count bugs of PySide6 6.12 that abort the studio (often when it exits).

Emitting a signal that carries ``True`` to a Python slot drops references to ``True``, and every call
of a Python override of a virtual method that returns ``None`` (``paintEvent``, ``paint``,
``itemChange``...) drops one reference to ``None`` (``benchmarks/bool_refcount.py`` measures both).
pyqtgraph does both on every repaint and range change, so after enough of them the count reaches zero
and CPython < 3.12, whose ``True``/``False``/``None`` are not immortal, aborts with "bool_dealloc:
deallocating True or False" or "none_dealloc: deallocating None". Until PySide fixes it, the three get
a reserve of references (2**40) once per process; from Python 3.12 on they are immortal and nothing is
done.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_guarded = False


def guard_bool_refcounts() -> None:
    """Give ``True``, ``False`` and ``None`` a reserve of references (once; a no-op on Python >= 3.12)."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12):
        return
    for value in (True, False, None):
        ctypes.c_ssize_t.from_address(id(value)).value += RESERVE
    _guarded = True
