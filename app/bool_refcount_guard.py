"""A guard against a reference-count bug of PySide6 6.12 that aborts the studio when it exits.

Emitting a signal that carries ``True`` or ``False`` to a Python slot drops one reference to the bool
each time (measured: 100 emissions of ``Signal(bool)`` take 100 references off ``True``;
``benchmarks/bool_refcount.py``). pyqtgraph emits such signals on every range or state change, so after
a few thousand the count of ``True`` reaches zero and CPython < 3.12, whose bools are not immortal,
aborts with "bool_dealloc: deallocating True or False". Until PySide fixes it, both bools get a reserve
of references (2**40) once per process; from Python 3.12 on bools are immortal and nothing is done.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 40
_guarded = False


def guard_bool_refcounts() -> None:
    """Give ``True`` and ``False`` a reserve of references (once; a no-op on Python >= 3.12)."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12):
        return
    for value in (True, False):
        ctypes.c_ssize_t.from_address(id(value)).value += RESERVE
    _guarded = True
