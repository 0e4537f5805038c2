"""Param models of the media job kinds (pure pydantic: imported by the GUI through engine.spec)."""

from __future__ import annotations

from pydantic import Field

from engine.spec import JobKind, Params, register_kind


class MediaProbeParams(Params):
    path: str = Field(..., min_length=1, description="a video or audio file on the engine's machine")
    loudness: bool = Field(True, description="also measure audio loudness (LUFS, true peak estimate)")


register_kind(JobKind(
    name="media.probe",
    params=MediaProbeParams,
    runner="engine.media.probe:run",
    description="Read a media file's streams (codec, size, fps, duration, channels) and its loudness.",
))
