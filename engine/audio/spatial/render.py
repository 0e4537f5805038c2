"""Render a scene to binaural, FOA (AmbiX), stereo, tetrahedral-mic or FOA-decoded binaural audio, in blocks.

Every source is read block by block (``sources``), optionally delayed by its time-varying propagation
delay (Doppler), and filtered frame by frame (``framefilter``) with the response of its direction at that
frame (``encoders``) times its distance gain and air absorption; a room adds reflections and a late tail
(``room``), updated every ``ROOM_HOP`` samples with the same crossfading frames for positions snapped
to a 5 cm grid (the direct path is exact every frame; the reflections only need to follow roughly). Memory is flat in the
scene's length: only the current block, the frame overlaps and the room responses are held.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import fft as sfft

from engine.audio.spatial.encoders import Encoder
from engine.audio.spatial.formats import spatial_format
from engine.audio.spatial.framefilter import FrameFilter
from engine.audio.spatial.propagation import SPEED_OF_SOUND, air_absorption_log_gain, distance_gain
from engine.audio.spatial.room import RoomModel
from engine.audio.spatial.sofa import load_hrtf
from engine.audio.spatial.sources import SourceStream
from engine.audio.spatial.spec import Scene
from engine.audio.spatial.trajectory import Trajectory

HOP = 1024  # direction updates every ~21 ms, crossfades over ~43 ms
ROOM_HOP = 16 * HOP  # room responses update every ~0.34 s (crossfaded over ~0.7 s)
ROOM_GRID_M = 0.05  # source positions for the room response snap to a 5 cm grid
BLOCK = 64 * HOP  # samples per processing block (~1.4 s)


@dataclass(frozen=True)
class RenderOptions:
    """How to render: output format (a registered name) and the physical effects to include."""

    fmt: str = "binaural"
    hrtf: str | None = None
    doppler: bool = False
    air_absorption: bool = True
    stereo_itd: bool = True
    seed: int = 0


class _DopplerLine:
    """A delay line reading the source at ``t - r(t) / c``: the pitch rises and falls as it passes."""

    def __init__(self, trajectory: Trajectory, sample_rate: int, max_distance: float):
        self._trajectory = trajectory
        self._rate = sample_rate
        self._history = np.zeros(int(np.ceil(max_distance / SPEED_OF_SOUND * sample_rate)) + 4, dtype=np.float32)

    def process(self, samples: np.ndarray, start: int) -> np.ndarray:
        n = len(samples)
        coarse = start + np.arange(0, n + HOP, HOP)
        distance = self._trajectory.at(coarse / self._rate)[2]
        delay = np.interp(start + np.arange(n), coarse, distance) / SPEED_OF_SOUND * self._rate
        buffer = np.concatenate([self._history, samples])
        offset = start - len(self._history)
        positions = start + np.arange(n) - delay - offset
        out = np.interp(positions, np.arange(len(buffer)), buffer).astype(np.float32)
        self._history = buffer[-len(self._history):]
        return out


class _SourceState:
    def __init__(self, key: int, stream: SourceStream, trajectory: Trajectory, doppler: _DopplerLine | None):
        self.key = key
        self.stream = stream
        self.trajectory = trajectory
        self.doppler = doppler
        self.room_key: tuple | None = None
        self.room_spectrum: np.ndarray | None = None


class SceneRenderer:
    """Streams a scene's rendering as blocks of (channels, samples) float32."""

    def __init__(self, scene: Scene, base_dir: Path | None, options: RenderOptions,
                 only: list[int] | None = None):
        self.scene = scene
        self.options = options
        self.sample_rate = scene.sample_rate
        self.format = spatial_format(options.fmt)
        self._hrtf = load_hrtf(options.hrtf, self.sample_rate) if self.format.needs_hrtf else None
        self.encoder: Encoder = self.format.encoder(self.sample_rate, self._hrtf, options)
        self.channels = self.format.decoded_channels if self.format.decode is not None else self.encoder.channels
        self.warnings = self._coverage_warnings()
        self.frames = int(round(scene.duration * self.sample_rate))
        self.direct = FrameFilter(HOP, self.encoder.taps, self.encoder.channels)
        self._air = air_absorption_log_gain(self.direct.nfft, self.sample_rate) if options.air_absorption else None
        self.room = (RoomModel(scene.room, self.sample_rate, self.encoder, options.air_absorption, options.seed)
                     if scene.room is not None else None)
        self.reflect = FrameFilter(ROOM_HOP, self.room.taps, self.encoder.channels) if self.room is not None else None
        indices = range(len(scene.sources)) if only is None else only
        self._sources = []
        for i in indices:
            source = scene.sources[i]
            trajectory = Trajectory(source)
            doppler = None
            if options.doppler:
                doppler = _DopplerLine(trajectory, self.sample_rate, max(k.distance for k in source.trajectory))
            self._sources.append(_SourceState(i, SourceStream(source, self.sample_rate, base_dir), trajectory, doppler))

    def _coverage_warnings(self) -> list[str]:
        if self._hrtf is None or self.format.decode is not None:  # decoded formats use fixed directions
            return []
        lowest = float(self._hrtf.directions[:, 1].min())
        below = sorted({s.name for s in self.scene.sources if any(k.elevation < lowest - 1 for k in s.trajectory)})
        if not below:
            return []
        message = (f"the HRTF set {self._hrtf.name} has no direction below elevation {lowest:g}; sources "
                   f"{', '.join(below)} go lower and are heard from the nearest measured direction")
        return [message]

    def close(self) -> None:
        for state in self._sources:
            state.stream.close()

    def blocks(self, progress: Callable[[float], None] | None = None) -> Iterator[np.ndarray]:
        """The rendering, block by block, exactly ``frames`` samples in all."""
        if self.format.decode is not None:
            return self.format.decode(self._encoded_blocks(progress), self.frames, self._hrtf)
        return self._encoded_blocks(progress)

    def _encoded_blocks(self, progress: Callable[[float], None] | None) -> Iterator[np.ndarray]:
        emitted, block = 0, 0
        try:
            while emitted < self.frames:
                self._process(block)
                block += 1
                ready = self.direct.available
                if self.reflect is not None:
                    ready = min(ready, self.reflect.available)
                ready = min(ready, self.frames - emitted)
                if ready <= 0:
                    continue
                out = self.direct.take(ready)
                if self.reflect is not None:
                    out = out + self.reflect.take(ready)
                emitted += ready
                if progress is not None:
                    progress(emitted / self.frames)
                yield out
        finally:
            self.close()

    def _process(self, block: int) -> None:
        start = block * BLOCK
        centres = (start + np.arange(BLOCK // HOP) * HOP) / self.sample_rate
        mixed = np.zeros((len(centres), self.encoder.channels, self.direct.bins), dtype=np.complex64)
        room_mixed = None
        if self.reflect is not None:
            room_mixed = np.zeros((BLOCK // ROOM_HOP, self.encoder.channels, self.reflect.bins), dtype=np.complex64)
        for state in self._sources:
            samples = state.stream.read(BLOCK)
            if state.doppler is not None:
                samples = state.doppler.process(samples, start)
            spectra = self.direct.frame_spectra(state.key, samples)
            azimuth, elevation, distance = state.trajectory.at(centres)
            weight = distance_gain(distance).astype(np.float32)[:, None]
            if self._air is not None:
                weight = weight * np.exp(distance.astype(np.float32)[:, None] * self._air[None, :])
            spectra *= weight
            mixed += spectra[:, None, :] * self.encoder.spectra(azimuth, elevation, self.direct.nfft)
            if room_mixed is not None:
                room_spectra = self.reflect.frame_spectra(state.key, samples)
                room_centres = (start + np.arange(BLOCK // ROOM_HOP) * ROOM_HOP) / self.sample_rate
                for k, (az, el, d) in enumerate(zip(*state.trajectory.at(room_centres))):
                    room_mixed[k] += room_spectra[k][None, :] * self._room_spectrum(state, az, el, d)
        self.direct.synthesise(mixed)
        if room_mixed is not None:
            self.reflect.synthesise(room_mixed)

    def _room_spectrum(self, state: _SourceState, azimuth: float, elevation: float, distance: float) -> np.ndarray:
        cell = np.round(self.room.position(azimuth, elevation, distance) / ROOM_GRID_M)
        key = tuple(cell.astype(int))
        if key != state.room_key:
            position = cell * ROOM_GRID_M
            reference = 0.0 if self.options.doppler else float(np.linalg.norm(position - self.room.listener))
            response = self.room.reflections(position, reference)
            state.room_spectrum = sfft.rfft(response, self.reflect.nfft, axis=-1, workers=1).astype(np.complex64)
            state.room_key = key
        return state.room_spectrum


def render_array(scene: Scene, base_dir: Path | None, options: RenderOptions,
                 only: list[int] | None = None) -> np.ndarray:
    """The whole rendering in memory (channels, samples); for short scenes, tests and analysis."""
    renderer = SceneRenderer(scene, base_dir, options, only)
    return np.concatenate(list(renderer.blocks()), axis=1)


def render_to_file(scene: Scene, base_dir: Path | None, options: RenderOptions, path: Path,
                   progress: Callable[[float], None] | None = None,
                   check_cancel: Callable[[], None] | None = None) -> dict:
    """Stream the rendering into a float WAV at ``path`` (written atomically); returns facts about it."""
    path = Path(path)
    renderer = SceneRenderer(scene, base_dir, options)
    started = time.perf_counter()
    peak = 0.0
    fd, tmp = tempfile.mkstemp(prefix=".render-", suffix=".wav", dir=path.parent)
    os.close(fd)
    try:
        with sf.SoundFile(tmp, "w", samplerate=renderer.sample_rate, channels=renderer.channels,
                          format="WAV", subtype="FLOAT") as out:
            for block in renderer.blocks(progress):
                if check_cancel is not None:
                    check_cancel()
                peak = max(peak, float(np.abs(block).max(initial=0.0)))
                out.write(block.T)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    elapsed = time.perf_counter() - started
    return {"path": str(path), "format": options.fmt, "channels": renderer.channels,
            "sample_rate": renderer.sample_rate, "frames": renderer.frames, "peak": peak,
            "seconds": elapsed, "realtime_factor": scene.duration / max(elapsed, 1e-9),
            "room_rt60": renderer.room.rt60 if renderer.room is not None else None,
            "warnings": renderer.warnings}
