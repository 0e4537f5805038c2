"""Shoebox rooms: reflections after the direct sound, the requested RT60, localisation still right."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio.analysis.doa import foa_intensity_doa
from engine.audio.analysis.seld_metrics import angular_distance
from engine.audio.spatial.encoders import FoaEncoder
from engine.audio.spatial.render import RenderOptions, render_array
from engine.audio.spatial.room import RoomModel
from engine.audio.spatial.spec import Room
from tests.spatial.helpers import one_source_scene, static

ROOM = {"dimensions": [8.0, 6.0, 3.0], "listener": [4.0, 3.0, 1.5], "rt60": 0.5}


def test_room_response_decays_at_the_requested_rt60():
    model = RoomModel(Room(**ROOM), 48000, FoaEncoder(), air_absorption=False, seed=0)
    response = model.reflections(model.position(30.0, 0.0, 2.0), 2.0)[0].astype(float)
    response[0] += 0.5  # the direct path at 2 m
    assert np.all(response[:int(0.003 * 48000)][1:] == 0)  # nothing before the first reflection
    energy = np.cumsum(response[::-1] ** 2)[::-1]
    decay = 10 * np.log10(energy / energy[0])
    t5, t35 = np.argmax(decay < -5) / 48000, np.argmax(decay < -35) / 48000
    assert 2 * (t35 - t5) == pytest.approx(0.5, rel=0.2)


def test_named_materials_and_bad_names():
    model = RoomModel(Room(dimensions=[5, 4, 3], listener=[2, 2, 1.5], material="brickwork"), 48000,
                      FoaEncoder(), air_absorption=True, seed=0)
    assert model.rt60 > 1.0  # brick walls ring
    with pytest.raises(ValueError, match="not a pyroomacoustics material"):
        RoomModel(Room(dimensions=[5, 4, 3], listener=[2, 2, 1.5], material="cheese"), 48000, FoaEncoder(), True, 0)


def test_reverberant_foa_render_is_still_localised():
    scene = one_source_scene(static(-100.0, 10.0, 2.0), duration=0.6, room=ROOM)
    foa = render_array(scene, None, RenderOptions(fmt="foa"))
    dry = render_array(scene.model_copy(update={"room": None}), None, RenderOptions(fmt="foa"))
    assert np.mean(foa[0] ** 2) > 1.3 * np.mean(dry[0] ** 2)  # the room adds energy
    az, el = foa_intensity_doa(foa, 48000)
    assert np.nanmean(angular_distance(az, el, -100.0, 10.0)) < 10.0


def _splatter_db(x: np.ndarray, above_hz: float) -> float:
    """Energy above ``above_hz`` relative to all, in dB: a click spreads a pure tone's energy upwards."""
    x = x[:, 4800:]
    power = np.abs(np.fft.rfft(x * np.hanning(x.shape[1]), axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[1], 1 / 48000)
    return float(10 * np.log10(power[:, freqs > above_hz].sum() / power.sum()))


@pytest.mark.parametrize("fmt", ["foa", "binaural"])
def test_moving_source_in_a_room_renders_without_clicks(fmt):
    # the tone's level changes along the path (room modes), so compare spectra, not sample jumps
    tone = {"kind": "tone", "frequency": 300.0, "level_db": -10}
    keys = [{"t": 0, "azimuth": 60, "distance": 2}, {"t": 1.5, "azimuth": -60, "distance": 2}]
    moving = render_array(one_source_scene(keys, duration=1.5, generator=tone, room=ROOM), None, RenderOptions(fmt=fmt))
    assert _splatter_db(moving, 1500.0) < -78.0
    clicked = moving.copy()
    clicked[:, 30000:] *= 0.9  # a 10 % step, as a switched filter would make
    assert _splatter_db(clicked, 1500.0) > -75.0


def test_late_tail_has_the_coherence_of_a_diffuse_field():
    from scipy.signal import coherence, fftconvolve

    from engine.audio.spatial.encoders import BinauralEncoder, MicArrayEncoder, diffuse_mixing_filters
    from engine.audio.spatial.sofa import load_hrtf

    noise = np.random.default_rng(0).standard_normal((4, 48000))

    def diffuse(encoder):
        mixing = diffuse_mixing_filters(encoder)
        return np.stack([sum(fftconvolve(noise[j], mixing[i, j], mode="same") for j in range(encoder.channels))
                         for i in range(encoder.channels)])

    def coherence_at(x, y, hz):  # magnitude-squared coherence
        freqs, value = coherence(x, y, fs=48000, nperseg=1024)
        return float(np.interp(hz, freqs, value))

    foa = diffuse(FoaEncoder())
    assert np.mean(foa ** 2, axis=1) == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3], rel=0.05)
    assert abs(np.corrcoef(foa)[0, 1:]).max() < 0.05
    ears = diffuse(BinauralEncoder(load_hrtf(None, 48000)))
    assert coherence_at(ears[0], ears[1], 100) > 0.6 and coherence_at(ears[0], ears[1], 3000) < 0.1
    mics = diffuse(MicArrayEncoder(48000))
    assert coherence_at(mics[0], mics[1], 300) > 0.6 and coherence_at(mics[0], mics[1], 6000) < 0.1
