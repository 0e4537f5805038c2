"""The shapes world: a procedural generator of captioned clips that the builtin video model learns.

One object (a ball, square or triangle in one of eight colours) moves in one of eight ways over one of
six backgrounds; captions come from several templates and synonyms. Everything is deterministic from a
seed. ``vocab`` holds the vocabulary and the held-out combinations, ``render`` draws clips, ``captions``
writes sentences, ``sample`` draws (scene, caption, clip) triples for training and evaluation.
"""

from engine.video.world.captions import caption
from engine.video.world.render import render_clip
from engine.video.world.sample import Example, sample_example, sample_scene
from engine.video.world.vocab import BACKGROUNDS, COLOURS, MOTIONS, SHAPES, Scene, is_held_out

__all__ = [
    "BACKGROUNDS", "COLOURS", "MOTIONS", "SHAPES", "Example", "Scene", "caption", "is_held_out",
    "render_clip", "sample_example", "sample_scene",
]
