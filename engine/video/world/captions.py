"""Captions for shapes-world scenes: several sentence templates and synonyms for every word."""

from __future__ import annotations

import re

import numpy as np

from engine.video.world.vocab import Scene

COLOUR_WORDS: dict[str, tuple[str, ...]] = {
    "red": ("red", "crimson", "scarlet"),
    "orange": ("orange", "tangerine"),
    "yellow": ("yellow", "golden", "lemon"),
    "green": ("green", "lime", "emerald"),
    "cyan": ("cyan", "turquoise", "aqua"),
    "blue": ("blue", "deep blue", "cobalt"),
    "purple": ("purple", "violet", "magenta"),
    "white": ("white", "snow-white", "pale"),
}

SHAPE_WORDS: dict[str, tuple[str, ...]] = {
    "ball": ("ball", "circle", "disc", "sphere"),
    "square": ("square", "box", "block", "cube"),
    "triangle": ("triangle", "wedge", "pyramid"),
}

# Verb phrases per motion; the templates append a location phrase.
MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "moving left": ("moving to the left", "slides left", "moves left", "drifting leftward"),
    "moving right": ("moving to the right", "slides right", "moves right", "drifting rightward"),
    "moving up": ("moving up", "rises", "floats upward", "climbing up"),
    "moving down": ("moving down", "falls", "sinks downward", "dropping down"),
    "bouncing": ("bouncing", "bounces up and down", "hopping", "jumping up and down"),
    "standing still": ("standing still", "stays still", "resting motionless", "not moving"),
    "growing": ("growing", "grows bigger", "getting larger", "expanding"),
    "shrinking": ("shrinking", "gets smaller", "getting tinier", "contracting"),
}

BACKGROUND_WORDS: dict[str, tuple[str, ...]] = {
    "black": ("on a black background", "against black", "in the dark void", "on pure black"),
    "gray": ("on a gray background", "against grey", "on a plain gray backdrop"),
    "blue sky": ("in the blue sky", "against a light blue sky", "under a clear sky"),
    "green grass": ("on green grass", "over a grassy field", "on a lawn", "across the meadow"),
    "sand": ("on sand", "over a sandy beach", "on the desert sand", "on beige sand"),
    "night": ("at night", "against the night sky", "on a dark navy background", "in the night"),
}

_TEMPLATES: tuple[str, ...] = (
    "a {colour} {shape} {motion} {place}",
    "{place}, a {colour} {shape} {motion}",
    "the {colour} {shape} {motion} {place}",
    "one {colour} {shape} {motion} {place}",
    "a video of a {colour} {shape} {motion} {place}",
)


def caption(scene: Scene, rng: np.random.Generator | None = None) -> str:
    """A sentence describing ``scene``; with ``rng`` a random template and synonyms, else the plain one."""
    if rng is None:
        words = (COLOUR_WORDS[scene.colour][0], SHAPE_WORDS[scene.shape][0],
                 MOTION_WORDS[scene.motion][0], BACKGROUND_WORDS[scene.background][0])
        template = _TEMPLATES[0]
    else:
        words = tuple(
            str(rng.choice(table[key])) for table, key in (
                (COLOUR_WORDS, scene.colour), (SHAPE_WORDS, scene.shape),
                (MOTION_WORDS, scene.motion), (BACKGROUND_WORDS, scene.background),
            )
        )
        template = str(rng.choice(_TEMPLATES))
    colour, shape, motion, place = words
    text = template.format(colour=colour, shape=shape, motion=motion, place=place)
    return re.sub(r"\ba (?=[aeiou])", "an ", text)
