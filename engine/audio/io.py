"""Reading and writing audio files for the audio rooms (soundscape, spatial).

``read_audio`` accepts any format libsndfile reads (WAV, FLAC, OGG, AIFF...), refuses what cannot be
used (not audio, empty, too short, NaN/inf samples) with a message naming the file and the fix,
reports clipping instead of hiding it, keeps every channel as ``(frames, channels)`` float64, and
resamples to a requested rate with soxr. ``write_audio`` writes atomically (temp file + os.replace).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

CLIP_THRESHOLD = 0.999


@dataclass(frozen=True)
class AudioClip:
    """Samples ``(frames, channels)`` in [-1, 1] full scale, their rate, and what was noticed reading them."""

    samples: np.ndarray
    sample_rate: int
    path: str = ""
    source_sample_rate: int = 0
    clipped_fraction: float = 0.0

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def clipped(self) -> bool:
        return self.clipped_fraction > 0.0

    def mono(self) -> np.ndarray:
        """The channels averaged into one signal ``(frames,)``."""
        return self.samples.mean(axis=1)


def check_samples(samples: np.ndarray, what: str) -> np.ndarray:
    """Return ``samples`` as float64 ``(frames, channels)``; refuse empty or non-finite audio."""
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] == 0:
        raise ValueError(f"{what}: expected audio shaped (frames, channels), got {data.shape}")
    if data.shape[0] == 0:
        raise ValueError(f"{what} is empty (0 samples); record or export it again")
    finite = np.isfinite(data)
    if not finite.all():
        bad = int(data.size - finite.sum())
        raise ValueError(
            f"{what} has {bad} NaN or infinite samples; repair or re-export the file (e.g. as 24-bit PCM)"
        )
    return data


def clipped_fraction(samples: np.ndarray) -> float:
    """Fraction of samples at or beyond full scale (a sign the recording was clipped)."""
    return float(np.mean(np.abs(samples) >= CLIP_THRESHOLD)) if samples.size else 0.0


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Resample ``(frames, channels)`` from ``source_rate`` to ``target_rate`` with soxr (very high quality)."""
    if source_rate == target_rate:
        return samples
    out = soxr.resample(np.ascontiguousarray(samples), source_rate, target_rate, quality="VHQ")
    return out.reshape(-1, samples.shape[1])


def read_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    min_duration_s: float = 0.0,
    what: str = "audio file",
) -> AudioClip:
    """Read ``path`` as ``(frames, channels)`` float64, resampled to ``sample_rate`` when given.

    Raises ``ValueError`` naming ``what`` and the file when it does not exist, is not audio, is empty,
    shorter than ``min_duration_s``, or holds NaN/inf samples. Clipping is reported in the clip.
    """
    p = Path(path)
    label = f"{what} {str(p)!r}"
    if not p.is_file():
        raise ValueError(f"{label} does not exist or is not a file; give the path of a WAV/FLAC/OGG file")
    try:
        data, rate = sf.read(str(p), dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise ValueError(
            f"{label} is not an audio file soundfile can read ({exc}); convert it to WAV or FLAC"
        ) from None
    data = check_samples(data, label)
    clip = clipped_fraction(data)
    duration = data.shape[0] / rate
    if duration < min_duration_s:
        raise ValueError(
            f"{label} lasts {duration:.2f} s, shorter than the {min_duration_s:.1f} s needed; use a longer recording"
        )
    target = int(sample_rate or rate)
    return AudioClip(
        samples=resample(data, int(rate), target),
        sample_rate=target,
        path=str(p),
        source_sample_rate=int(rate),
        clipped_fraction=clip,
    )


def write_audio(
    path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int, subtype: str | None = None
) -> Path:
    """Write ``samples`` atomically (temp file in the same folder, then os.replace); format from the suffix."""
    p = Path(path)
    data = check_samples(samples, f"audio for {str(p)!r}")
    suffix = p.suffix.lower().lstrip(".")
    major = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "aiff": "AIFF", "aif": "AIFF"}.get(suffix)
    if major is None:
        raise ValueError(f"output {str(p)!r}: unknown audio format {suffix!r}; use .wav, .flac, .ogg or .aiff")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=f".{suffix}", dir=str(p.parent))
    os.close(fd)
    try:
        sf.write(tmp, data, int(sample_rate), format=major, subtype=subtype)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
