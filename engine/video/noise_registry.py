"""The registry of noise initialisers, by name, without torch: the job language (imported by the GUI)
checks a job's ``noise`` against it at submission, as it checks transition curves.

The core's ``pool`` initialiser (``engine.video.noise``) is registered here exactly as plugins'
``noise_initialisers`` contributions are; its code, like theirs, is imported only when a job uses it.
"""

from __future__ import annotations

from engine.plugins import ExtensionRegistry

BUILTIN = "pool"
NOISE_INITIALISERS = ExtensionRegistry("noise_initialisers", "noise initialiser", {
    BUILTIN: ("engine.video.noise:pool_initialiser", "FreeNoise-style shuffles of one shared pool")})
