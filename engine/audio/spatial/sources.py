"""Source signals on the scene's timeline, block by block (memory flat in the scene's length).

A file source (or a masker of the soundscape room's bank, by name) is read with soundfile, mixed to
mono and resampled to the scene rate with a streaming soxr resampler; a generator source makes noise or a tone from its seed. Before ``start`` the source is
silent; a sound shorter than the rest of the scene is padded with silence or looped (``fit``); a longer
one is simply not read past the end of the scene.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from scipy.signal import lfilter

from engine.audio.soundscape.maskers import index_maskers
from engine.audio.spatial.spec import Generator, Source

_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])
_BROWN_B = np.array([1.0])
_BROWN_A = np.array([1.0, -0.995])
_READ_BLOCK = 65536


class _FileReader:
    """Mono samples of an audio file at ``sample_rate``, streamed; loops if asked."""

    def __init__(self, path: Path, sample_rate: int, loop: bool):
        try:
            self._file = sf.SoundFile(str(path))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise ValueError(f"source audio {path}: cannot read it ({exc})") from None
        if self._file.frames == 0:
            raise ValueError(f"source audio {path} is empty")
        self._loop = loop
        self._resampler = (None if self._file.samplerate == sample_rate else
                           soxr.ResampleStream(self._file.samplerate, sample_rate, 1, dtype="float32", quality="HQ"))
        self._pending = np.zeros(0, dtype=np.float32)
        self._done = False

    @property
    def duration(self) -> float:
        return self._file.frames / self._file.samplerate

    def _pull(self) -> np.ndarray:
        block = self._file.read(_READ_BLOCK, dtype="float32", always_2d=True).mean(axis=1)
        last = False
        if len(block) < _READ_BLOCK:
            if self._loop:
                self._file.seek(0)
            else:
                last = True
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block, last=last)
        self._done = last
        return block.astype(np.float32)

    def read(self, n: int) -> np.ndarray:
        parts = [self._pending]
        have = len(self._pending)
        while have < n and not self._done:
            block = self._pull()
            parts.append(block)
            have += len(block)
        data = np.concatenate(parts)
        out = np.zeros(n, dtype=np.float32)
        out[:min(n, len(data))] = data[:n]
        self._pending = data[n:]
        return out

    def close(self) -> None:
        self._file.close()


class _GeneratorReader:
    """Noise or a tone, deterministic from the generator's seed, with filter state across blocks."""

    def __init__(self, gen: Generator, sample_rate: int):
        self._gen = gen
        self._rate = sample_rate
        self._rng = np.random.default_rng(gen.seed)
        self._phase = 0
        self._filter = {"pink": (_PINK_B, _PINK_A), "brown": (_BROWN_B, _BROWN_A)}.get(gen.kind)
        self._state = None if self._filter is None else np.zeros(len(self._filter[1]) - 1)
        self._scale = 10 ** (gen.level_db / 20)
        if self._filter is not None:
            b, a = self._filter
            probe = lfilter(b, a, np.random.default_rng(gen.seed + 1).standard_normal(sample_rate * 4))
            self._scale /= np.sqrt(np.mean(probe[sample_rate:] ** 2))

    duration = float("inf")

    def read(self, n: int) -> np.ndarray:
        if self._gen.kind == "tone":
            t = (self._phase + np.arange(n)) / self._rate
            self._phase += n
            return (np.sqrt(2) * self._scale * np.sin(2 * np.pi * self._gen.frequency * t)).astype(np.float32)
        noise = self._rng.standard_normal(n)
        if self._filter is not None:
            noise, self._state = lfilter(*self._filter, noise, zi=self._state)
        return (self._scale * noise).astype(np.float32)

    def close(self) -> None:
        pass


def masker_path(name: str) -> Path:
    """The file of the builtin masker called ``name``; the error lists the known names."""
    known = {m.name: m.path for m in index_maskers().maskers}
    if name not in known:
        raise ValueError(f"masker {name!r} is not in the masker bank; known: {', '.join(sorted(known))}")
    return Path(known[name])


class SourceStream:
    """A source's dry signal on the scene timeline at the scene's rate, with its gain applied."""

    def __init__(self, source: Source, sample_rate: int, base_dir: Path | None):
        self.source = source
        self.sample_rate = sample_rate
        if source.audio is not None:
            path = Path(source.audio)
            if not path.is_absolute():
                path = (base_dir or Path.cwd()) / path
            self._reader: _FileReader | _GeneratorReader = _FileReader(path, sample_rate, source.fit == "loop")
        elif source.masker is not None:
            self._reader = _FileReader(masker_path(source.masker), sample_rate, source.fit == "loop")
        else:
            self._reader = _GeneratorReader(source.generator, sample_rate)
        self._gain = np.float32(10 ** (source.gain_db / 20))
        self._start = int(round(source.start * sample_rate))
        self._position = 0

    def active_span(self, scene_duration: float) -> tuple[float, float]:
        """(start, end) seconds in the scene during which the source sounds."""
        end = self.source.start + (self._reader.duration if self.source.fit == "pad" else float("inf"))
        return self.source.start, min(end, scene_duration)

    def read(self, n: int) -> np.ndarray:
        """The next ``n`` samples of the scene timeline."""
        out = np.zeros(n, dtype=np.float32)
        silent = max(0, min(n, self._start - self._position))
        if silent < n:
            out[silent:] = self._reader.read(n - silent) * self._gain
        self._position += n
        return out

    def close(self) -> None:
        self._reader.close()
