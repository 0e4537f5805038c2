"""Shoebox rooms: early reflections from pyroomacoustics' image sources plus a statistical late tail.

For a source position, ``RoomModel.reflections`` returns the room's response *without* the direct path
(the renderer draws the direct path itself, frame by frame), encoded in the output format: each image
source is rendered from its direction through the format's encoder (HRIR, Ambisonic gains, capsule
delays ...), delayed by its extra path length (fractional delays), attenuated by 1/r, by the walls'
frequency-dependent absorption and by air. After the first arrival of the highest image order the echo
density of the image model falls off, so from there an exponentially decaying noise tail takes over,
with the RT60 that pyroomacoustics predicts for the room (Sabine, as inverse_sabine sets it), a level fitted to the image sources'
energy just before it, and spread over the channels with the coherence and colouration of a diffuse field
in that format (``encoders.diffuse_mixing_filters``).
"""

from __future__ import annotations

import numpy as np
import pyroomacoustics as pra
from scipy import fft as sfft
from scipy.signal import fftconvolve

from engine.audio.spatial.encoders import Encoder, delay_spectra, diffuse_mixing_filters
from engine.audio.spatial.propagation import SPEED_OF_SOUND, air_absorption_log_gain
from engine.audio.spatial.spec import Room
from engine.audio.spatial.trajectory import directions_of

EARLY_TARGET_S = 0.05  # the image model covers at least this much when max_order is not given
MAX_DEFAULT_ORDER = 8
_PAD = 8  # samples of lead in each reflection kernel, room for its fractional-delay sinc
_WALL_MARGIN = 0.05


class RoomModel:
    """Reflections and late tail of one shoebox room for any source position, in one output format."""

    def __init__(self, room: Room, sample_rate: int, encoder: Encoder, air_absorption: bool, seed: int):
        self.spec = room
        self.sample_rate = sample_rate
        self.encoder = encoder.for_reflections()
        self.listener = np.asarray(room.listener, dtype=float)
        self.dimensions = np.asarray(room.dimensions, dtype=float)
        if room.rt60 is not None:
            absorption, _ = pra.inverse_sabine(room.rt60, room.dimensions)
            material = pra.Material(absorption)
        elif room.absorption is not None:
            material = pra.Material(room.absorption)
        else:
            try:
                material = pra.Material(room.material)
            except (KeyError, ValueError, TypeError):
                raise ValueError(f"room.material {room.material!r} is not a pyroomacoustics material; "
                                 f"known: {', '.join(sorted(pra.materials_absorption_table))}") from None
        order = room.max_order
        if order is None:
            order = min(MAX_DEFAULT_ORDER, int(np.ceil(EARLY_TARGET_S * SPEED_OF_SOUND / self.dimensions.min())) + 1)
        self.max_order = order
        self._room = pra.ShoeBox(room.dimensions, fs=sample_rate, materials=material, max_order=order,
                                 air_absorption=False)
        self._room.add_microphone(self.listener)
        self.rt60 = float(np.mean(self._room.rt60_theory(formula="sabine")))
        self.kernel_nfft = int(2 ** np.ceil(np.log2(self.encoder.taps + 2 * _PAD + 1)))
        self._air = air_absorption_log_gain(self.kernel_nfft, sample_rate) if air_absorption else None
        freqs = np.fft.rfftfreq(self.kernel_nfft, 1.0 / sample_rate)
        self._band_weights = self._bands_to_bins(freqs)
        tail_s = 1.2 * self.rt60 if room.late_tail else 0.0
        self.taps = int((self._longest_early_s() + tail_s) * sample_rate) + self.kernel_nfft
        # unit-energy-rate diffuse noise decaying at the room's RT60 from t = 0; scaled per position
        mixing = diffuse_mixing_filters(encoder)
        lead = mixing.shape[-1] // 2
        noise = np.random.default_rng(seed).standard_normal((encoder.channels, self.taps + mixing.shape[-1]))
        diffuse = np.stack([sum(fftconvolve(noise[j], mixing[i, j])[lead:lead + self.taps]
                                for j in range(encoder.channels)) for i in range(encoder.channels)])
        t = np.arange(self.taps) / sample_rate
        self._tail = (diffuse * np.exp(-6.9078 * t / self.rt60) / np.sqrt(sample_rate)).astype(np.float32)

    def _bands_to_bins(self, freqs: np.ndarray) -> np.ndarray:
        centers = np.asarray(self._room.octave_bands.centers, dtype=float)
        weights = np.zeros((len(centers), len(freqs)))
        position = np.interp(np.log2(np.maximum(freqs, 1.0)), np.log2(centers), np.arange(len(centers)))
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, len(centers) - 1)
        frac = position - low
        weights[low, np.arange(len(freqs))] += 1 - frac
        weights[high, np.arange(len(freqs))] += frac
        return weights

    def _longest_early_s(self) -> float:
        corner = np.maximum(self.listener, self.dimensions - self.listener)
        return float((self.max_order + 1) * np.linalg.norm(2 * corner) / SPEED_OF_SOUND)

    def position(self, azimuth: float, elevation: float, distance: float) -> np.ndarray:
        """Room coordinates of a direction seen by the listener, kept a few centimetres inside the walls."""
        az, el = np.radians(azimuth), np.radians(elevation)
        offset = distance * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
        return np.clip(self.listener + offset, _WALL_MARGIN, self.dimensions - _WALL_MARGIN)

    def reflections(self, position: np.ndarray, reference_distance: float) -> np.ndarray:
        """Reflections + tail (channels, taps) of a source at ``position``; time 0 is the moment sound
        travelling ``reference_distance`` metres arrives (the direct distance, or 0 for absolute delays)."""
        room = self._room
        room.sources = []
        room.add_source(list(position))
        room.image_source_model()
        source = room.sources[0]
        keep = (source.orders > 0) & room.visibility[0][0].astype(bool)
        vectors = source.images[:, keep].T - self.listener
        distances = np.linalg.norm(vectors, axis=1)
        damping = source.damping[:, keep]
        out = np.zeros((self.encoder.channels, self.taps), dtype=np.float32)
        if distances.size == 0:
            return out
        delays = (distances - reference_distance) / SPEED_OF_SOUND * self.sample_rate
        whole = np.floor(delays).astype(int)
        azimuth, elevation = directions_of(vectors)
        if damping.shape[0] == 1:  # frequency-independent walls
            shaping = np.repeat(damping.T / distances[:, None], self._band_weights.shape[1], axis=1)
        else:
            shaping = (damping.T @ self._band_weights) / distances[:, None]
        if self._air is not None:
            shaping = shaping * np.exp(distances[:, None].astype(np.float32) * self._air[None, :])
        shaping = shaping.astype(np.float32) * delay_spectra(delays - whole + _PAD, self.kernel_nfft)
        spectra = self.encoder.spectra(azimuth, elevation, self.kernel_nfft) * shaping[:, None, :]
        kernels = sfft.irfft(spectra, self.kernel_nfft, axis=-1, workers=1)
        # scatter every kernel at its start (samples before time 0, if any, are dropped)
        index = ((whole - _PAD)[:, None] + np.arange(self.kernel_nfft)[None, :]).ravel()
        after_zero = index >= 0
        for channel in range(self.encoder.channels):
            weights = kernels[:, channel, :].ravel()
            out[channel] += np.bincount(np.where(after_zero, index, 0), weights=np.where(after_zero, weights, 0.0),
                                        minlength=self.taps)[:self.taps].astype(np.float32)
        if self.spec.late_tail:
            self._add_tail(out, source.orders[keep], distances, damping, delays)
        return out

    def _add_tail(self, out: np.ndarray, orders: np.ndarray, distances: np.ndarray, damping: np.ndarray,
                  delays: np.ndarray) -> None:
        highest = orders == orders.max()
        t_start = float(delays[highest].min()) / self.sample_rate
        t_start = max(0.005, t_start)
        window = (delays >= 0.5 * t_start * self.sample_rate) & (delays < t_start * self.sample_rate)
        if not np.any(window):
            return
        amplitude = np.mean(damping[:, window], axis=0) / distances[window]
        energy_rate = float(np.sum(amplitude ** 2)) / (0.5 * t_start)  # energy per second near 0.75 t_start
        scale = np.sqrt(energy_rate * np.exp(13.8155 * 0.75 * t_start / self.rt60))
        first = int(t_start * self.sample_rate)
        fade = np.minimum(np.arange(self.taps - first) / (0.005 * self.sample_rate), 1.0).astype(np.float32)
        out[:, first:] += self._tail[:, first:] * (scale * fade)[None, :]
