"""The renderers: sides, exactness, smoothness, distance, Doppler, source length, rates, streaming."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import fftconvolve

from engine.audio.analysis.doa import gcc_phat_delay
from engine.audio.spatial.foa_decode import decode_foa_to_binaural
from engine.audio.spatial.render import BLOCK, RenderOptions, SceneRenderer, render_array, render_to_file
from engine.audio.spatial.sofa import load_hrtf
from engine.audio.spatial.sources import SourceStream
from tests.spatial.helpers import level_db, one_source_scene, static

DRY = RenderOptions(air_absorption=False)


@pytest.mark.parametrize("side", [90.0, -90.0, 60.0, -120.0])
def test_binaural_left_is_left(side):
    out = render_array(one_source_scene(static(side), duration=0.5), None, DRY)
    louder = 0 if side > 0 else 1
    assert level_db(out[louder]) > level_db(out[1 - louder]) + 6
    itd = gcc_phat_delay(out[0], out[1], 48000)
    assert np.sign(itd) == np.sign(side) and abs(itd) > 300e-6


@pytest.mark.parametrize("fmt", ["stereo", "foa", "mic"])
def test_other_formats_put_a_left_source_on_the_left(fmt):
    out = render_array(one_source_scene(static(90.0), duration=0.3), None, RenderOptions(fmt=fmt, air_absorption=False))
    if fmt == "stereo":
        assert level_db(out[0]) > level_db(out[1]) + 20
    elif fmt == "foa":  # AmbiX ACN: W, Y, Z, X; Y follows sin(azimuth)
        assert np.corrcoef(out[0], out[1])[0, 1] > 0.99
        assert np.abs(out[3]).max() < 1e-3 * np.abs(out[0]).max()
    else:  # capsules 1 (az 45) and 4 (az -135) hear a left source first and last
        assert gcc_phat_delay(out[0], out[3], 48000) > 0


def test_static_binaural_render_is_exact_convolution_with_the_measured_hrir():
    scene = one_source_scene(static(30.0), duration=0.5)
    out = render_array(scene, None, DRY)
    dry = SourceStream(scene.sources[0], 48000, None).read(out.shape[1])
    hrtf = load_hrtf(None, 48000)
    hrir = hrtf.irs[hrtf.nearest(np.array([30.0]), np.array([0.0]))[0]]
    expected = np.stack([fftconvolve(dry, hrir[ear])[:out.shape[1]] for ear in range(2)])
    assert np.max(np.abs(out - expected)) < 1e-4 * np.max(np.abs(expected))


def _max_jump(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x, axis=-1))))


@pytest.mark.parametrize("fmt", ["binaural", "foa"])
def test_a_moving_tone_has_no_clicks(fmt):
    tone = {"kind": "tone", "frequency": 500.0, "level_db": -10}
    options = RenderOptions(fmt=fmt, air_absorption=False)
    still = render_array(one_source_scene(static(90.0), duration=2.0, generator=tone), None, options)
    moving = render_array(one_source_scene([{"t": 0, "azimuth": 90}, {"t": 2, "azimuth": -90}], duration=2.0,
                                           generator=tone), None, options)
    assert _max_jump(moving[:, 100:]) <= 1.2 * _max_jump(still[:, 100:])


def test_distance_gain_is_inverse_distance():
    near = render_array(one_source_scene(static(0.0, distance=2.0), duration=0.3), None, DRY)
    far = render_array(one_source_scene(static(0.0, distance=4.0), duration=0.3), None, DRY)
    assert level_db(near) - level_db(far) == pytest.approx(6.02, abs=0.05)


def test_air_absorption_darkens_far_sources_only_at_high_frequencies():
    scene = one_source_scene(static(0.0, distance=50.0), duration=0.5, generator={"kind": "white"})
    wet = render_array(scene, None, RenderOptions(fmt="foa"))[0]
    dry = render_array(scene, None, RenderOptions(fmt="foa", air_absorption=False))[0]
    spectrum = lambda x: np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(wet), 1 / 48000)
    ratio = lambda lo, hi: 10 * np.log10(spectrum(wet)[(freqs > lo) & (freqs < hi)].sum()
                                         / spectrum(dry)[(freqs > lo) & (freqs < hi)].sum())
    assert ratio(100, 500) > -0.2
    assert ratio(10000, 16000) < -3


def test_doppler_raises_the_pitch_of_an_approaching_source_and_lowers_a_receding_one():
    tone = {"kind": "tone", "frequency": 1000.0}
    keys = [{"t": 0, "azimuth": 0, "distance": 60}, {"t": 1, "azimuth": 0, "distance": 1},
            {"t": 2, "azimuth": 0, "distance": 60}]
    out = render_array(one_source_scene(keys, duration=2.0, generator=tone), None,
                       RenderOptions(fmt="foa", doppler=True, air_absorption=False))[0]

    def pitch(x):
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), 8 * len(x)))
        return np.argmax(spec) * 48000 / (8 * len(x))

    approaching, receding = pitch(out[9600:19200]), pitch(out[76800:86400])
    # log-distance keyframes: radial speed d ln 60 per s, 61..107 m/s in these windows; f' = f (1 - d'/c)
    assert 1150 < approaching < 1350 and 650 < receding < 850


def test_sources_shorter_longer_and_late_are_fitted_to_the_scene(tmp_path):
    sf.write(tmp_path / "short.wav", np.full(4800, 0.5, dtype=np.float32), 48000)  # 0.1 s
    base = one_source_scene(static(0.0), duration=0.5)
    src = base.sources[0].model_dump(exclude_none=True)
    src.pop("generator")
    padded = base.model_copy(update={"sources": [base.sources[0].model_validate({**src, "audio": "short.wav"})]})
    looped = base.model_copy(update={"sources": [base.sources[0].model_validate({**src, "audio": "short.wav", "fit": "loop"})]})
    late = base.model_copy(update={"sources": [base.sources[0].model_validate({**src, "audio": "short.wav", "start": 0.3})]})
    w_pad = render_array(padded, tmp_path, RenderOptions(fmt="foa", air_absorption=False))[0]
    w_loop = render_array(looped, tmp_path, RenderOptions(fmt="foa", air_absorption=False))[0]
    w_late = render_array(late, tmp_path, RenderOptions(fmt="foa", air_absorption=False))[0]
    assert w_pad.shape == (24000,) and w_loop.shape == (24000,)
    assert np.abs(w_pad[:4700]).min() > 0.4 and np.abs(w_pad[5000:]).max() < 1e-3
    assert np.abs(w_loop[100:23900]).min() > 0.4
    assert np.abs(w_late[:14300]).max() < 1e-3 and np.abs(w_late[14500:19000]).min() > 0.4
    long = base.model_copy(update={"duration": 0.05, "sources": [base.sources[0].model_validate({**src, "audio": "short.wav"})]})
    assert render_array(long, tmp_path, DRY).shape == (2, 2400)


def test_any_input_rate_becomes_the_scene_rate(tmp_path):
    t = np.arange(11025) / 11025
    sf.write(tmp_path / "tone.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 11025)
    scene = one_source_scene(static(0.0), duration=1.0, sample_rate=44100)
    src = scene.sources[0].model_dump(exclude_none=True)
    src.pop("generator")
    scene = scene.model_copy(update={"sources": [scene.sources[0].model_validate({**src, "audio": "tone.wav"})]})
    w = render_array(scene, tmp_path, RenderOptions(fmt="foa", air_absorption=False))[0]
    assert w.shape == (44100,)
    spec = np.abs(np.fft.rfft(w[4410:40000]))
    assert np.argmax(spec) * 44100 / len(w[4410:40000]) == pytest.approx(440, abs=2)


def test_long_scenes_stream_in_bounded_blocks_to_an_atomic_file(tmp_path):
    scene = one_source_scene([{"t": 0, "azimuth": 0}, {"t": 4, "azimuth": 180}], duration=4.0)
    renderer = SceneRenderer(scene, None, RenderOptions(fmt="foa"))
    blocks = list(renderer.blocks())
    assert len(blocks) > 2 and max(b.shape[1] for b in blocks) <= BLOCK
    info = render_to_file(scene, None, RenderOptions(fmt="foa"), tmp_path / "out.wav")
    data, rate = sf.read(tmp_path / "out.wav", always_2d=True)
    assert rate == 48000 and data.shape == (4 * 48000, 4) and info["channels"] == 4
    assert np.allclose(data.T, np.concatenate(blocks, axis=1), atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_same_seed_same_output():
    scene = one_source_scene(static(20.0), duration=0.3, room={"dimensions": [5, 4, 3], "listener": [2, 2, 1.5], "rt60": 0.3})
    a = render_array(scene, None, RenderOptions(fmt="binaural", seed=3))
    b = render_array(scene, None, RenderOptions(fmt="binaural", seed=3))
    assert np.array_equal(a, b)


def test_foa_decoded_to_binaural_keeps_the_side():
    foa = render_array(one_source_scene(static(90.0), duration=0.5), None, RenderOptions(fmt="foa"))
    ears = decode_foa_to_binaural(foa, load_hrtf(None, 48000))
    assert ears.shape == (2, foa.shape[1])
    assert level_db(ears[0]) > level_db(ears[1]) + 3


def test_mic_array_capsules_sit_on_a_rigid_sphere():
    from engine.audio.spatial.encoders import MicArrayEncoder, rigid_sphere_response

    # low frequencies: unity gain, phase differences 1.5x the free field's; high: +6 dB facing the wave
    low = rigid_sphere_response(np.array([1.0, -1.0]), np.array([0.05]))[:, 0]
    assert np.abs(low) == pytest.approx([1.0, 1.0], abs=1e-3)
    assert np.angle(low) == pytest.approx([0.075, -0.075], rel=0.02)
    high = rigid_sphere_response(np.array([1.0]), np.array([20.0]))[0, 0]
    assert 20 * np.log10(abs(high)) == pytest.approx(6.0, abs=0.5)
    # a source toward capsule 1 (azimuth 45, elevation 35): it gets the most treble; the other three sit
    # symmetrically at 109.5 degrees in its shadow
    out = render_array(one_source_scene(static(45.0, 35.0), duration=0.3, generator={"kind": "white"}), None,
                       RenderOptions(fmt="mic", air_absorption=False))
    treble = [level_db(np.diff(ch, 2)) for ch in out]  # second difference: a steep high-pass
    assert treble[0] > max(treble[1:]) + 3 and np.ptp(treble[1:]) < 0.5
    free = MicArrayEncoder(48000, rigid_sphere=False).spectra(np.array([45.0]), np.array([35.0]), 512)
    assert np.allclose(np.abs(free), 1.0)


def test_foa_binaural_format_streams_the_decode_and_matches_the_offline_decode():
    scene = one_source_scene([{"t": 0, "azimuth": 80}, {"t": 3, "azimuth": -80}], duration=3.0)
    streamed = render_array(scene, None, RenderOptions(fmt="foa_binaural"))
    foa = render_array(scene, None, RenderOptions(fmt="foa"))
    offline = decode_foa_to_binaural(foa, load_hrtf(None, 48000))
    assert streamed.shape == (2, 3 * 48000)
    assert np.allclose(streamed, offline, atol=1e-5)
    first, last = streamed[:, :24000], streamed[:, -24000:]
    assert level_db(first[0]) > level_db(first[1]) + 3 and level_db(last[1]) > level_db(last[0]) + 3


def test_directions_the_hrtf_set_lacks_are_reported(tmp_path):
    scene = one_source_scene(static(0.0, elevation=-70.0), duration=0.1)
    info = render_to_file(scene, None, RenderOptions(), tmp_path / "low.wav")
    assert "below elevation -40" in info["warnings"][0]
    assert render_to_file(scene, None, RenderOptions(fmt="foa"), tmp_path / "foa.wav")["warnings"] == []


def test_a_masker_from_the_bank_is_a_source():
    scene = one_source_scene(static(45.0), duration=0.5).model_dump()
    scene["sources"][0] = {"name": "water", "masker": "fountain", "fit": "loop", "trajectory": static(45.0)}
    from engine.audio.spatial.spec import Scene

    out = render_array(Scene.model_validate(scene), None, RenderOptions(fmt="foa"))
    assert level_db(out[0]) > -60
    scene["sources"][0]["masker"] = "no_such_masker"
    with pytest.raises(ValueError, match="not in the masker bank; known: .*fountain"):
        render_array(Scene.model_validate(scene), None, RenderOptions(fmt="foa"))
