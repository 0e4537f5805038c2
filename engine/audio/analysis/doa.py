"""Direction-of-arrival estimation per DCASE label frame (100 ms) for each output format.

- FOA (AmbiX ACN/SN3D): the active intensity vector Re(W* [X, Y, Z]) summed over a frequency band.
- Binaural: interaural time difference by GCC-PHAT (sub-sample peak), mapped to the lateral angle
  with the HRTF set's own ITDs; a time difference cannot tell front from back, so the result is the
  lateral angle asin(sin(azimuth) cos(elevation)) (positive = left).
- Stereo: the level difference of constant-power panning inverted to the lateral angle.
- Tetrahedral mic array: pyroomacoustics' MUSIC or SRP-PHAT on a 2-degree sphere grid.
Frames quieter than ``silence_db`` below the loudest frame get no estimate (NaN).
"""

from __future__ import annotations

import numpy as np
import pyroomacoustics as pra
from scipy.signal import stft

from engine.audio.spatial.encoders import TETRA_CAPSULES_DEG, TETRA_RADIUS_M
from engine.audio.spatial.propagation import SPEED_OF_SOUND
from engine.audio.spatial.sofa import HrtfSet
from engine.audio.spatial.trajectory import directions_of, unit_vectors

LABEL_FRAME_S = 0.1


def _frames(signal: np.ndarray, sample_rate: int, frame_s: float) -> np.ndarray:
    """(channels, n) -> (frames, channels, samples per frame), the last partial frame zero-padded."""
    size = int(round(frame_s * sample_rate))
    n = -(-signal.shape[1] // size)
    padded = np.zeros((signal.shape[0], n * size), dtype=np.float64)
    padded[:, :signal.shape[1]] = signal
    return padded.reshape(signal.shape[0], n, size).transpose(1, 0, 2)


def _active(frames: np.ndarray, silence_db: float) -> np.ndarray:
    energy = np.mean(frames[:, 0, :] ** 2, axis=-1) if frames.shape[1] else np.zeros(0)
    return energy > energy.max(initial=0.0) * 10 ** (silence_db / 10) + 1e-20


def foa_intensity_doa(foa: np.ndarray, sample_rate: int, frame_s: float = LABEL_FRAME_S,
                      band: tuple[float, float] = (100.0, 8000.0), silence_db: float = -50.0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(azimuth, elevation) in degrees per frame from AmbiX FOA (4, n); NaN where silent."""
    frames = _frames(foa, sample_rate, frame_s)
    nfft = 1024
    freqs, _, spec = stft(frames, fs=sample_rate, nperseg=nfft, noverlap=nfft // 2, axis=-1)
    in_band = (freqs >= band[0]) & (freqs <= band[1])
    spec = spec[:, :, in_band, :]  # (frames, 4, bins, stft frames)
    w = np.conj(spec[:, 0])
    intensity = np.stack([np.real(w * spec[:, 3]), np.real(w * spec[:, 1]), np.real(w * spec[:, 2])], axis=-1)
    azimuth, elevation = directions_of(intensity.sum(axis=(1, 2)))
    silent = ~_active(frames, silence_db)
    azimuth[silent], elevation[silent] = np.nan, np.nan
    return azimuth, elevation


def foa_masked_doa(foa_mix: np.ndarray, omni_stems: list[np.ndarray], sample_rate: int,
                   frame_s: float = LABEL_FRAME_S, band: tuple[float, float] = (100.0, 8000.0),
                   dominance_db: float = 6.0, silence_db: float = -50.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per source, (azimuth, elevation) per frame from the *mixture* FOA (4, n).

    Knowing what each source sounds like (its omnidirectional stem, e.g. the W channel of its solo
    rendering) but not where it is, each time-frequency bin is given to the source that dominates it by
    ``dominance_db`` and that source's direction is the mixture's intensity vector summed over its bins.
    Other sources leaking into those bins bias the estimate: this is a localisation of the mix.
    """
    size = int(round(frame_s * sample_rate))
    nfft = 1024
    freqs, _, mix = stft(foa_mix, fs=sample_rate, nperseg=nfft, noverlap=nfft // 2, axis=-1, boundary=None)
    in_band = (freqs >= band[0]) & (freqs <= band[1])
    mix = mix[:, in_band]
    powers = np.stack([np.abs(stft(s, fs=sample_rate, nperseg=nfft, noverlap=nfft // 2, boundary=None)[2][in_band]) ** 2
                       for s in omni_stems])  # (sources, bins, stft frames)
    w = np.conj(mix[0])
    intensity = np.stack([np.real(w * mix[3]), np.real(w * mix[1]), np.real(w * mix[2])], axis=-1)
    n_frames = -(-foa_mix.shape[1] // size)
    label = np.minimum((np.arange(mix.shape[-1]) * (nfft // 2) + nfft // 2) // size, n_frames - 1)
    out = []
    for k in range(len(omni_stems)):
        others = np.delete(powers, k, axis=0).max(axis=0) if len(omni_stems) > 1 else np.zeros_like(powers[0])
        mine = powers[k] > others * 10 ** (dominance_db / 10)
        summed = np.zeros((n_frames, 3))
        np.add.at(summed, label, np.einsum("bt,btc->tc", mine, intensity))
        energy = np.zeros(n_frames)
        np.add.at(energy, label, powers[k].sum(axis=0))
        azimuth, elevation = directions_of(summed)
        silent = (energy <= energy.max(initial=0.0) * 10 ** (silence_db / 10)) | (np.abs(summed).sum(axis=1) == 0)
        azimuth[silent], elevation[silent] = np.nan, np.nan
        out.append((azimuth, elevation))
    return out


def gcc_phat_delay(left: np.ndarray, right: np.ndarray, sample_rate: int, max_delay_s: float = 1e-3,
                   upsample: int = 16, band: tuple[float, float] = (100.0, 1500.0)) -> float:
    """Seconds by which the right signal lags the left (positive: the sound reached the left ear first).

    PHAT weighting over ``band`` only (below ~1.5 kHz, where the interaural phase carries the ITD
    unambiguously), ignoring bins more than 60 dB below the strongest, which carry no signal.
    """
    n = len(left) + len(right)
    spec = np.fft.rfft(left, n) * np.conj(np.fft.rfft(right, n))
    magnitude = np.abs(spec)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    keep = (freqs >= band[0]) & (freqs <= band[1]) & (magnitude > magnitude.max(initial=0.0) * 1e-6)
    spec = np.where(keep, spec / (magnitude + 1e-30), 0.0)
    corr = np.fft.irfft(spec, n * upsample)
    max_lag = int(max_delay_s * sample_rate * upsample)
    lags = np.concatenate([np.arange(-max_lag, 0), np.arange(0, max_lag + 1)])
    values = np.concatenate([corr[-max_lag:], corr[:max_lag + 1]])
    k = int(np.argmax(values))
    offset = 0.0
    if 0 < k < len(values) - 1:
        a, b, c = values[k - 1], values[k], values[k + 1]
        denom = a - 2 * b + c
        offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
    # corr[k] = sum left[t + k] right[t]: the peak is at minus the right ear's lag
    return -(lags[k] + offset) / (sample_rate * upsample)


def hrtf_itd_table(hrtf: HrtfSet) -> tuple[np.ndarray, np.ndarray]:
    """(lateral angles in degrees, ITDs in s) of the set's frontal horizontal directions, ITD increasing."""
    azimuth = (hrtf.directions[:, 0] + 180.0) % 360.0 - 180.0
    horizontal = np.where((np.abs(hrtf.directions[:, 1]) < 1e-6) & (np.abs(azimuth) <= 90.0))[0]
    lateral = azimuth[horizontal]
    itd = np.array([gcc_phat_delay(hrtf.irs[i, 0], hrtf.irs[i, 1], hrtf.sample_rate) for i in horizontal])
    order = np.argsort(lateral)
    lateral, itd = lateral[order], np.maximum.accumulate(itd[order])
    return lateral, itd


def binaural_lateral_doa(binaural: np.ndarray, sample_rate: int, hrtf: HrtfSet, frame_s: float = LABEL_FRAME_S,
                         silence_db: float = -50.0) -> tuple[np.ndarray, np.ndarray]:
    """(lateral angle in degrees, ITD in s) per frame from a binaural (2, n) signal; NaN where silent."""
    table_lateral, table_itd = hrtf_itd_table(hrtf)
    frames = _frames(binaural, sample_rate, frame_s)
    itd = np.array([gcc_phat_delay(f[0], f[1], sample_rate) for f in frames])
    lateral = np.interp(itd, table_itd, table_lateral)
    silent = ~_active(frames, silence_db)
    lateral[silent], itd[silent] = np.nan, np.nan
    return lateral, itd


def stereo_lateral_doa(stereo: np.ndarray, sample_rate: int, frame_s: float = LABEL_FRAME_S,
                       silence_db: float = -50.0) -> np.ndarray:
    """Lateral angle in degrees per frame from a constant-power panned stereo (2, n) signal."""
    frames = _frames(stereo, sample_rate, frame_s)
    left, right = np.sqrt(np.mean(frames[:, 0] ** 2, -1)), np.sqrt(np.mean(frames[:, 1] ** 2, -1))
    theta = np.arctan2(right, left)
    lateral = np.degrees(np.arcsin(np.clip(1.0 - 4.0 * theta / np.pi, -1, 1)))
    lateral[~_active(frames, silence_db)] = np.nan
    return lateral


def tetra_mic_positions() -> np.ndarray:
    """Capsule positions (3, 4) in metres of the DCASE tetrahedral array (x front, y left, z up)."""
    return (TETRA_RADIUS_M * unit_vectors(TETRA_CAPSULES_DEG[:, 0], TETRA_CAPSULES_DEG[:, 1])).T


def mic_array_doa(mic: np.ndarray, sample_rate: int, method: str = "MUSIC", frame_s: float = LABEL_FRAME_S,
                  band: tuple[float, float] = (300.0, 3000.0), grid_deg: float = 2.0,
                  silence_db: float = -50.0) -> tuple[np.ndarray, np.ndarray]:
    """(azimuth, elevation) in degrees per frame from the tetrahedral array (4, n) with pyroomacoustics."""
    if method not in pra.doa.algorithms:
        raise ValueError(f"method must be one of {', '.join(pra.doa.algorithms)}, got {method!r}")
    nfft = 512
    azimuth_grid = np.radians(np.arange(0.0, 360.0, grid_deg))
    colatitude_grid = np.radians(np.arange(grid_deg / 2, 180.0, grid_deg))
    doa = pra.doa.algorithms[method](tetra_mic_positions(), sample_rate, nfft, c=SPEED_OF_SOUND, num_src=1,
                                     dim=3, azimuth=azimuth_grid, colatitude=colatitude_grid)
    frames = _frames(mic, sample_rate, frame_s)
    active = _active(frames, silence_db)
    azimuth = np.full(len(frames), np.nan)
    elevation = np.full(len(frames), np.nan)
    for k in np.where(active)[0]:
        _, _, spec = stft(frames[k], fs=sample_rate, nperseg=nfft, noverlap=nfft // 2, axis=-1)
        doa.locate_sources(spec, freq_range=list(band))
        azimuth[k] = np.degrees(doa.azimuth_recon[0])
        elevation[k] = 90.0 - np.degrees(doa.colatitude_recon[0])
    azimuth = (azimuth + 180.0) % 360.0 - 180.0
    return azimuth, elevation
