"""Band-power features of audio files, computed once and cached on disk by content hash.

A file's features are its mono (channel-averaged) third-octave band powers over time at 0 dB gain,
through ISO 532-1's filter bank at 48 kHz (``bands``): 5 ms pieces of 25 ms sub-frames within each
analysis frame, so that loudness can follow short events as ISO 532-1's time-varying loudness does
(``indicators``) while levels use the frame means. The cache key is the SHA-256 of the file's bytes plus the frame length and
the analysis version, so a renamed file hits the cache and an edited file does not.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio.io import AudioClip, read_audio, resample
from engine.audio.soundscape.bands import BAND_RATE, ENVELOPE_RATE, band_powers, subframe_samples

ANALYSIS_RATE = BAND_RATE
ANALYSIS_VERSION = 4
DEFAULT_FRAME_S = 0.25


@dataclass(frozen=True)
class BandFeatures:
    """Band powers ``(frames, subframes, pieces, 28)`` (digital mean square at 0 dB) of one recording."""

    powers: np.ndarray
    frame_s: float
    duration_s: float
    clipped_fraction: float = 0.0
    channels: int = 1

    @property
    def subframe_s(self) -> float:
        """Duration of one sub-frame in seconds."""
        return subframe_samples(self.frame_s)[1] / ENVELOPE_RATE


def cache_root() -> Path:
    """``$NOISELOOM_CACHE_DIR``, else ``~/.cache/noiseloom``."""
    return Path(os.environ.get("NOISELOOM_CACHE_DIR") or Path.home() / ".cache" / "noiseloom")


def default_cache_dir() -> Path:
    """``soundscape-features`` in the cache root."""
    return cache_root() / "soundscape-features"


def file_hash(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def features_of_clip(clip: AudioClip, frame_s: float = DEFAULT_FRAME_S) -> BandFeatures:
    """Compute the band-power features of ``clip`` (resampled to the analysis rate if needed)."""
    samples = resample(clip.samples, clip.sample_rate, ANALYSIS_RATE)
    return BandFeatures(
        powers=band_powers(samples.mean(axis=1), frame_s).astype(np.float32),
        frame_s=frame_s,
        duration_s=clip.duration_s,
        clipped_fraction=clip.clipped_fraction,
        channels=clip.channels,
    )


def features_of_file(
    path: str | os.PathLike[str],
    frame_s: float = DEFAULT_FRAME_S,
    cache_dir: str | os.PathLike[str] | None = None,
    min_duration_s: float = 1.0,
    what: str = "audio file",
) -> BandFeatures:
    """Features of the file at ``path``, from the cache when present, else computed and cached."""
    if not Path(path).is_file():
        raise ValueError(f"{what} {str(path)!r} does not exist or is not a file")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = f"{file_hash(path)}-f{frame_s:g}-v{ANALYSIS_VERSION}.npz"
    entry = cache / key
    if entry.is_file():
        with np.load(entry) as z:
            return BandFeatures(
                powers=z["powers"], frame_s=float(z["frame_s"]), duration_s=float(z["duration_s"]),
                clipped_fraction=float(z["clipped_fraction"]), channels=int(z["channels"]),
            )
    clip = read_audio(path, sample_rate=ANALYSIS_RATE, min_duration_s=min_duration_s, what=what)
    feats = features_of_clip(clip, frame_s)
    buffer = io.BytesIO()
    np.savez(buffer, powers=feats.powers, frame_s=frame_s, duration_s=feats.duration_s,
             clipped_fraction=feats.clipped_fraction, channels=feats.channels)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".feat.", suffix=".npz", dir=str(cache))
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, entry)
    return feats
