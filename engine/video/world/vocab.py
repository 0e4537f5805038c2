"""The vocabulary of the shapes world and the documented held-out set of combinations.

Held-out rule: a scene (colour c, shape s, motion m, background b), with each given by its index in
the tuples below, is held out of training when ``(c + 2*s + 3*m + 5*b) % 7 == 0``. That removes about
one combination in seven while every single value, and every pair of values, still occurs in training
(the rule is a linear congruence, so fixing any two values leaves other values of the rest that pass),
which is what makes the held-out half a test of composition rather than of unseen words.

Scenes whose object would (nearly) vanish into the background are never drawn: see ``FORBIDDEN``.
"""

from __future__ import annotations

from dataclasses import dataclass

SHAPES: tuple[str, ...] = ("ball", "square", "triangle")

# RGB of each object colour; hues are spread so a detector can tell them apart by hue alone
# (white by its low saturation).
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (230, 30, 30),
    "orange": (255, 140, 0),
    "yellow": (250, 230, 30),
    "green": (40, 200, 40),
    "cyan": (20, 220, 230),
    "blue": (30, 60, 240),
    "purple": (160, 40, 220),
    "white": (245, 245, 245),
}

MOTIONS: tuple[str, ...] = (
    "moving left", "moving right", "moving up", "moving down",
    "bouncing", "standing still", "growing", "shrinking",
)

# Base RGB of each background (grass adds a texture, sky and night a gentle vertical gradient).
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "gray": (128, 128, 128),
    "blue sky": (150, 200, 240),
    "green grass": (40, 95, 35),
    "sand": (215, 195, 150),
    "night": (15, 20, 55),
}

# (colour, background) pairs never drawn: the object would be (nearly) the background's colour.
FORBIDDEN: frozenset[tuple[str, str]] = frozenset({
    ("green", "green grass"),
    ("cyan", "blue sky"),
    ("blue", "night"),
    ("yellow", "sand"),
    ("white", "blue sky"),
})


@dataclass(frozen=True)
class Scene:
    """One combination of the vocabulary."""

    colour: str
    shape: str
    motion: str
    background: str

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("colour", self.colour, COLOURS), ("shape", self.shape, SHAPES),
            ("motion", self.motion, MOTIONS), ("background", self.background, BACKGROUNDS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} {value!r} is not in the shapes world; choose one of {list(allowed)}")


def is_allowed(scene: Scene) -> bool:
    """Whether the object stays visible against the background."""
    return (scene.colour, scene.background) not in FORBIDDEN


def is_held_out(scene: Scene) -> bool:
    """Whether the combination belongs to the held-out set (never used for training)."""
    c = list(COLOURS).index(scene.colour)
    s = SHAPES.index(scene.shape)
    m = MOTIONS.index(scene.motion)
    b = list(BACKGROUNDS).index(scene.background)
    return (c + 2 * s + 3 * m + 5 * b) % 7 == 0


def all_scenes() -> list[Scene]:
    """Every allowed combination, in a fixed order."""
    return [
        Scene(c, s, m, b)
        for c in COLOURS for s in SHAPES for m in MOTIONS for b in BACKGROUNDS
        if is_allowed(Scene(c, s, m, b))
    ]
