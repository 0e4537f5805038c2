"""Measured head-related impulse responses from SOFA files (AES69 ``SimpleFreeFieldHRIR``, read with h5py).

The default set is MIT KEMAR (normal pinna), shipped in ``resources/hrtf/`` - cite Gardner and Martin
(1994) when using it, see ``resources/hrtf/NOTICE.md``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import h5py
import numpy as np
import soxr

from engine.audio.spatial.trajectory import unit_vectors
from engine.resources import resource_path

DEFAULT_SOFA_NAME = "MIT_KEMAR_normal_pinna.sofa"
SUPPORTED_CONVENTION = "SimpleFreeFieldHRIR"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return value.tobytes().decode("utf-8", "replace")
    return str(value) if value is not None else ""


class HrtfSet:
    """HRIRs of one listener: ``irs`` (directions, 2 ears [left, right], taps) at ``sample_rate``."""

    def __init__(self, irs: np.ndarray, directions: np.ndarray, sample_rate: int, name: str):
        self.irs = np.ascontiguousarray(irs, dtype=np.float32)
        self.directions = np.asarray(directions, dtype=float)  # (n, 2) azimuth, elevation in degrees
        self.vectors = unit_vectors(self.directions[:, 0], self.directions[:, 1])
        self.sample_rate = int(sample_rate)
        self.name = name

    @property
    def taps(self) -> int:
        return self.irs.shape[-1]

    def nearest(self, azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
        """Index of the measured direction nearest to each requested direction."""
        wanted = unit_vectors(np.atleast_1d(azimuth), np.atleast_1d(elevation))
        return np.argmax(wanted @ self.vectors.T, axis=-1)

    def truncated(self, taps: int, fade: int = 32) -> HrtfSet:
        """The first ``taps`` samples of every HRIR, faded out over the last ``fade`` (for reflections)."""
        if taps >= self.taps:
            return self
        window = np.ones(taps)
        window[-fade:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(1, fade + 1) / fade)
        return HrtfSet(self.irs[..., :taps] * window, self.directions, self.sample_rate, self.name)

    def resampled(self, sample_rate: int) -> HrtfSet:
        """The same set at another sample rate (soxr, very high quality)."""
        if sample_rate == self.sample_rate:
            return self
        n, ears, taps = self.irs.shape
        flat = self.irs.reshape(n * ears, taps).T.astype(np.float64)
        out = soxr.resample(flat, self.sample_rate, sample_rate, quality="VHQ")
        # a filter's taps scale with the rate so that its frequency response stays the same
        irs = (out.T * (self.sample_rate / sample_rate)).reshape(n, ears, -1)
        return HrtfSet(irs, self.directions, sample_rate, self.name)


def read_sofa(path: str | Path) -> HrtfSet:
    """Read a SOFA ``SimpleFreeFieldHRIR`` file; other conventions are refused with an explanation."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"hrtf: no SOFA file at {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"hrtf: {path} is not a SOFA (HDF5/netCDF-4) file: {exc}") from None
    with f:
        convention = _text(f.attrs.get("SOFAConventions"))
        if convention != SUPPORTED_CONVENTION:
            raise ValueError(
                f"hrtf: {path.name} follows the SOFA convention {convention or '(none)'!r}; NoiseLoom renders "
                f"with {SUPPORTED_CONVENTION!r} files (free-field HRIRs: Data.IR of M directions x 2 ears x N "
                "taps with SourcePosition). Convert it (e.g. with the SOFA toolbox) or pick another file")
        for needed in ("Data.IR", "SourcePosition", "Data.SamplingRate"):
            if needed not in f:
                raise ValueError(f"hrtf: {path.name} lacks the variable {needed!r} that {SUPPORTED_CONVENTION} requires")
        irs = np.asarray(f["Data.IR"], dtype=np.float64)
        positions = np.asarray(f["SourcePosition"], dtype=np.float64)
        position_type = _text(f["SourcePosition"].attrs.get("Type", b"spherical")).lower()
        rate = float(np.asarray(f["Data.SamplingRate"]).ravel()[0])
        if irs.ndim != 3 or irs.shape[1] != 2:
            raise ValueError(f"hrtf: {path.name} has Data.IR of shape {irs.shape}; expected (M, 2 ears, N)")
        if "Data.Delay" in f:
            delays = np.broadcast_to(np.asarray(f["Data.Delay"], dtype=float), (irs.shape[0], 2))
            if np.any(delays != 0):
                irs = _apply_delays(irs, np.rint(delays).astype(int))
    if position_type.startswith("cartesian"):
        x, y, z = positions[:, 0], positions[:, 1], positions[:, 2]
        directions = np.stack([np.degrees(np.arctan2(y, x)), np.degrees(np.arctan2(z, np.hypot(x, y)))], axis=1)
    else:
        directions = positions[:, :2]
    return HrtfSet(irs, directions, int(round(rate)), path.stem)


def _apply_delays(irs: np.ndarray, delays: np.ndarray) -> np.ndarray:
    out = np.zeros((irs.shape[0], 2, irs.shape[2] + int(delays.max())))
    for m in range(irs.shape[0]):
        for ear in range(2):
            d = delays[m, ear]
            out[m, ear, d:d + irs.shape[2]] = irs[m, ear]
    return out


def default_sofa() -> Path:
    """The shipped MIT KEMAR set in the resources folder."""
    return resource_path("hrtf", DEFAULT_SOFA_NAME)


@lru_cache(maxsize=4)
def load_hrtf(path: str | None, sample_rate: int) -> HrtfSet:
    """The HRTF set at ``path`` (default MIT KEMAR) resampled to ``sample_rate``; cached."""
    return read_sofa(path or default_sofa()).resampled(sample_rate)
