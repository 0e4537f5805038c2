"""Language to trajectory: the documented rules on the issue's phrases."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio.spatial.language import interpret, phrase_to_trajectory, source_from_phrase
from engine.audio.spatial.spec import Source
from engine.audio.spatial.trajectory import Trajectory


def _trajectory(phrase: str, duration: float = 10.0) -> Trajectory:
    keys = phrase_to_trajectory(phrase, duration)
    return Trajectory(Source(name="x", generator={"kind": "pink"}, trajectory=keys))


def test_car_passing_from_left_to_right_moves_left_front_right_and_is_closest_in_the_middle():
    assert interpret("a car passing from left to right")["motion"] == "passing"
    az, el, dist = _trajectory("a car passing from left to right").at(np.array([0.0, 5.0, 10.0]))
    assert az == pytest.approx([90, 0, -90]) and el == pytest.approx([0, 0, 0])
    assert dist[1] < dist[0] and dist[1] < dist[2]


def test_birds_overhead_are_above():
    _, el, _ = _trajectory("birds overhead").at(np.array([0.0, 9.0]))
    assert np.all(el >= 60)


def test_water_behind_me_far_is_behind_and_far():
    a = interpret("water behind me, far")
    assert a["motion"] == "static" and a["start"] == [180.0, 0.0] and a["distance"] >= 10
    az, _, dist = _trajectory("water behind me, far").at(np.array([3.0]))
    assert abs(az[0]) == pytest.approx(180) and dist[0] >= 10


def test_speed_and_other_motions():
    fast = phrase_to_trajectory("a motorbike passing quickly", 10)
    slow = phrase_to_trajectory("a motorbike passing slowly", 10)
    assert fast[-1].t - fast[0].t < slow[-1].t - slow[0].t
    approach = phrase_to_trajectory("footsteps approaching from the front left", 10)
    assert approach[0].distance > approach[-1].distance and approach[0].azimuth == 45
    circle = _trajectory("a bee circling around me slowly").at(np.linspace(0, 10, 41))[0]
    assert np.ptp(circle) > 300  # a full turn
    assert phrase_to_trajectory("a fountain", 10)[0].azimuth == 0


def test_a_phrase_makes_a_scene_source():
    source = source_from_phrase("car", "a car passing from left to right", 10.0, audio="car.wav")
    assert source.interpolation == "smooth" and source.audio == "car.wav" and len(source.trajectory) == 3
