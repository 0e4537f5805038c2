"""The shapes world: determinism, the held-out split, the vocabulary's rules, and the detector on it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.video.world import BACKGROUNDS, COLOURS, MOTIONS, SHAPES, Scene, caption, is_held_out
from engine.video.world.captions import COLOUR_WORDS, SHAPE_WORDS
from engine.video.world.detect import detect_clip
from engine.video.world.sample import sample_example, scenes
from engine.video.world.vocab import FORBIDDEN, all_scenes


def test_same_seed_same_example_and_different_seeds_differ():
    a, b, c = sample_example(5), sample_example(5), sample_example(6)
    assert a.caption == b.caption and a.scene == b.scene and np.array_equal(a.clip, b.clip)
    assert not np.array_equal(a.clip, c.clip)


def test_clip_shape_and_size_follow_arguments():
    ex = sample_example(1, frames=21, width=96, height=64)
    assert ex.clip.shape == (21, 64, 96, 3) and ex.clip.dtype == np.uint8


def test_splits_are_disjoint_and_respect_the_rule():
    train, held = scenes("train"), scenes("held_out")
    assert set(train).isdisjoint(held) and len(train) + len(held) == len(all_scenes())
    assert all(is_held_out(s) for s in held) and not any(is_held_out(s) for s in train)
    assert 0.1 < len(held) / len(all_scenes()) < 0.2
    for seed in range(50):
        assert not is_held_out(sample_example(seed, "train").scene)
        assert is_held_out(sample_example(seed, "held_out").scene)


def test_every_pair_of_values_is_seen_in_training():
    train = scenes("train")
    for (i, a), (j, b) in itertools.combinations(enumerate((COLOURS, SHAPES, MOTIONS, BACKGROUNDS)), 2):
        seen = {(astuple[i], astuple[j]) for s in train for astuple in [(s.colour, s.shape, s.motion, s.background)]}
        for x, y in itertools.product(a, b):
            if (i, j) == (0, 3) and (x, y) in FORBIDDEN:
                continue
            assert (x, y) in seen, (x, y)


def test_object_never_has_the_background_colour():
    assert not any((s.colour, s.background) in FORBIDDEN for s in all_scenes())


def test_captions_use_synonyms_and_name_every_attribute():
    scene = Scene("red", "ball", "moving left", "green grass")
    assert caption(scene) == "a red ball moving to the left on green grass"
    texts = {caption(scene, np.random.default_rng(i)) for i in range(40)}
    assert len(texts) > 20
    for text in texts:
        assert any(w in text for w in COLOUR_WORDS["red"]) and any(w in text for w in SHAPE_WORDS["ball"])


def test_unknown_vocabulary_is_refused():
    with pytest.raises(ValueError, match="colour 'pink'"):
        Scene("pink", "ball", "moving left", "sand")


def test_detector_reads_rendered_clips():
    results = []
    for seed in range(60):
        ex = sample_example(seed, "any")
        d = detect_clip(ex.clip)
        results.append((d.colour == ex.scene.colour, d.shape == ex.scene.shape, d.motion == ex.scene.motion,
                        d.background == ex.scene.background))
    colour, shape, motion, background = np.mean(results, axis=0)
    assert colour >= 0.97 and shape >= 0.95 and motion >= 0.95, (colour, shape, motion)
    assert background == 1.0, background


def test_detector_reads_shapes_through_a_blur():
    """Reconstructions and generated frames are softer than renders: a 0.7 px Gaussian blur (about what
    the builtin autoencoder leaves on small objects) must not turn triangles or squares into balls."""
    import cv2

    results = []
    for seed in range(60):
        ex = sample_example(seed, "any")
        blurred = np.stack([cv2.GaussianBlur(f, (0, 0), 0.7) for f in ex.clip])
        results.append(detect_clip(blurred).shape == ex.scene.shape)
    assert np.mean(results) >= 0.95, np.mean(results)


def test_detector_is_not_fooled_by_an_empty_frame():
    from engine.video.world.render import render_background

    frame = render_background("green grass", 64, 64, texture_seed=3)
    assert detect_clip(np.stack([frame] * 5)).colour == "unknown"
