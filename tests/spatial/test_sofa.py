"""Reading SOFA HRTF sets with h5py; other conventions are explained."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine.audio.spatial.sofa import default_sofa, read_sofa


def test_kemar_set_reads_with_its_conventions():
    hrtf = read_sofa(default_sofa())
    assert hrtf.irs.shape == (710, 2, 512) and hrtf.sample_rate == 44100
    left = hrtf.nearest(np.array([90.0]), np.array([0.0]))[0]
    assert tuple(hrtf.directions[left]) == (90.0, 0.0)
    # SOFA azimuth is counter-clockwise like ours: at +90 the left ear (index 0) is louder
    energy = np.sum(hrtf.irs[left] ** 2, axis=-1)
    assert energy[0] > 4 * energy[1]
    assert (default_sofa().parent / "NOTICE.md").read_text().count("Gardner") >= 1


def test_resampling_keeps_the_frequency_response():
    hrtf = read_sofa(default_sofa())
    up = hrtf.resampled(48000)
    i = 100
    for ear in range(2):
        a = np.abs(np.fft.rfft(hrtf.irs[i, ear], 44100))[200:10000]
        b = np.abs(np.fft.rfft(up.irs[i, ear], 48000))[200:10000]
        assert np.max(np.abs(20 * np.log10((b + 1e-9) / (a + 1e-9)))[a > 1e-2 * a.max()]) < 0.5


def _write_sofa(path, convention: str, cartesian: bool = False):
    with h5py.File(path, "w") as f:
        f.attrs["Conventions"] = np.bytes_(b"SOFA")
        f.attrs["SOFAConventions"] = np.bytes_(convention.encode())
        f["Data.IR"] = np.zeros((2, 2, 8))
        f["Data.IR"][0, 0, 0] = 1.0
        f["Data.SamplingRate"] = np.array([48000.0])
        pos = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]) if cartesian else np.array([[90.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
        f["SourcePosition"] = pos
        f["SourcePosition"].attrs["Type"] = np.bytes_(b"cartesian" if cartesian else b"spherical")


def test_other_conventions_are_refused_with_an_explanation(tmp_path):
    _write_sofa(tmp_path / "room.sofa", "SingleRoomDRIR")
    with pytest.raises(ValueError, match="SingleRoomDRIR.*SimpleFreeFieldHRIR"):
        read_sofa(tmp_path / "room.sofa")
    (tmp_path / "fake.sofa").write_text("not hdf5")
    with pytest.raises(ValueError, match="not a SOFA"):
        read_sofa(tmp_path / "fake.sofa")
    with pytest.raises(ValueError, match="no SOFA file"):
        read_sofa(tmp_path / "missing.sofa")


def test_any_simple_free_field_file_loads_with_cartesian_positions(tmp_path):
    _write_sofa(tmp_path / "mine.sofa", "SimpleFreeFieldHRIR", cartesian=True)
    hrtf = read_sofa(tmp_path / "mine.sofa")
    assert hrtf.directions[0] == pytest.approx([90.0, 0.0]) and hrtf.sample_rate == 48000


def test_truncation_for_reflections_keeps_most_energy():
    hrtf = read_sofa(default_sofa()).resampled(48000)
    short = hrtf.truncated(256)
    assert short.taps == 256
    kept = np.sum(short.irs.astype(float) ** 2, axis=-1) / np.sum(hrtf.irs.astype(float) ** 2, axis=-1)
    assert kept.min() > 0.9
