"""Export of the sound: the timeline's mix as a WAV, the video muxed with its soundtrack as an MP4, and
the part of a clip's file that it plays (what the engine analyses for a trimmed soundscape clip).

The MP4 keeps the generated H.264 stream as it is (remuxed, not re-encoded) and adds the soundtrack as
AAC, cut to the video's length. Files are written through a temp file in the target folder and
``os.replace``d.
"""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from app.audio_timeline import MIX_RATE, mix_document, played_part
from app.project.audio import AudioClip, AudioDocument
from app.widgets.playback import write_wav_atomic


def write_soundtrack(doc: AudioDocument, dest: Path, duration: float | None = None) -> Path:
    """The audio tracks mixed to stereo at 48 kHz, written to ``dest`` (WAV, 24 bit)."""
    return write_wav_atomic(Path(dest), np.clip(mix_document(doc, duration), -1.0, 1.0), MIX_RATE)


def clip_excerpt(clip: AudioClip, folder: Path) -> Path:
    """The file that holds what ``clip`` plays: its own file when it plays all of it once, else the part
    it plays (from the in-point for its length, looping like the mix; no gain or fades, at the file's
    rate) written into ``folder``."""
    info = sf.info(clip.path)
    first, frames = round(clip.offset * info.samplerate), round(clip.duration * info.samplerate)
    if first == 0 and abs(frames - info.frames) <= 1:
        return Path(clip.path)
    data, rate = sf.read(clip.path, dtype="float32", always_2d=True)
    return write_wav_atomic(Path(folder) / f"{Path(clip.path).stem}-{first}-{frames}.wav",
                            played_part(data, first, frames), rate)


def mux_mp4(video: Path, soundtrack: np.ndarray, rate: int, dest: Path) -> Path:
    """Write ``dest``: the video stream of ``video`` and ``soundtrack`` (frames, 2) as AAC."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".mp4", dir=dest.parent)
    os.close(fd)
    try:
        with av.open(str(video)) as source, av.open(tmp, "w") as out:
            vin = source.streams.video[0]
            vout = out.add_stream_from_template(vin)
            length_s = float(vin.duration * vin.time_base) if vin.duration else len(soundtrack) / rate
            aout = out.add_stream("aac", rate=rate, layout="stereo")
            for packet in source.demux(vin):
                if packet.dts is None:
                    continue
                packet.stream = vout
                out.mux(packet)
            samples = np.ascontiguousarray(soundtrack[: int(length_s * rate)].T.astype(np.float32))
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate = rate
            frame.time_base = Fraction(1, rate)
            frame.pts = 0
            for packet in aout.encode(frame):
                out.mux(packet)
            for packet in aout.encode(None):
                out.mux(packet)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest
