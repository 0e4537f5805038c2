"""Mixing a masker into a soundscape as waveforms (for rendering and for the reference check).

The masker is resampled to the soundscape's rate, looped or trimmed to its length, and added at
``gain_db`` to every channel (a mono masker to all channels; a masker with the same channel count
channel by channel; otherwise its mono downmix). Nothing is normalised silently: if the sum would
clip, ``mix`` scales the whole mix down and says by how much.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.audio.io import AudioClip, resample

PEAK_LIMIT = 0.999


def looped(samples: np.ndarray, frames: int) -> np.ndarray:
    """``samples`` (n, ch) repeated or trimmed to ``frames`` frames."""
    reps = -(-frames // samples.shape[0])
    return np.tile(samples, (reps, 1))[:frames]


@dataclass(frozen=True)
class Mix:
    samples: np.ndarray
    sample_rate: int
    scaled_db: float  # gain applied to the whole mix to avoid clipping (0 when none was needed)


def masker_track(soundscape: AudioClip, masker: AudioClip) -> np.ndarray:
    """The masker at 0 dB as it will be added: soundscape's rate, length and channel count."""
    m = resample(masker.samples, masker.sample_rate, soundscape.sample_rate)
    if m.shape[1] != soundscape.channels:
        m = m.mean(axis=1, keepdims=True)
    m = looped(m, soundscape.samples.shape[0])
    return np.broadcast_to(m, soundscape.samples.shape)


def mix(soundscape: AudioClip, masker: AudioClip, gain_db: float, avoid_clipping: bool = True) -> Mix:
    """Soundscape plus masker at ``gain_db`` (relative to the masker file's own level)."""
    out = soundscape.samples + 10.0 ** (gain_db / 20.0) * masker_track(soundscape, masker)
    peak = float(np.max(np.abs(out)))
    scaled = 0.0
    if avoid_clipping and peak > PEAK_LIMIT:
        scaled = 20.0 * np.log10(PEAK_LIMIT / peak)
        out = out * (PEAK_LIMIT / peak)
    return Mix(samples=out, sample_rate=soundscape.sample_rate, scaled_db=scaled)
