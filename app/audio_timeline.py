"""The audio of the timeline as samples: every audio clip read, gained, faded and summed (for playback,
the meter and the MP4's soundtrack). numpy + soundfile only; heavy mixes (auditions of maskers) are the
engine's ``soundscape.render``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from app.project.audio import AudioClip, AudioDocument

MIX_RATE = 48000


@lru_cache(maxsize=32)
def _read(path: str, mtime: float, rate: int) -> np.ndarray:
    data, sr = sf.read(path, dtype="float32", always_2d=True)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    data = data[:, :2]
    return soxr.resample(data, sr, rate) if sr != rate else data


def played_part(data: np.ndarray, first: int, frames: int) -> np.ndarray:
    """``frames`` samples of ``data`` from index ``first`` on, looping past its end (as clips play)."""
    return data[(first + np.arange(frames)) % max(1, len(data))]


def clip_samples(clip: AudioClip, rate: int = MIX_RATE) -> np.ndarray:
    """The clip's stereo samples at ``rate``: its source from the in-point ``offset`` for ``duration``
    (looping the source past its end), with its gain and fades applied."""
    path = Path(clip.path)
    data = _read(str(path), path.stat().st_mtime, rate)
    n = max(1, round(clip.duration * rate))
    out = played_part(data, round(clip.offset * rate), n) * np.float32(10 ** (clip.gain_db / 20))
    envelope = np.ones(n, np.float32)
    fi, fo = min(n, round(clip.fade_in * rate)), min(n, round(clip.fade_out * rate))
    if fi:
        envelope[:fi] = np.linspace(0, 1, fi, dtype=np.float32)
    if fo:
        envelope[n - fo:] *= np.linspace(1, 0, fo, dtype=np.float32)
    return out * envelope[:, None]


def mix_document(doc: AudioDocument, duration: float | None = None, rate: int = MIX_RATE) -> np.ndarray:
    """All audio clips of ``doc`` summed into one stereo float32 array from time 0."""
    end = duration if duration is not None else doc.content_end
    out = np.zeros((max(1, round(end * rate)), 2), np.float32)
    for track in doc.tracks:
        for clip in track:
            begin = round(clip.start * rate)
            if begin >= len(out):
                continue
            samples = clip_samples(clip, rate)[: len(out) - begin]
            out[begin:begin + len(samples)] += samples
    return out


def level_dbfs(samples: np.ndarray, at_s: float, rate: int = MIX_RATE, window_s: float = 0.05) -> list[float]:
    """Peak level per channel in dBFS of the ``window_s`` before ``at_s`` (what a meter shows)."""
    end = int(at_s * rate)
    block = samples[max(0, end - int(window_s * rate)):end]
    if not len(block):
        return [-120.0] * samples.shape[1]
    peaks = np.max(np.abs(block), axis=0)
    return [float(20 * np.log10(max(p, 1e-6))) for p in peaks]
