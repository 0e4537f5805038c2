"""Giving freed heap memory back to the system between blocks, so memory stays flat with length.

A long run allocates and frees tensors of a few recurring sizes for minutes; glibc's heap keeps
the freed pages and fragments, and a process's resident memory creeps up over hundreds of blocks
though the live tensors do not grow. ``malloc_trim`` after each finished block returns them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return getattr(libc, "malloc_trim", None)


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc); a no-op elsewhere."""
    trim = _trim()
    if trim is not None:
        trim(0)
