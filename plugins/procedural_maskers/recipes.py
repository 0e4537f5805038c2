"""Procedural synthesis of the masker bank's sounds (seeded, deterministic).

No free-licence nature recordings are available offline, so the bank is synthesised from physical
and behavioural sketches: rain as drops whose entrained air bubbles ring at their Minnaert frequency
(f = 3.26 / r Hz, r the bubble radius in metres) with a rising chirp, streams and fountains as
bubble clouds over shaped noise, surf as breaking-wave envelopes, wind as gust-driven band-passed
noise, birdsong as phrases of frequency-modulated syllables, insects as pulse trains. Every function
takes a ``numpy.random.Generator`` and returns a float64 signal at ``SAMPLE_RATE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal

from engine.audio.soundscape.synthesis import (
    SAMPLE_RATE,
    band_filtered,
    coloured_noise,
    normalise,
    smooth_envelope,
)


def _overlap_add(out: np.ndarray, starts: np.ndarray, grains: np.ndarray) -> None:
    """Add ``grains`` (K, L) into ``out`` at sample positions ``starts`` (K,), cropping at the end."""
    length = grains.shape[1]
    idx = starts[:, None] + np.arange(length)[None, :]
    keep = idx < out.size
    np.add.at(out, idx[keep], grains[keep])


def bubbles(rng: np.random.Generator, n: int, rate: float, radius_mm: tuple[float, float],
            amp_spread: float = 1.0, cluster: np.ndarray | None = None) -> np.ndarray:
    """Minnaert bubbles: damped sinusoids at 3.26/r Hz with a rising pitch, Poisson in time."""
    count = rng.poisson(rate * n / SAMPLE_RATE)
    if cluster is not None:
        weights = cluster / cluster.sum()
        starts = rng.choice(n, size=count, p=weights)
    else:
        starts = rng.integers(0, n, count)
    out = np.zeros(n)
    length = int(0.06 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    taper = np.minimum(1.0, t / 0.0005) * np.where(t > 0.04, np.cos(0.5 * np.pi * (t - 0.04) / 0.02) ** 2, 1.0)
    for chunk in range(0, count, 4000):
        k = min(4000, count - chunk)
        r = np.exp(rng.uniform(np.log(radius_mm[0]), np.log(radius_mm[1]), k)) * 1e-3
        f0 = 3.26 / r
        rise = rng.uniform(0.0, 0.5, k)[:, None]  # relative pitch rise per 10 ms as the bubble surfaces
        decay = np.pi * f0 * rng.uniform(0.03, 0.08, k)  # damping constant delta of a ringing bubble
        phase = 2 * np.pi * f0[:, None] * (t + 50.0 * rise * t * t)
        amp = np.exp(rng.normal(0.0, amp_spread, k))[:, None] * (r[:, None] / 1e-3) ** 0.5
        grains = amp * np.sin(phase) * np.exp(-decay[:, None] * t) * taper
        _overlap_add(out, starts[chunk:chunk + k], grains)
    return out


def impacts(rng: np.random.Generator, n: int, rate: float, decay_ms: float) -> np.ndarray:
    """Short broadband clicks (drops hitting a surface), Poisson in time."""
    count = rng.poisson(rate * n / SAMPLE_RATE)
    starts = rng.integers(0, n, count)
    out = np.zeros(n)
    length = int(decay_ms * 6e-3 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    env = np.exp(-t / (decay_ms * 1e-3))
    for chunk in range(0, count, 4000):
        k = min(4000, count - chunk)
        amp = np.exp(rng.normal(0.0, 0.8, k))[:, None]
        _overlap_add(out, starts[chunk:chunk + k], amp * rng.standard_normal((k, length)) * env)
    return band_filtered(out, 1500.0, None, 2)


def rain(rng: np.random.Generator, n: int, drops_per_s: float) -> np.ndarray:
    bed = band_filtered(coloured_noise(rng, n, 1.0), 400.0, 12000.0) * smooth_envelope(rng, n, 0.3)
    drops = bubbles(rng, n, drops_per_s * 0.25, (0.6, 2.5)) + impacts(rng, n, drops_per_s, 1.5)
    drops /= np.sqrt(np.mean(drops**2))
    return 0.6 * drops + 0.8 * bed / np.sqrt(np.mean(bed**2))


def stream(rng: np.random.Generator, n: int) -> np.ndarray:
    gurgle = smooth_envelope(rng, n, 3.0) ** 2
    b = bubbles(rng, n, 260.0, (1.5, 7.0), cluster=gurgle)
    bed = band_filtered(coloured_noise(rng, n, 1.0), 150.0, 4000.0) * smooth_envelope(rng, n, 1.0)
    return b / np.sqrt(np.mean(b**2)) + 0.7 * bed


def fountain(rng: np.random.Generator, n: int) -> np.ndarray:
    splash = band_filtered(rng.standard_normal(n), 700.0, 9000.0) * smooth_envelope(rng, n, 12.0)
    b = bubbles(rng, n, 900.0, (0.8, 4.0)) + impacts(rng, n, 2500.0, 1.0)
    return splash / np.sqrt(np.mean(splash**2)) + 0.6 * b / np.sqrt(np.mean(b**2))


def surf(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    crash = np.zeros(n)
    wash = np.zeros(n)
    start = rng.uniform(0.0, 3.0)
    while start < t[-1]:
        dt = t - start
        rise, decay = rng.uniform(0.8, 1.8), rng.uniform(3.0, 5.5)
        shape = np.where(dt < 0, 0.0, np.where(dt < rise, (dt / rise) ** 2, np.exp(-(dt - rise) / decay)))
        size = rng.uniform(0.6, 1.2)
        crash += size * shape
        wash += size * np.where(dt < rise + 1.0, 0.0, np.exp(-(dt - rise - 1.0) / 2.5) * (1 - np.exp(-(dt - rise - 1.0))))
        start += rng.uniform(7.0, 11.0)
    roar = band_filtered(coloured_noise(rng, n, 1.5), 60.0, 4000.0)
    hiss = band_filtered(rng.standard_normal(n), 2000.0, 10000.0)
    return (0.15 + crash) * roar + 0.4 * wash * hiss


def wind_gusts(rng: np.random.Generator, n: int) -> np.ndarray:
    gust = smooth_envelope(rng, n, 0.15) ** 1.5
    noise = coloured_noise(rng, n, 1.8)
    out = np.zeros(n)
    # the howl's centre frequency rises with the gust strength: filter in blocks with a moving band
    block = SAMPLE_RATE // 10
    zi = None
    for s in range(0, n, block):
        g = float(np.mean(gust[s:s + block]))
        fc = 180.0 + 420.0 * min(g, 2.5)
        sos = signal.butter(2, [fc / 1.6, fc * 1.6], btype="bandpass", fs=SAMPLE_RATE, output="sos")
        if zi is None:
            zi = signal.sosfilt_zi(sos) * 0.0
        out[s:s + block], zi = signal.sosfilt(sos, noise[s:s + block], zi=zi)
    return out * gust + 0.05 * band_filtered(noise, 40.0, 200.0)


def wind_in_leaves(rng: np.random.Generator, n: int) -> np.ndarray:
    gust = smooth_envelope(rng, n, 0.2) ** 2
    rustle = band_filtered(rng.standard_normal(n), 1500.0, 9000.0) * smooth_envelope(rng, n, 25.0) ** 1.5
    crackle = impacts(rng, n, 400.0, 0.6)
    body = band_filtered(coloured_noise(rng, n, 1.5), 100.0, 800.0)
    return gust * (rustle + 0.15 * crackle / np.sqrt(np.mean(crackle**2)) + 0.3 * body)


@dataclass(frozen=True)
class Syllable:
    """One frequency-modulated note: a sweep from ``f_start`` to ``f_end`` with sinusoidal vibrato."""

    duration: float
    f_start: float
    f_end: float
    vibrato_hz: float = 0.0
    vibrato_depth: float = 0.0
    harmonics: tuple[float, ...] = (1.0,)

    def render(self, amp: float) -> np.ndarray:
        t = np.arange(int(self.duration * SAMPLE_RATE)) / SAMPLE_RATE
        f = self.f_start + (self.f_end - self.f_start) * t / self.duration
        f = f + self.vibrato_depth * np.sin(2 * np.pi * self.vibrato_hz * t)
        phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
        tone = sum(h * np.sin((k + 1) * phase) for k, h in enumerate(self.harmonics))
        return amp * tone * np.hanning(t.size) ** 0.7


def _song(rng: np.random.Generator, n: int, make_phrase: Callable[[np.random.Generator], list[Syllable]],
          gap_s: tuple[float, float], gap_in_phrase: float, amp_db_spread: float = 4.0) -> np.ndarray:
    out = np.zeros(n)
    pos = int(rng.uniform(0.0, gap_s[1]) * SAMPLE_RATE)
    while pos < n:
        amp = 10 ** (rng.normal(0.0, amp_db_spread) / 20)
        for syl in make_phrase(rng):
            if pos >= n:
                break
            wave = syl.render(amp)
            end = min(n, pos + wave.size)
            out[pos:end] += wave[: end - pos]
            pos += wave.size + int(gap_in_phrase * SAMPLE_RATE * rng.uniform(0.7, 1.3))
        pos += int(rng.uniform(*gap_s) * SAMPLE_RATE)
    return out


def warbler_phrase(rng: np.random.Generator) -> list[Syllable]:
    top = rng.uniform(5500, 7000)
    trill = Syllable(0.045, top, top - rng.uniform(1500, 2500))
    ending = Syllable(0.12, top - 1000, top + 500, 30.0, 300.0)
    return [trill] * int(rng.integers(8, 16)) + [ending]


def thrush_phrase(rng: np.random.Generator) -> list[Syllable]:
    motif = [
        Syllable(rng.uniform(0.08, 0.2), rng.uniform(2000, 4500), rng.uniform(2000, 4500),
                 rng.uniform(10, 40), rng.uniform(50, 300), (1.0, 0.2))
        for _ in range(int(rng.integers(2, 5)))
    ]
    return motif * int(rng.integers(2, 4))


def dove_phrase(rng: np.random.Generator) -> list[Syllable]:
    base = rng.uniform(420, 520)
    harm = (1.0, 0.35, 0.1)
    return [Syllable(0.35, base * 0.95, base, 0.0, 0.0, harm),
            Syllable(0.6, base * 1.05, base * 0.9, 4.0, 8.0, harm),
            Syllable(0.3, base * 0.9, base * 0.85, 0.0, 0.0, harm)]


def chirp_phrase(rng: np.random.Generator) -> list[Syllable]:
    f = rng.uniform(3000, 5000)
    return [Syllable(rng.uniform(0.03, 0.07), f + 1500, f - 800) for _ in range(int(rng.integers(1, 4)))]


def _with_ambience(rng: np.random.Generator, song: np.ndarray, level: float = 0.03) -> np.ndarray:
    song = song / np.sqrt(np.mean(song**2))
    air = band_filtered(coloured_noise(rng, song.size, 1.0), 100.0, 8000.0)
    return song + level * air


def warbler(rng: np.random.Generator, n: int) -> np.ndarray:
    return _with_ambience(rng, _song(rng, n, warbler_phrase, (1.5, 4.0), 0.02))


def thrush(rng: np.random.Generator, n: int) -> np.ndarray:
    return _with_ambience(rng, _song(rng, n, thrush_phrase, (1.0, 3.0), 0.06))


def dove(rng: np.random.Generator, n: int) -> np.ndarray:
    return _with_ambience(rng, _song(rng, n, dove_phrase, (2.0, 5.0), 0.15))


def dawn_chorus(rng: np.random.Generator, n: int) -> np.ndarray:
    near = _song(rng, n, thrush_phrase, (2.0, 5.0), 0.06) + 0.7 * _song(rng, n, warbler_phrase, (3.0, 7.0), 0.02)
    far = sum(_song(rng, n, chirp_phrase, (0.3, 2.0), 0.05) for _ in range(4))
    far = band_filtered(far, None, 5000.0, 2)
    return _with_ambience(rng, near / np.sqrt(np.mean(near**2)) + 0.5 * far / np.sqrt(np.mean(far**2)))


def crickets(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    out = np.zeros(n)
    for _ in range(5):
        carrier = np.sin(2 * np.pi * rng.uniform(4200, 5200) * t)
        chirp_rate, pulses = rng.uniform(1.5, 3.0), int(rng.integers(3, 5))
        phase = (t * chirp_rate + rng.uniform()) % 1.0
        pulse_pos = phase * chirp_rate * 1000 / 33.0  # 33 ms pulse period inside the chirp
        gate = (pulse_pos < pulses) * np.sin(np.pi * (pulse_pos % 1.0)) ** 2
        out += rng.uniform(0.3, 1.0) * carrier * gate
    return _with_ambience(rng, out, 0.05)


def cicadas(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    buzz = band_filtered(rng.standard_normal(n), 4000.0, 8000.0)
    am = 0.5 + 0.5 * np.sin(2 * np.pi * 180.0 * t)
    swell = smooth_envelope(rng, n, 0.1) ** 3
    return _with_ambience(rng, buzz * am * swell, 0.05)


def pink_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return coloured_noise(rng, n, 1.0)


def brown_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return coloured_noise(rng, n, 2.0)


@dataclass(frozen=True)
class MaskerRecipe:
    name: str
    masker_class: str
    make: Callable[[np.random.Generator, int], np.ndarray]
    description: str


RECIPES = (
    MaskerRecipe("rain_light", "rain", lambda r, n: rain(r, n, 600.0), "light rain: sparse drops, Minnaert bubbles"),
    MaskerRecipe("rain_heavy", "rain", lambda r, n: rain(r, n, 4000.0), "heavy rain: dense drops and wash"),
    MaskerRecipe("stream", "water", stream, "babbling stream: clustered large bubbles over flowing noise"),
    MaskerRecipe("fountain", "water", fountain, "fountain: dense splashing and small bubbles"),
    MaskerRecipe("surf", "water", surf, "sea surf: breaking waves every 7-11 s and receding wash"),
    MaskerRecipe("wind_gusts", "wind", wind_gusts, "wind with gusts: howl whose pitch follows the gusts"),
    MaskerRecipe("wind_leaves", "wind", wind_in_leaves, "wind in leaves: gusting rustle"),
    MaskerRecipe("bird_warbler", "bird", warbler, "warbler-like trills of descending FM syllables"),
    MaskerRecipe("bird_thrush", "bird", thrush, "thrush-like repeated motifs with vibrato"),
    MaskerRecipe("bird_dove", "bird", dove, "dove-like low harmonic coos"),
    MaskerRecipe("bird_chorus", "bird", dawn_chorus, "several birds near and far"),
    MaskerRecipe("crickets", "insect", crickets, "field crickets: 4-5 kHz pulse chirps"),
    MaskerRecipe("cicadas", "insect", cicadas, "cicada buzz swelling and fading"),
    MaskerRecipe("pink_noise", "noise", pink_noise, "pink noise (1/f)"),
    MaskerRecipe("brown_noise", "noise", brown_noise, "brown noise (1/f^2)"),
)


def render_masker(recipe: MaskerRecipe, seed: int, duration_s: float = 30.0) -> np.ndarray:
    """The masker of ``recipe`` with ``seed``: mono, ``duration_s`` long, 20 ms fades at both ends."""
    n = int(duration_s * SAMPLE_RATE)
    x = recipe.make(np.random.default_rng(seed), n)
    fade = int(0.02 * SAMPLE_RATE)
    ramp = np.linspace(0.0, 1.0, fade)
    x[:fade] *= ramp
    x[-fade:] *= ramp[::-1]
    return normalise(x)


