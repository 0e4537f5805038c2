"""Waveform overviews: the min/max envelope of a sound file in fixed buckets, cached on disk.

An overview is read once per file version (path, size, mtime) in blocks (a long recording never sits in
memory whole), reduced to ``BUCKETS_PER_S`` (min, max) pairs per second of the mono sum, and kept as a
``.npz`` in the cache folder; drawing a clip at any zoom then reads only the overview, reduced by
``envelope`` to one (min, max) pair per pixel column of the part on screen.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

BUCKETS_PER_S = 200
BLOCK_FRAMES = 1 << 18


@dataclass
class Overview:
    minima: np.ndarray       # (buckets,) float32
    maxima: np.ndarray
    buckets_per_s: float
    duration_s: float
    channels: int
    sample_rate: int


def _key(path: Path) -> str:
    st = path.stat()
    return hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{BUCKETS_PER_S}".encode()).hexdigest()


def _compute(path: Path) -> Overview:
    info = sf.info(str(path))
    per_bucket = max(1, round(info.samplerate / BUCKETS_PER_S))
    mins, maxs = [], []
    carry = np.zeros(0, np.float32)
    for block in sf.blocks(str(path), blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
        mono = np.concatenate([carry, block.mean(axis=1)])
        whole = len(mono) // per_bucket * per_bucket
        shaped = mono[:whole].reshape(-1, per_bucket)
        mins.append(shaped.min(axis=1))
        maxs.append(shaped.max(axis=1))
        carry = mono[whole:]
    if len(carry):
        mins.append(carry.min(keepdims=True))
        maxs.append(carry.max(keepdims=True))
    empty = np.zeros(1, np.float32)
    return Overview(np.concatenate(mins) if mins else empty, np.concatenate(maxs) if maxs else empty,
                    info.samplerate / per_bucket, info.frames / info.samplerate, info.channels, info.samplerate)


def overview(path: Path | str, cache_dir: Path | None) -> Overview:
    """The overview of ``path``, from ``cache_dir`` when it is there, else computed and cached."""
    path = Path(path)
    if cache_dir is None:
        return _compute(path)
    cache = Path(cache_dir) / "waveforms" / f"{_key(path)}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return Overview(data["minima"], data["maxima"], float(data["bps"]), float(data["duration"]),
                            int(data["channels"]), int(data["rate"]))
    ov = _compute(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wave.", suffix=".npz", dir=cache.parent)
    os.close(fd)
    np.savez(tmp, minima=ov.minima, maxima=ov.maxima, bps=ov.buckets_per_s, duration=ov.duration_s,
             channels=ov.channels, rate=ov.sample_rate)
    os.replace(tmp, cache)
    return ov


def envelope(ov: Overview, offset_s: float, t0: float, t1: float, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """(minima, maxima) per column of a clip playing its source from the in-point ``offset_s``, for the clip's
    own times [``t0``, ``t1``) cut into ``columns`` equal columns; the source loops past its end, as in the mix."""
    columns = max(1, columns)
    first = int(np.floor((offset_s + t0) * ov.buckets_per_s))
    last = max(first + 1, int(np.ceil((offset_s + t1) * ov.buckets_per_s)))
    positions = np.arange(first, last) % len(ov.maxima)
    edges = np.floor(np.linspace(0, last - first, columns, endpoint=False)).astype(np.intp)
    return (np.minimum.reduceat(ov.minima[positions], edges), np.maximum.reduceat(ov.maxima[positions], edges))
