"""Spatial encoders: the transfer function from a direction to each output channel of a format.

An encoder gives, for directions (azimuth, elevation in degrees), frequency responses on an rfft grid of
``nfft`` points, shape (directions, channels, bins) - or (directions, channels, 1) when the response is
flat. The renderers multiply frames of source audio by them (``engine.audio.spatial.framefilter``) and the
room model places them at the delays of image sources (``engine.audio.spatial.room``).

- ``BinauralEncoder``: measured HRIRs (nearest measured direction), 2 channels (left, right).
- ``FoaEncoder``: first-order Ambisonics, AmbiX: ACN channel order (W, Y, Z, X), SN3D normalisation.
- ``StereoEncoder``: constant-power panning by the lateral angle, optional Woodworth time difference.
- ``MicArrayEncoder``: the tetrahedral array of the DCASE/STARSS MIC format (four capsules of the
  Eigenmike em32 at 4.2 cm radius) on a rigid sphere (plane-wave scattering, spherical-harmonic series),
  or as omnidirectional capsules in the free field.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from scipy.special import eval_legendre, spherical_jn, spherical_yn

from engine.audio.spatial.propagation import SPEED_OF_SOUND
from engine.audio.spatial.sofa import HrtfSet
from engine.audio.spatial.trajectory import unit_vectors

TETRA_CAPSULES_DEG = np.array([[45.0, 35.0], [-45.0, -35.0], [135.0, -35.0], [-135.0, 35.0]])
TETRA_RADIUS_M = 0.042
HEAD_RADIUS_M = 0.0875
REFLECTION_HRIR_S = 0.0053  # reflections use the first 5.3 ms of each HRIR


def delay_spectra(delays_samples: np.ndarray, nfft: int) -> np.ndarray:
    """exp(-j w d) for delays (...) in samples on an rfft grid: (..., bins) complex64.

    Built as powers of the first bin's phasor (a running product in double precision: far cheaper
    than a complex exponential per bin, and exact to ~1e-13 over a few thousand bins).
    """
    delays = np.asarray(delays_samples, dtype=float)
    steps = np.empty((*delays.shape, nfft // 2 + 1), dtype=np.complex128)
    steps[..., 0] = 1.0
    steps[..., 1:] = np.exp(-2j * np.pi * delays / nfft)[..., None]
    return np.cumprod(steps, axis=-1).astype(np.complex64)


class Encoder(ABC):
    """Base: a format's channels and its responses to directions."""

    name = ""
    channels = 0
    taps = 1  # length of the impulse responses in samples (sizes the FFT)

    @abstractmethod
    def spectra(self, azimuth: np.ndarray, elevation: np.ndarray, nfft: int) -> np.ndarray:
        """Responses (n, channels, nfft // 2 + 1) to n directions; a last axis of 1 for flat gains."""

    def for_reflections(self) -> Encoder:
        """The encoder that room reflections use (a cheaper one where the difference is inaudible)."""
        return self


class BinauralEncoder(Encoder):
    name = "binaural"
    channels = 2

    def __init__(self, hrtf: HrtfSet):
        self.hrtf = hrtf
        self.taps = hrtf.taps
        self._tables: dict[int, np.ndarray] = {}

    def for_reflections(self) -> Encoder:
        """HRIRs cut to their first ~5 ms (>= 93 % of the energy for KEMAR): half the cost per reflection."""
        return BinauralEncoder(self.hrtf.truncated(int(round(REFLECTION_HRIR_S * self.hrtf.sample_rate))))

    def table(self, nfft: int) -> np.ndarray:
        """HRTFs of all measured directions on an nfft grid: (directions, 2, bins) complex64."""
        if nfft not in self._tables:
            self._tables[nfft] = np.fft.rfft(self.hrtf.irs, nfft, axis=-1).astype(np.complex64)
        return self._tables[nfft]

    def spectra(self, azimuth: np.ndarray, elevation: np.ndarray, nfft: int) -> np.ndarray:
        return self.table(nfft)[self.hrtf.nearest(azimuth, elevation)]


class FoaEncoder(Encoder):
    name = "foa"
    channels = 4

    @staticmethod
    def gains(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
        """AmbiX (ACN, SN3D) gains (n, 4): W, Y, Z, X."""
        az, el = np.radians(np.atleast_1d(azimuth)), np.radians(np.atleast_1d(elevation))
        return np.stack([np.ones_like(az), np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], axis=-1)

    def spectra(self, azimuth: np.ndarray, elevation: np.ndarray, nfft: int) -> np.ndarray:
        return self.gains(azimuth, elevation)[..., None].astype(np.complex64)


class StereoEncoder(Encoder):
    name = "stereo"
    channels = 2

    def __init__(self, sample_rate: int, itd: bool = True):
        self.sample_rate = sample_rate
        self.itd = itd
        self.taps = int(np.ceil(2 * HEAD_RADIUS_M / SPEED_OF_SOUND * sample_rate)) + 2

    @staticmethod
    def pan_gains(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
        """Constant-power (sin/cos) gains (n, 2) by the lateral position: left for 90, right for -90."""
        lateral = unit_vectors(np.atleast_1d(azimuth), np.atleast_1d(elevation))[..., 1]
        theta = (1.0 - lateral) * np.pi / 4.0
        return np.stack([np.cos(theta), np.sin(theta)], axis=-1)

    def delays(self, azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
        """Per-channel delays (n, 2) in samples: the far ear lags by Woodworth's spherical-head ITD."""
        lateral = np.arcsin(np.clip(unit_vectors(np.atleast_1d(azimuth), np.atleast_1d(elevation))[..., 1], -1, 1))
        itd = HEAD_RADIUS_M / SPEED_OF_SOUND * (lateral + np.sin(lateral)) * self.sample_rate
        return np.stack([np.maximum(-itd, 0.0), np.maximum(itd, 0.0)], axis=-1)

    def spectra(self, azimuth: np.ndarray, elevation: np.ndarray, nfft: int) -> np.ndarray:
        gains = self.pan_gains(azimuth, elevation).astype(np.complex64)
        if not self.itd:
            return gains[..., None]
        return gains[..., None] * delay_spectra(self.delays(azimuth, elevation), nfft)


def rigid_sphere_response(cos_angle: np.ndarray, ka: np.ndarray) -> np.ndarray:
    """Pressure on a rigid sphere's surface for a unit plane wave, (angles, frequencies) complex.

    ``cos_angle``: cosine of the angle between the point and the direction the wave comes from; ``ka``:
    wavenumber times radius. The series sum over n of (2n + 1) (-i)^n i / ((ka)^2 h_n'(ka)) P_n(cos)
    (Wronskian form, e^{-iwt} convention), conjugated to the e^{+jwt} convention of numpy's FFT.
    """
    ka = np.asarray(ka, dtype=float)
    orders = np.arange(int(np.ceil(ka.max(initial=0.0))) + 12)
    x = np.maximum(ka, 1e-6)[None, :]
    n = orders[:, None]
    h_prime = spherical_jn(n, x, derivative=True) + 1j * spherical_yn(n, x, derivative=True)
    coefficients = (2 * n + 1) * (-1j) ** n * 1j / (x ** 2 * h_prime)
    legendre = np.stack([eval_legendre(k, np.asarray(cos_angle, dtype=float)) for k in orders])
    response = np.conj(legendre.T @ coefficients)
    response[:, ka <= 1e-6] = 1.0
    return response


class MicArrayEncoder(Encoder):
    name = "mic"
    channels = 4
    _ANGLE_STEP_DEG = 0.5

    def __init__(self, sample_rate: int, rigid_sphere: bool = True):
        self.sample_rate = sample_rate
        self.rigid_sphere = rigid_sphere
        self.directions = unit_vectors(TETRA_CAPSULES_DEG[:, 0], TETRA_CAPSULES_DEG[:, 1])
        self.capsules = TETRA_RADIUS_M * self.directions
        # the wave reaches the front of the sphere up to r/c early; scattering rings for a few r/c
        self.latency = int(np.ceil(TETRA_RADIUS_M / SPEED_OF_SOUND * sample_rate)) + (16 if rigid_sphere else 2)
        self.taps = 2 * self.latency + 1
        self._tables: dict[int, np.ndarray] = {}

    def delays(self, azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
        """Free-field arrival delays (n, 4) in samples of a plane wave at each capsule (plus the latency)."""
        toward = unit_vectors(np.atleast_1d(azimuth), np.atleast_1d(elevation))
        return self.latency - toward @ self.capsules.T / SPEED_OF_SOUND * self.sample_rate

    def _table(self, nfft: int) -> np.ndarray:
        """Rigid-sphere responses on a grid of angles (0..180 by 0.5 degrees) x rfft bins, with latency."""
        if nfft not in self._tables:
            angles = np.radians(np.arange(0.0, 180.0 + self._ANGLE_STEP_DEG / 2, self._ANGLE_STEP_DEG))
            freqs = np.fft.rfftfreq(nfft, 1.0 / self.sample_rate)
            ka = 2 * np.pi * freqs * TETRA_RADIUS_M / SPEED_OF_SOUND
            table = rigid_sphere_response(np.cos(angles), ka) * delay_spectra(np.array(self.latency), nfft)
            self._tables[nfft] = table.astype(np.complex64)
        return self._tables[nfft]

    def spectra(self, azimuth: np.ndarray, elevation: np.ndarray, nfft: int) -> np.ndarray:
        if not self.rigid_sphere:
            return delay_spectra(self.delays(azimuth, elevation), nfft)
        toward = unit_vectors(np.atleast_1d(azimuth), np.atleast_1d(elevation))
        angle = np.degrees(np.arccos(np.clip(toward @ self.directions.T, -1.0, 1.0)))
        return self._table(nfft)[np.rint(angle / self._ANGLE_STEP_DEG).astype(int)]


def sphere_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(azimuth, elevation) in degrees of ``n`` near-uniform points on the sphere (Fibonacci lattice)."""
    k = np.arange(n) + 0.5
    elevation = np.degrees(np.arcsin(1.0 - 2.0 * k / n))
    azimuth = (np.degrees(np.pi * (1.0 + 5 ** 0.5) * k) + 180.0) % 360.0 - 180.0
    return azimuth, elevation


def diffuse_mixing_filters(encoder: Encoder, nfft: int = 512, points: int = 800) -> np.ndarray:
    """FIR filters (channels, channels, nfft) that turn independent white noises into a diffuse field.

    The format's cross-spectral matrix for sound arriving equally from all directions (its responses
    averaged over a near-uniform sphere) is factored per frequency (Cholesky); mixing independent noises
    with the factor gives exactly that coherence between channels and that colouration: uncorrelated
    W/Y/Z/X at 1, 1/3, 1/3, 1/3 for FOA, the head's interaural coherence and diffuse-field spectrum for
    binaural, the sphere's inter-capsule coherence for the mic array.
    """
    azimuth, elevation = sphere_points(points)
    responses = np.broadcast_to(encoder.spectra(azimuth, elevation, nfft),
                                (points, encoder.channels, nfft // 2 + 1)).astype(np.complex128)
    covariance = np.einsum("nib,njb->bij", responses, np.conj(responses)) / points
    scale = np.trace(covariance, axis1=1, axis2=2).real.max() * 1e-9 + 1e-20
    factor = np.linalg.cholesky(covariance + scale * np.eye(encoder.channels))
    filters = np.fft.irfft(factor.transpose(1, 2, 0), nfft, axis=-1)
    return (np.roll(filters, nfft // 2, axis=-1) * np.hanning(nfft)).astype(np.float32)

