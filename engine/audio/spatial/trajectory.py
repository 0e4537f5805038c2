"""Where each source is at any time: keyframe interpolation (rules in ``engine.audio.spatial.spec``)."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from engine.audio.spatial.spec import Source


def _unwrapped_azimuths(azimuths: np.ndarray) -> np.ndarray:
    """Azimuth keyframes made continuous along the shorter arc; a half turn goes through the front."""
    out = [float(azimuths[0])]
    for target in azimuths[1:]:
        step = (target - out[-1] + 180.0) % 360.0 - 180.0
        if abs(abs(step) - 180.0) < 1e-9:
            current = (out[-1] + 180.0) % 360.0 - 180.0
            step = -180.0 if current > 0 else 180.0
        out.append(out[-1] + step)
    return np.asarray(out)


class Trajectory:
    """A source's path: ``at(times)`` gives azimuth and elevation in degrees and distance in metres."""

    def __init__(self, source: Source):
        keys = source.trajectory
        self.times = np.array([k.t for k in keys], dtype=float)
        self._values = np.stack([
            _unwrapped_azimuths(np.array([k.azimuth for k in keys])),
            np.array([k.elevation for k in keys]),
            np.log(np.array([k.distance for k in keys])),
        ])
        self._smooth = None
        if source.interpolation == "smooth" and len(keys) > 1:
            self._smooth = PchipInterpolator(self.times, self._values, axis=1)

    def at(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(azimuth wrapped to (-180, 180], elevation, distance) at each time in seconds."""
        times = np.clip(np.asarray(times, dtype=float), self.times[0], self.times[-1])
        if len(self.times) == 1:
            values = np.repeat(self._values, times.size, axis=1)
        elif self._smooth is not None:
            values = self._smooth(times)
        else:
            values = np.stack([np.interp(times, self.times, row) for row in self._values])
        azimuth = (values[0] + 180.0) % 360.0 - 180.0
        azimuth[azimuth == -180.0] = 180.0
        return azimuth, values[1], np.exp(values[2])


def unit_vectors(azimuth_deg: np.ndarray, elevation_deg: np.ndarray) -> np.ndarray:
    """Unit direction vectors (..., 3) with x front, y left, z up."""
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    return np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1)


def directions_of(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(azimuth, elevation) in degrees of vectors (..., 3)."""
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    return np.degrees(np.arctan2(y, x)), np.degrees(np.arctan2(z, np.hypot(x, y)))
