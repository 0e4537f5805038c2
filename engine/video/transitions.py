"""Prompt transition schedules: how the conditioning moves from one prompt to the next.

A transition is a curve ``weight(progress)``: across a transition window (the incoming prompt's
``transition`` seconds, centred on the boundary) ``progress`` runs from 0 to 1 and the incoming prompt
holds ``weight(progress)`` of the blend, the outgoing one the rest. A transition whose object has
``hard_cut = True`` switches at once instead; the sampler moves such a boundary to the nearest block
start and cuts the block context there. The core's curves are registered in ``PROMPT_TRANSITIONS``
exactly as plugins' ``prompt_transitions`` contributions are; a job chooses one with
``transition_curve`` and a timed prompt may override it with its own ``curve``.

Pure Python: the job language (imported by the GUI) checks names against this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from engine.plugins import ExtensionRegistry

DEFAULT = "linear"
Transition = Callable[[float], float]


def linear(progress: float) -> float:
    """The incoming prompt's share grows evenly across the window."""
    return progress


def smoothstep(progress: float) -> float:
    """An ease in and out (3p^2 - 2p^3): no kink where the transition starts and ends."""
    return progress * progress * (3.0 - 2.0 * progress)


def cosine(progress: float) -> float:
    """A raised-cosine ease: half a cosine period across the window."""
    return 0.5 - 0.5 * math.cos(math.pi * progress)


class HardCut:
    """The boundary switches at once (at the nearest block start), and the block context is cut."""

    hard_cut = True

    def __call__(self, progress: float) -> float:
        return 1.0 if progress >= 0.5 else 0.0


CUT = HardCut()

PROMPT_TRANSITIONS = ExtensionRegistry("prompt_transitions", "prompt transition", {
    DEFAULT: ("engine.video.transitions:linear", "Linear blend"),
    "smoothstep": ("engine.video.transitions:smoothstep", "Smoothstep ease in and out"),
    "cosine": ("engine.video.transitions:cosine", "Raised-cosine ease"),
    "cut": ("engine.video.transitions:CUT", "Hard cut at the nearest block start"),
})


def is_hard_cut(transition: Transition) -> bool:
    return bool(getattr(transition, "hard_cut", False))


def incoming_weight(transition: Transition, name: str, progress: float) -> float:
    """``transition(progress)``, checked: a transition must give a weight in [0, 1]."""
    weight = float(transition(progress))
    if not 0.0 <= weight <= 1.0:  # also refuses NaN
        raise ValueError(f"prompt transition {name!r} gave the weight {weight} at progress {progress:.3f}; "
                         "a transition must give weights between 0 and 1")
    return weight


def core_shape(name: str, samples: int = 17) -> list[float] | None:
    """A core curve's incoming weight at ``samples`` even points of the window (progress 0 to 1), for
    drawing it; ``None`` for a name that is not the core's (a plugin's code runs only in the engine)."""
    if name not in PROMPT_TRANSITIONS.core_names:
        return None
    curve = PROMPT_TRANSITIONS.load(name, "curve")
    return [incoming_weight(curve, name, i / (samples - 1)) for i in range(samples)]

