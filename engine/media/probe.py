"""``media.probe``: what is in a media file (streams, codecs, sizes, durations) and how loud it is.

Streams are read with PyAV; loudness (ITU-R BS.1770 integrated loudness, sample peak) with soundfile
and pyloudnorm for files soundfile can read, else from PyAV's decoded audio.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from engine.atomic import write_json_atomic
from engine.jobs.context import JobContext
from engine.media.spec import MediaProbeParams


def _number(value: Fraction | int | float | None) -> float | None:
    return None if value is None else float(value)


def probe_streams(path: Path) -> dict[str, Any]:
    """Container and stream facts of ``path``; raises ValueError naming the file if it is not media."""
    try:
        container = av.open(str(path))
    except (av.error.InvalidDataError, av.error.FFmpegError) as exc:
        raise ValueError(f"params.path: {path} is not a readable video or audio file ({exc})") from None
    with container:
        streams = []
        for stream in container.streams:
            info: dict[str, Any] = {"index": stream.index, "type": stream.type,
                                    "codec": stream.codec_context.name if stream.codec_context else None,
                                    "duration_s": _number(stream.duration * stream.time_base)
                                    if stream.duration is not None and stream.time_base else None}
            if stream.type == "video":
                info.update(width=stream.codec_context.width, height=stream.codec_context.height,
                            fps=_number(stream.average_rate), frames=stream.frames or None,
                            pixel_format=stream.codec_context.pix_fmt)
            elif stream.type == "audio":
                info.update(sample_rate=stream.codec_context.sample_rate,
                            channels=stream.codec_context.channels, frames=stream.frames or None)
            streams.append(info)
        return {"format": container.format.name,
                "duration_s": container.duration / av.time_base if container.duration else None,
                "bit_rate": container.bit_rate or None, "streams": streams,
                "metadata": dict(container.metadata)}


def _decode_audio(path: Path) -> tuple[np.ndarray, int] | None:
    """All audio of the first audio stream as float (samples, channels), or None if there is none."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout=stream.layout.name, rate=rate)
        chunks = [resampled.to_ndarray() for frame in container.decode(stream)
                  for resampled in resampler.resample(frame)]
    if not chunks:
        return None
    samples = np.concatenate(chunks, axis=1).reshape(-1, stream.codec_context.channels)
    return samples.astype(np.float64), rate


def loudness(samples: np.ndarray, rate: int) -> dict[str, Any]:
    """Integrated loudness (LUFS, BS.1770), sample peak (dBFS) and RMS level (dBFS)."""
    import pyloudnorm

    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
    duration = samples.shape[0] / rate
    lufs = pyloudnorm.Meter(rate).integrated_loudness(samples) if duration >= 0.4 else None
    return {"integrated_lufs": None if lufs is None or not np.isfinite(lufs) else float(lufs),
            "sample_peak_dbfs": 20 * np.log10(peak) if peak > 0 else None,
            "rms_dbfs": 20 * np.log10(rms) if rms > 0 else None,
            "clipped_samples": int(np.sum(np.abs(samples) >= 0.9999)),
            "duration_s": duration}


def run(params: MediaProbeParams, ctx: JobContext) -> dict[str, Any]:
    path = Path(params.path).expanduser()
    if not path.is_file():
        raise ValueError(f"params.path: no file at {path}; give the path of a video or audio file")
    ctx.progress(0.1, "reading streams")
    result = probe_streams(path)
    if params.loudness:
        ctx.check_cancel()
        ctx.progress(0.4, "measuring loudness")
        decoded = _decode_audio(path)
        result["loudness"] = loudness(*decoded) if decoded is not None else None
    write_json_atomic(ctx.output_path("probe.json"), result)
    ctx.progress(1.0, "done")
    return result
