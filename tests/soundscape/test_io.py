"""Reading audio: formats, rates, channels, and the errors a user can cause."""

import numpy as np
import pytest
import soundfile as sf

from engine.audio.io import read_audio, write_audio


def test_reads_and_resamples_any_rate_and_channels(tmp_path):
    fs = 22050
    t = np.arange(fs) / fs
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    sf.write(tmp_path / "mono.wav", tone, fs)
    sf.write(tmp_path / "quad.flac", np.stack([tone] * 4, axis=1), fs)
    clip = read_audio(tmp_path / "mono.wav", sample_rate=44100)
    assert clip.sample_rate == 44100 and clip.source_sample_rate == fs
    assert clip.samples.shape == (44100, 1)
    assert np.sqrt(np.mean(clip.samples[1000:-1000] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    quad = read_audio(tmp_path / "quad.flac")
    assert quad.channels == 4 and quad.mono().shape == (fs,)
    assert not quad.clipped


def test_clipping_is_reported_not_refused(tmp_path):
    x = np.clip(1.5 * np.sin(np.linspace(0, 200, 44100)), -1, 1)
    sf.write(tmp_path / "hot.wav", x, 44100)
    clip = read_audio(tmp_path / "hot.wav")
    assert clip.clipped and 0.1 < clip.clipped_fraction < 0.9


def test_bad_files_get_clear_errors(tmp_path):
    (tmp_path / "fake.wav").write_text("hello")
    with pytest.raises(ValueError, match="not an audio file"):
        read_audio(tmp_path / "fake.wav", what="soundscape")
    with pytest.raises(ValueError, match="does not exist"):
        read_audio(tmp_path / "missing.flac")
    sf.write(tmp_path / "empty.wav", np.zeros((0, 1)), 44100)
    with pytest.raises(ValueError, match="empty"):
        read_audio(tmp_path / "empty.wav")
    sf.write(tmp_path / "short.wav", np.zeros(441), 44100)
    with pytest.raises(ValueError, match="shorter than"):
        read_audio(tmp_path / "short.wav", min_duration_s=1.0)
    bad = np.zeros(1000, dtype=np.float32)
    bad[10] = np.nan
    sf.write(tmp_path / "nan.wav", bad, 44100, subtype="FLOAT")
    with pytest.raises(ValueError, match="NaN or infinite"):
        read_audio(tmp_path / "nan.wav")


def test_write_is_atomic_and_checks_format(tmp_path):
    out = write_audio(tmp_path / "a.flac", np.zeros((100, 2)), 44100)
    assert sf.info(str(out)).channels == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac"]
    with pytest.raises(ValueError, match="unknown audio format"):
        write_audio(tmp_path / "a.mp9", np.zeros(10), 44100)
